import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createMemoryState } from '../src/state/memory.ts';
import { createRedisState, REDIS_CALL_TIMEOUT_MS } from '../src/state/redis.ts';
import { startTcpProxy, targetOf, throughProxy, type TcpProxy } from './fakes/tcp-proxy.ts';
import { createTenant, TEST_PASSWORD, useTestApp, type TestContext } from './helpers.ts';

/**
 * Beacon with REDIS_URL set and Redis going away: the app's shared state reaches the run's Redis
 * through a proxy that the test cuts, while PostgreSQL stays up. Tracking, logins and limits must
 * go on in-process and go back to Redis by themselves.
 */
const redisUrl = inject('redisUrl');
const PER_IP = 3;
const DOMAIN = 'outage.example';

async function createSite(context: TestContext, auth: { authorization: string }) {
  const response = await context.app.inject({
    method: 'POST',
    url: '/api/sites',
    headers: auth,
    payload: { name: 'Outage', domain: DOMAIN },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: string; siteKey: string }>();
}

function track(context: TestContext, siteKey: string, remoteAddress: string, host = DOMAIN) {
  return context.app.inject({
    method: 'POST',
    url: '/api/track/event',
    remoteAddress,
    headers: { origin: `https://${host}` },
    payload: { site: siteKey, type: 'pageview', url: `https://${host}/` },
  });
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

describe.skipIf(redisUrl === undefined)('Redis outage', () => {
  let proxy: TcpProxy;
  let direct: Redis;
  const prefix = `test:${randomBytes(6).toString('hex')}:`;
  const logs: string[] = [];
  beforeAll(async () => {
    proxy = await startTcpProxy(targetOf(redisUrl!));
    direct = new Redis(redisUrl!);
  });
  const context = useTestApp({
    trackingLimits: { perIpPerMinute: PER_IP, perSitePerMinute: 1_000 },
    state: () =>
      createRedisState({
        url: throughProxy(redisUrl!, proxy),
        prefix,
        log: {
          info: (message) => logs.push(`info: ${message}`),
          warn: (message) => logs.push(`warn: ${message}`),
        },
      }),
  });
  afterAll(async () => {
    direct.disconnect();
    await proxy.close();
  });

  let site: { id: string; siteKey: string };
  const siteCount = () => direct.get(`${prefix}rl:track-site:${site.id}`);
  const metric = async () =>
    /beacon_shared_state_degraded (\d)/.exec((await context.app.inject({ url: '/metrics' })).body)?.[1];

  it('tracks, logs in, refreshes and keeps limits in-process while Redis is cut', async () => {
    const tenant = await createTenant(context);
    site = await createSite(context, tenant.auth);
    expect((await track(context, site.siteKey, '198.51.100.1')).statusCode).toBe(201);
    expect(await siteCount()).toBe('1');

    proxy.cut();
    const tracked = await timed(() => track(context, site.siteKey, '198.51.100.2'));
    expect(tracked.value.statusCode, tracked.value.body).toBe(201);
    expect(tracked.ms).toBeLessThan(REDIS_CALL_TIMEOUT_MS + 1_500);
    const { rows } = await context.db.query('SELECT 1 FROM events WHERE site_id = $1 AND id = $2', [
      site.id,
      tracked.value.json().id,
    ]);
    expect(rows).toHaveLength(1);

    const login = await context.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: tenant.email, password: TEST_PASSWORD },
    });
    expect(login.statusCode, login.body).toBe(200);
    const refresh = await context.app.inject({
      method: 'POST',
      url: '/api/auth/refresh',
      payload: { refreshToken: login.json().refreshToken },
    });
    expect(refresh.statusCode, refresh.body).toBe(200);

    const statuses = [];
    for (let index = 0; index <= PER_IP; index++) {
      statuses.push((await track(context, site.siteKey, '198.51.100.3')).statusCode);
    }
    expect(statuses).toEqual([201, 201, 201, 429]);

    // A settings change reaches this instance's site cache without Redis: the new host is accepted at once.
    const update = await context.app.inject({
      method: 'PATCH',
      url: `/api/sites/${site.id}`,
      headers: { authorization: `Bearer ${refresh.json().accessToken}` },
      payload: { allowedDomains: ['shop.outage.example'] },
    });
    expect(update.statusCode, update.body).toBe(200);
    expect((await track(context, site.siteKey, '198.51.100.4', 'shop.outage.example')).statusCode).toBe(201);

    const ready = await context.app.inject({ url: '/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ checks: { database: true, state: false }, stateBackend: 'redis' });
    expect(await metric()).toBe('1');
    expect(await siteCount()).toBe('1');
    expect(logs).toEqual([expect.stringMatching(/^warn: Redis \(REDIS_URL\) is unreachable/)]);
  });

  it('counts limits in Redis again once it answers, without a restart', async () => {
    proxy.restore();
    await expect
      .poll(async () => (await context.app.inject({ url: '/ready' })).statusCode, { timeout: 10_000 })
      .toBe(200);
    expect(await metric()).toBe('0');
    expect((await track(context, site.siteKey, '198.51.100.5')).statusCode).toBe(201);
    // Hits counted in-process during the outage are not added: Redis goes on from what it held.
    expect(await siteCount()).toBe('2');
    expect(logs).toEqual([
      expect.stringMatching(/^warn: /),
      expect.stringMatching(/^info: Redis answers again after/),
    ]);
  });
});

describe('a rate-limit store that fails all the same', () => {
  const context = useTestApp({
    state: () => ({
      ...createMemoryState(),
      rateLimits: {
        hit: () => Promise.reject(new Error('store unavailable')),
        reset: () => Promise.resolve(),
      },
    }),
  });

  it('lets logins through unlimited instead of answering 500', async () => {
    const tenant = await createTenant(context);
    const response = await context.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: tenant.email, password: TEST_PASSWORD },
    });
    expect(response.statusCode, response.body).toBe(200);
  });
});
