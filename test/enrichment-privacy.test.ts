import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeIpinfo, type FakeIpinfo } from './fakes/ipinfo-server.ts';
import { enrichmentWithFakeIpinfo, createTenant, useTestApp } from './helpers.ts';

/**
 * What reaches IPinfo, through the whole ingestion path: the real app and PostgreSQL, a local server
 * that answers like IPinfo, and the bundled offline data beside it.
 */
let fake: FakeIpinfo;
beforeAll(async () => {
  fake = await startFakeIpinfo();
});
afterAll(() => fake.close());

const context = useTestApp({
  enrichment: enrichmentWithFakeIpinfo(() => fake.url, { bundledGeoDatabases: true }),
});

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0';

async function createSite(settings: Record<string, unknown> = {}) {
  const tenant = await createTenant(context);
  const created = await context.app.inject({
    method: 'POST',
    url: '/api/sites',
    headers: tenant.auth,
    payload: { name: 'Shop', domain: 'shop.example' },
  });
  expect(created.statusCode, created.body).toBe(201);
  const site = created.json<{ id: string; siteKey: string }>();
  if (Object.keys(settings).length > 0) {
    const patched = await context.app.inject({
      method: 'PATCH',
      url: `/api/sites/${site.id}`,
      headers: tenant.auth,
      payload: settings,
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject(settings);
  }
  return { ...site, auth: tenant.auth };
}

async function track(
  siteKey: string,
  ip: string,
  options: { consent?: { analytics?: boolean }; gpc?: boolean } = {},
) {
  const response = await context.app.inject({
    method: 'POST',
    url: '/api/track/event',
    headers: {
      origin: 'https://shop.example',
      'x-forwarded-for': ip,
      'user-agent': FIREFOX,
      ...(options.gpc ? { 'sec-gpc': '1' } : {}),
    },
    payload: {
      site: siteKey,
      type: 'pageview',
      url: 'https://shop.example/pricing',
      eventId: randomUUID(),
      consent: options.consent,
    },
  });
  expect(response.statusCode, response.body).toBe(201);
  const { rows } = await context.db.query('SELECT * FROM events WHERE id = $1', [response.json().id]);
  return rows[0];
}

/** Requests that carried this address to the fake IPinfo, as a single lookup or in a batch. */
function requestsAbout(ip: string) {
  return fake.requests.filter(
    (request) =>
      request.path.includes(ip) || (Array.isArray(request.body) && (request.body as unknown[]).includes(ip)),
  );
}

/** A fresh public address per test, so no cache answers for it. */
let nextHost = 1;
function freshIp() {
  nextHost += 1;
  return `81.2.${69 + Math.floor(nextHost / 250)}.${nextHost % 250}`;
}

describe('company identification without consent (site setting)', () => {
  it('is off by default: a visitor without analytics consent is enriched offline, never through IPinfo', async () => {
    fake.setMode('normal');
    const site = await createSite();
    const ip = freshIp();
    const row = await track(site.siteKey, ip);
    expect(row).toMatchObject({ enrichment_status: 'done', country: 'GB', ip: ip.replace(/\.\d+$/, '.0') });
    expect(requestsAbout(ip)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(requestsAbout(ip)).toEqual([]);
  });

  it('sends the address of a visitor who consents to analytics', async () => {
    fake.setMode('normal');
    const site = await createSite();
    const ip = freshIp();
    await track(site.siteKey, ip, { consent: { analytics: true } });
    await expect.poll(() => requestsAbout(ip).length).toBe(1);
  });

  it('sends the address of a visitor without consent once the site opts in', async () => {
    fake.setMode('normal');
    const site = await createSite({ companyIdentificationWithoutConsent: true });
    const ip = freshIp();
    await track(site.siteKey, ip);
    await expect.poll(() => requestsAbout(ip).length).toBe(1);
  });

  it('keeps the address local under Global Privacy Control, even on a site that opts in', async () => {
    fake.setMode('normal');
    const site = await createSite({ companyIdentificationWithoutConsent: true });
    const ip = freshIp();
    const row = await track(site.siteKey, ip, { consent: { analytics: true }, gpc: true });
    expect(row.enrichment_status).toBe('done');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(requestsAbout(ip)).toEqual([]);
  });

  it('shows the setting, off, on a new site', async () => {
    const site = await createSite();
    const response = await context.app.inject({
      method: 'GET',
      url: `/api/sites/${site.id}`,
      headers: site.auth,
    });
    expect(response.json()).toMatchObject({ companyIdentificationWithoutConsent: false });
  });
});

describe('IPv6 lookups by network', () => {
  it('asks IPinfo once for 100 addresses rotating inside one /64, about its first address', async () => {
    fake.setMode('normal');
    const site = await createSite();
    const prefix = '2a01:4f8:c17:2b3c';
    const before = fake.requests.length;
    for (let index = 1; index <= 100; index++) {
      const row = await track(
        site.siteKey,
        `${prefix}:${index.toString(16)}:a1b2:c3d4:${(index * 31).toString(16)}`,
        {
          consent: { analytics: true },
        },
      );
      expect(row.ip === '2a01:4f8:c17::' || row.enrichment_status === 'pending').toBe(true);
    }
    const lookups = fake.requests.slice(before);
    expect(lookups).toHaveLength(1);
    expect(JSON.stringify(lookups[0])).toContain(`${prefix}::`);
    expect(JSON.stringify(lookups)).not.toContain('a1b2');
  });
});

describe('GET /api/sites/:siteId/events', () => {
  it('shows an event still pending enrichment with its address minimised', async () => {
    fake.setMode('slow');
    const site = await createSite();
    const ip = freshIp();
    const row = await track(site.siteKey, ip, { consent: { analytics: true } });
    fake.setMode('normal');
    expect(row).toMatchObject({ enrichment_status: 'pending', ip });
    const response = await context.app.inject({
      method: 'GET',
      url: `/api/sites/${site.id}/events`,
      headers: site.auth,
    });
    expect(response.statusCode, response.body).toBe(200);
    const [listed] = response.json().events;
    expect(listed).toMatchObject({ id: row.id, enrichmentStatus: 'pending', ip: ip.replace(/\.\d+$/, '.0') });
  });
});
