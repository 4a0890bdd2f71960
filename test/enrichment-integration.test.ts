import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeIpinfo, type FakeIpinfo } from './fakes/ipinfo-server.ts';
import { enrichmentWithFakeIpinfo, createTenant, useTestApp } from './helpers.ts';

/**
 * IP enrichment through the whole ingestion path: the real app, the real PostgreSQL, and a local
 * server that answers like IPinfo (business, ISP, VPN, bogon, 429, 5xx, garbage).
 */
let fake: FakeIpinfo;
beforeAll(async () => {
  fake = await startFakeIpinfo();
});
afterAll(() => fake.close());

const context = useTestApp({
  enrichment: enrichmentWithFakeIpinfo(() => fake.url),
});

async function siteFor(): Promise<{ siteKey: string; auth: { authorization: string } }> {
  const tenant = await createTenant(context, { instanceAdmin: true });
  const response = await context.app.inject({
    method: 'POST',
    url: '/api/sites',
    headers: tenant.auth,
    payload: { name: 'Shop', domain: 'shop.example' },
  });
  return { siteKey: response.json().siteKey, auth: tenant.auth };
}

async function trackFrom(siteKey: string, ip: string) {
  const response = await context.app.inject({
    method: 'POST',
    url: '/api/track/event',
    headers: {
      origin: 'https://shop.example',
      'x-forwarded-for': ip,
      'user-agent':
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
    },
    // With analytics consent: without it the address would stay on this machine, never reaching IPinfo.
    payload: {
      site: siteKey,
      type: 'pageview',
      url: 'https://shop.example/pricing',
      eventId: randomUUID(),
      consent: { analytics: true },
    },
  });
  expect(response.statusCode, response.body).toBe(201);
  const { rows } = await context.db.query('SELECT * FROM events WHERE id = $1', [response.json().id]);
  return rows[0];
}

/** The first lookup of an address may miss the 20 ms budget; the second is a cache hit. */
async function trackTwice(siteKey: string, ip: string) {
  await trackFrom(siteKey, ip);
  await new Promise((resolve) => setTimeout(resolve, 100));
  return trackFrom(siteKey, ip);
}

describe('IP enrichment in ingestion', () => {
  it('identifies a business visitor, minimises the address and never stores it whole', async () => {
    fake.setMode('normal');
    const { siteKey } = await siteFor();
    const row = await trackTwice(siteKey, '151.101.0.1');
    expect(row).toMatchObject({
      enrichment_status: 'done',
      ip: '151.101.0.0',
      country: 'US',
      city: 'Chicago',
      asn: 64496,
      visitor_class: 'business',
      company_domain: 'acme-corp.example',
      company_name: 'Acme Corp',
      is_vpn: false,
    });
  });

  it.each([
    ['73.0.0.1', 'isp', null],
    ['45.83.0.1', 'vpn', null],
    ['185.220.101.1', 'tor', null],
    ['52.0.0.1', 'hosting', null],
    ['128.32.0.1', 'education', expect.any(String)],
  ])('classifies %s as %s', async (ip, visitorClass, companyDomain) => {
    fake.setMode('normal');
    const { siteKey } = await siteFor();
    const row = await trackTwice(siteKey, ip);
    expect(row).toMatchObject({
      enrichment_status: 'done',
      visitor_class: visitorClass,
      company_domain: companyDomain,
    });
  });

  it('never sends private addresses to the provider', async () => {
    const { siteKey } = await siteFor();
    const before = fake.requests.length;
    const row = await trackFrom(siteKey, '10.1.2.3');
    expect(row).toMatchObject({ enrichment_status: 'done', visitor_class: 'private', ip: '10.1.2.0' });
    expect(fake.requests.slice(before)).toEqual([]);
  });

  it.each(['rate_limited', 'server_error', 'html', 'truncated', 'wrong_types'] as const)(
    'keeps ingesting when the provider answers %s, storing the event as pending with no bogus data',
    async (mode) => {
      fake.setMode(mode);
      const { siteKey } = await siteFor();
      const ip = `81.2.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250) + 1}`;
      const row = await trackFrom(siteKey, ip);
      expect(['pending', 'done']).toContain(row.enrichment_status);
      expect(row.company_domain).toBeNull();
      expect(row.visitor_class === null || row.visitor_class === 'isp').toBe(true);
      fake.setMode('normal');
    },
  );

  it('reports tier statistics to the instance administrator and to /metrics', async () => {
    fake.setMode('normal');
    const { siteKey, auth } = await siteFor();
    await trackTwice(siteKey, '17.0.0.1');
    const stats = await context.app.inject({
      method: 'GET',
      url: '/api/admin/enrichment/stats',
      headers: auth,
    });
    expect(stats.statusCode, stats.body).toBe(200);
    expect(stats.json()).toMatchObject({ enabled: true });
    expect(stats.json().providers[0]).toBe('ipinfo');
    expect(stats.json().local.hits).toBeGreaterThan(0);
    expect(stats.json().provider.batches).toBeGreaterThan(0);
    const metrics = (await context.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/beacon_enrichment_lookups\{tier="local",result="hit"\} [1-9]/);
    expect(metrics).toContain('beacon_enrichment_provider_seconds_bucket');
  });

  it('keeps enrichment statistics from agency owners who are not the administrator', async () => {
    const owner = await createTenant(context);
    const response = await context.app.inject({
      method: 'GET',
      url: '/api/admin/enrichment/stats',
      headers: owner.auth,
    });
    expect(response.statusCode).toBe(403);
  });
});
