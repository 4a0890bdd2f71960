import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { openLive } from '../../../test/live-client.ts';
import { createTenant, useTestApp, type TestContext } from '../../../test/helpers.ts';
import { createMemoryState } from '../../state/memory.ts';
import { createRedisState } from '../../state/redis.ts';

/**
 * The live feed on each shared-state backend. In-process: one instance, the default without
 * REDIS_URL. Redis: two Beacon instances on one Redis, as behind a load balancer, where a dashboard
 * connected to one sees the events another one ingests. That needs Redis; the test run always has
 * one in CI (.ci/run starts it) and starts redis-server itself where it is on the PATH. Without it
 * the test fails rather than skips, so CI can never pass without having run it.
 */
const redisUrl = inject('redisUrl');
const prefix = `test:${randomBytes(6).toString('hex')}:`;
const sharedRedis = () => {
  if (redisUrl === undefined) {
    throw new Error('this test needs Redis: set REDIS_URL, or put redis-server on the PATH');
  }
  return createRedisState({ url: redisUrl, prefix });
};

const alone = useTestApp({ state: createMemoryState });
const instanceA = useTestApp({ state: sharedRedis });
const instanceB = useTestApp({ state: sharedRedis });
let portAlone: number;
let portA: number;

const portOf = (context: TestContext) => (context.app.server.address() as { port: number }).port;

beforeAll(async () => {
  await alone.app.listen({ port: 0, host: '127.0.0.1' });
  await instanceA.app.listen({ port: 0, host: '127.0.0.1' });
  [portAlone, portA] = [portOf(alone), portOf(instanceA)];
});

async function createSite(context: TestContext) {
  const owner = await createTenant(context);
  const created = await context.app.inject({
    method: 'POST',
    url: '/api/sites',
    headers: owner.auth,
    payload: { name: 'Shop', domain: 'shop.example' },
  });
  expect(created.statusCode, created.body).toBe(201);
  return { owner, ...created.json<{ id: string; siteKey: string }>() };
}

async function trackPageview(context: TestContext, siteKey: string, path: string): Promise<string> {
  const response = await context.app.inject({
    method: 'POST',
    url: '/api/track/event',
    headers: { origin: 'https://shop.example', 'user-agent': CHROME },
    payload: { site: siteKey, type: 'pageview', url: `https://shop.example${path}` },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: string }>().id;
}

const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('live feed, in-process (one instance, no Redis)', () => {
  it('sends a client the events the instance ingests', async () => {
    expect(alone.state.backend).toBe('in-process');
    const site = await createSite(alone);
    const client = await openLive(`ws://127.0.0.1:${portAlone}/api/sites/${site.id}/live`, {
      headers: site.owner.auth,
    });
    await client.waitFor((message) => message.type === 'subscribed');
    const id = await trackPageview(alone, site.siteKey, '/alone');
    await client.waitFor(
      (message) => message.type === 'event' && (message.event as { id: string }).id === id,
    );
    client.socket.close();
  });
});

describe('live feed across instances (Redis)', () => {
  it('sends a client connected to instance A the events ingested by instance B', async () => {
    expect(instanceA.state.backend).toBe('redis');
    const site = await createSite(instanceA);
    const owner = site.owner;

    const client = await openLive(`ws://127.0.0.1:${portA}/api/sites/${site.id}/live`, {
      headers: owner.auth,
    });
    await client.waitFor((message) => message.type === 'subscribed');

    // Instance B learns that A has a client for the site from A's announcement on Redis, a moment
    // after the connection opens; until then it publishes nothing for the site. So B ingests page
    // views until one reaches the client (the first one, unless the machine is very slow).
    const sent: string[] = [];
    const deadline = Date.now() + 15_000;
    for (;;) {
      sent.push(await trackPageview(instanceB, site.siteKey, `/from-b-${sent.length}`));
      const arrived = await client
        .waitFor(
          (message) => message.type === 'event' && sent.includes((message.event as { id: string }).id),
          500,
        )
        .catch(() => undefined);
      if (arrived !== undefined) {
        expect(arrived.event).toMatchObject({ path: expect.stringMatching(/^\/from-b-/) });
        break;
      }
      if (Date.now() > deadline)
        throw new Error(`none of ${sent.length} events from B reached the client on A`);
      await sleep(100);
    }
    client.socket.close();
  });
});
