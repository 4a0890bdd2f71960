import { describe, expect, it } from 'vitest';
import { capturingLogger, createTenant, useTestApp } from '../../test/helpers.ts';

const log = capturingLogger('warn');
const context = useTestApp({
  trackingLimits: { perIpPerMinute: 5, perSitePerMinute: 8 },
  logger: log.logger,
});

async function createSite(): Promise<{ id: string; siteKey: string; writeKey: string }> {
  const tenant = await createTenant(context);
  const response = await context.app.inject({
    method: 'POST',
    url: '/api/sites',
    headers: tenant.auth,
    payload: { name: 'Limited', domain: 'limited.example' },
  });
  return response.json();
}

const pageview = (siteKey: string) => ({ site: siteKey, type: 'pageview', url: 'https://limited.example/' });

function send(siteKey: string, remoteAddress: string) {
  return context.app.inject({
    method: 'POST',
    url: '/api/track/event',
    remoteAddress,
    headers: { origin: 'https://limited.example' },
    payload: pageview(siteKey),
  });
}

function sendBatch(
  siteKey: string,
  remoteAddress: string,
  events: number,
  headers: Record<string, string> = {},
) {
  return context.app.inject({
    method: 'POST',
    url: '/api/track/batch',
    remoteAddress,
    headers: { origin: 'https://limited.example', ...headers },
    payload: { events: Array.from({ length: events }, () => pageview(siteKey)) },
  });
}

async function stored(siteId: string): Promise<number> {
  const { rows } = await context.db.query('SELECT count(*)::int AS n FROM events WHERE site_id = $1', [
    siteId,
  ]);
  return rows[0].n;
}

describe('tracking rate limits', () => {
  it('limits events per client address, with Retry-After, without touching other addresses', async () => {
    const site = await createSite();
    const statuses = [];
    for (let index = 0; index < 6; index++)
      statuses.push((await send(site.siteKey, '198.51.100.50')).statusCode);
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429]);
    const limited = await send(site.siteKey, '198.51.100.50');
    expect(limited.json().error.code).toBe('rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await send(site.siteKey, '198.51.100.51')).statusCode).toBe(201);
  });

  it('charges a batch for every event it carries, refusing it whole when it goes over', async () => {
    const site = await createSite();
    const over = await sendBatch(site.siteKey, '198.51.100.60', 6);
    expect(over.statusCode, over.body).toBe(429);
    expect(await stored(site.id)).toBe(0);

    const exactly = await sendBatch(site.siteKey, '198.51.100.61', 5);
    expect(exactly.statusCode, exactly.body).toBe(201);
    expect((await send(site.siteKey, '198.51.100.61')).statusCode).toBe(429);
    expect(await stored(site.id)).toBe(5);
  });

  it('counts bodies that never parse against the address too', async () => {
    const site = await createSite();
    for (let index = 0; index < 5; index++) {
      const garbage = await context.app.inject({
        method: 'POST',
        url: '/api/track/event',
        remoteAddress: '198.51.100.70',
        headers: { 'content-type': 'text/plain' },
        payload: '{not json',
      });
      expect(garbage.statusCode).toBe(400);
    }
    expect((await send(site.siteKey, '198.51.100.70')).statusCode).toBe(429);
  });

  it('limits a write-key caller per site, not per address', async () => {
    const site = await createSite();
    const batch = await sendBatch(site.siteKey, '198.51.100.80', 7, {
      authorization: `Bearer ${site.writeKey}`,
    });
    expect(batch.statusCode, batch.body).toBe(201);
    const overSite = await sendBatch(site.siteKey, '198.51.100.80', 2, {
      authorization: `Bearer ${site.writeKey}`,
    });
    expect(overSite.statusCode, overSite.body).toBe(429);
    expect(overSite.json().error.message).toMatch(/site/);
  });

  it('limits events per site across addresses', async () => {
    const site = await createSite();
    const statuses = [];
    for (let index = 0; index < 9; index++)
      statuses.push((await send(site.siteKey, `198.51.101.${index + 1}`)).statusCode);
    expect(statuses.slice(0, 8).every((status) => status === 201)).toBe(true);
    expect(statuses[8]).toBe(429);
    const otherSite = await createSite();
    expect((await send(otherSite.siteKey, '198.51.101.200')).statusCode).toBe(201);
  });

  it('logs a refusal once a minute per reason and site, naming the site key and the reason', async () => {
    const site = await createSite();
    for (let index = 0; index < 3; index++) {
      const refused = await context.app.inject({
        method: 'POST',
        url: '/api/track/event',
        remoteAddress: `198.51.102.${index + 1}`,
        headers: { origin: 'http://localhost:8080' },
        payload: pageview(site.siteKey),
      });
      expect(refused.statusCode).toBe(403);
    }
    const lines = log.lines.filter((line) => line.siteKey === site.siteKey);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 40,
        reason: 'origin_not_allowed',
        origin: 'http://localhost:8080',
        msg: expect.stringMatching(
          /^tracking request refused: This site does not accept events from localhost/,
        ),
      }),
    ]);
  });
});
