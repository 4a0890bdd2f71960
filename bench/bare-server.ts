import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { parseTextPlainAsJson } from './text-plain-json.ts';

/**
 * The baseline: the least a Fastify server must do for a tracking request (parse the JSON body and
 * answer 201 with an id) on the same path and with the same request bytes as Beacon gets. Listens
 * on a port the OS picks and prints it, so the parent never races another process for a port.
 */
const app = Fastify({ logger: false });

parseTextPlainAsJson(app);

app.post('/api/track/event', async (request, reply) => {
  if (typeof request.body !== 'object' || request.body === null) return reply.status(400).send({});
  return reply.status(201).send({ id: randomUUID() });
});

const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`listening ${address}\n`);

const stop = () => void app.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
