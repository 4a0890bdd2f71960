import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabasePools, WRITER_BOUNDS } from '../src/db/open.ts';
import { READY_TIMEOUT_MS } from '../src/http/health-routes.ts';
import { startTcpProxy, targetOf, throughProxy, type TcpProxy } from './fakes/tcp-proxy.ts';
import { createTenant, useTestApp, type TestContext } from './helpers.ts';

/**
 * Beacon's pools, as openDatabase makes them, reach the run's PostgreSQL through a proxy that the
 * test freezes (the server stalls: connections stay open, nothing answers) or cuts (it is gone).
 */
const databaseUrl = inject('databaseUrl');
const DOMAIN = 'stall.example';

let proxy: TcpProxy;
beforeAll(async () => {
  proxy = await startTcpProxy(targetOf(databaseUrl));
});
const context = useTestApp({
  pools: () => createDatabasePools({ connectionString: throughProxy(databaseUrl, proxy), poolSize: 4 }),
});
afterAll(async () => {
  proxy.restore();
  await proxy.close();
});

async function createSite(auth: { authorization: string }) {
  const response = await context.app.inject({
    method: 'POST',
    url: '/api/sites',
    headers: auth,
    payload: { name: 'Stall', domain: DOMAIN },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: string; siteKey: string }>();
}

function track(app: TestContext['app'], siteKey: string) {
  return app.inject({
    method: 'POST',
    url: '/api/track/event',
    headers: { origin: `https://${DOMAIN}` },
    payload: { site: siteKey, type: 'pageview', url: `https://${DOMAIN}/` },
  });
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

describe('PostgreSQL stalls', () => {
  it('answers /ready with 503 within its bound and tracking with 503 and Retry-After, then 201 again once it answers', async () => {
    const tenant = await createTenant(context);
    const site = await createSite(tenant.auth);
    expect((await track(context.app, site.siteKey)).statusCode).toBe(201);

    proxy.freeze();
    const ready = await timed(() => context.app.inject({ url: '/ready' }));
    expect(ready.value.statusCode).toBe(503);
    expect(ready.value.json()).toMatchObject({ status: 'unavailable', checks: { database: false } });
    expect(ready.ms).toBeLessThan(READY_TIMEOUT_MS + 1_500);

    const tracked = await timed(() => track(context.app, site.siteKey));
    expect(tracked.value.statusCode, tracked.value.body).toBe(503);
    expect(Number(tracked.value.headers['retry-after'])).toBeGreaterThan(0);
    // The writer's connection gets its stall bound; a new one, its connect bound.
    expect(tracked.ms).toBeLessThan(WRITER_BOUNDS.stallTimeoutMs + WRITER_BOUNDS.connectTimeoutMs);

    proxy.restore();
    const again = await track(context.app, site.siteKey);
    expect(again.statusCode, again.body).toBe(201);
    expect((await context.app.inject({ url: '/ready' })).statusCode).toBe(200);
    const { rows } = await context.db.query('SELECT 1 FROM events WHERE site_id = $1 AND id = $2', [
      site.id,
      again.json().id,
    ]);
    expect(rows).toHaveLength(1);
  });

  it('answers 503 with Retry-After at once while PostgreSQL refuses connections, for a site not cached too', async () => {
    const tenant = await createTenant(context);
    const cached = await createSite(tenant.auth);
    const uncached = await createSite(tenant.auth);
    expect((await track(context.app, cached.siteKey)).statusCode).toBe(201);

    proxy.cut();
    for (const siteKey of [cached.siteKey, uncached.siteKey]) {
      const tracked = await timed(() => track(context.app, siteKey));
      expect(tracked.value.statusCode, tracked.value.body).toBe(503);
      expect(Number(tracked.value.headers['retry-after'])).toBeGreaterThan(0);
      expect(tracked.ms).toBeLessThan(3_000);
    }

    proxy.restore();
    expect((await track(context.app, uncached.siteKey)).statusCode).toBe(201);
  });
});
