import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { parseTextPlainAsJson } from './text-plain-json.ts';
import { copyInto, runScript } from '../src/db/copy.ts';
import { createPool } from '../src/db/pool.ts';
import { EVENT_COLUMNS, type EventRow } from '../src/ingest/event-row.ts';

/**
 * The durable floor: the bare server's work (parse the JSON body, answer 201 with an id) plus the
 * least that makes an event durable here, a group-committed COPY of a real stored Beacon row into
 * a table shaped and indexed like `events`, the reply sent after COMMIT. Nothing else Beacon does:
 * no validation, site or origin check, rate limit, enrichment, deduplication, sessions or metrics.
 * So bare → floor is what durability costs on this machine, and floor → Beacon is Beacon's own.
 *
 * Usage: floor-server.ts <postgres url> <site id>; the site's stored events serve as row templates.
 */
const [databaseUrl, siteId] = process.argv.slice(2);
if (databaseUrl === undefined || siteId === undefined) {
  console.error('usage: floor-server.ts <postgres url> <site id>');
  process.exit(2);
}

const TABLE = `bench_floor_${process.pid}`;
/** As many flushes in flight as Beacon's writer has lanes. */
const LANES = 2;

const db = createPool({ connectionString: databaseUrl, max: LANES });
await db.query(
  `CREATE TABLE ${TABLE} (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)`,
);
const { rows: templates } = await db.query<EventRow>(
  'SELECT * FROM events WHERE site_id = $1 ORDER BY received_at DESC LIMIT 2000',
  [siteId],
);
if (templates.length === 0) {
  console.error(`no stored events of site ${siteId} to use as templates`);
  process.exit(1);
}

interface Waiting {
  row: EventRow;
  settle(error?: Error): void;
}
let queue: Waiting[] = [];
let flushing = 0;

async function flush() {
  while (queue.length > 0) {
    const batch = queue;
    queue = [];
    const client = await db.connect();
    try {
      const rows = batch.map((waiting) => waiting.row);
      await runScript(client, [{ sql: 'BEGIN' }, copyInto(TABLE, EVENT_COLUMNS, rows), { sql: 'COMMIT' }]);
      for (const waiting of batch) waiting.settle();
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      for (const waiting of batch) waiting.settle(error as Error);
    } finally {
      client.release();
    }
  }
}

function schedule() {
  if (flushing >= LANES) return;
  flushing += 1;
  setImmediate(() => {
    void flush().finally(() => {
      flushing -= 1;
    });
  });
}

const app = Fastify({ logger: false });
parseTextPlainAsJson(app);

let next = 0;
app.post('/api/track/event', async (request, reply) => {
  if (typeof request.body !== 'object' || request.body === null) return reply.status(400).send({});
  const receivedAt = new Date();
  const row: EventRow = {
    ...templates[next++ % templates.length]!,
    id: `evt_${randomUUID()}`,
    event_id: null,
    received_at: receivedAt,
    occurred_at: receivedAt,
  };
  await new Promise<void>((resolve, reject) => {
    queue.push({ row, settle: (error) => (error ? reject(error) : resolve()) });
    schedule();
  });
  return reply.status(201).send({ id: row.id });
});

const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`listening ${address}\n`);

const stop = () =>
  void app
    .close()
    .then(() => db.query(`DROP TABLE IF EXISTS ${TABLE}`))
    .finally(() => void db.end().then(() => process.exit(0)));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
