import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rescoreCompanies, type RescoreResult } from '../src/companies/rescore-companies.ts';
import { deliveryQueue } from '../src/destinations/deliver.ts';
import { DESTINATION_TYPES } from '../src/destinations/registry.ts';
import { sealConfig } from '../src/destinations/destination-secrets.ts';
import { createJobRunner } from '../src/jobs/runner.ts';
import { startFakeIpinfo, type FakeIpinfo } from './fakes/ipinfo-server.ts';
import { enrichmentWithFakeIpinfo, createTenant, useTestApp, type TestTenant } from './helpers.ts';

/**
 * Companies end to end: scripted visits through POST /api/track/event from addresses the fake
 * IPinfo knows (a business, an ISP, a VPN), enrichment, the ingest transaction, the scorer, the
 * API, the live channel and a Slack-compatible webhook on a local server.
 */
const ACME_IP = '151.101.0.1'; // Acme Corp, acme-corp.example, Chicago (business)
const ISP_IP = '73.0.0.1'; // Comcast (isp)
const VPN_IP = '45.83.0.1'; // M247 (vpn)
const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

let fake: FakeIpinfo;
let hooks: Server;
let hookUrl: string;
const hookRequests: Array<{ contentType: string | undefined; body: { text: string } }> = [];

beforeAll(async () => {
  fake = await startFakeIpinfo();
  hooks = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      hookRequests.push({
        contentType: request.headers['content-type'],
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
      });
      response.writeHead(200).end('ok');
    });
  });
  hooks.listen(0, '127.0.0.1');
  await once(hooks, 'listening');
  hookUrl = `http://127.0.0.1:${(hooks.address() as { port: number }).port}/services/T000/B000/secret`;
});
afterAll(async () => {
  hooks.close();
  await fake.close();
});

const context = useTestApp({
  enrichment: enrichmentWithFakeIpinfo(() => fake.url),
});

interface TestSite {
  tenant: TestTenant;
  id: string;
  siteKey: string;
}

async function createSite(): Promise<TestSite> {
  const tenant = await createTenant(context);
  const response = await context.app.inject({
    method: 'POST',
    url: '/api/sites',
    headers: tenant.auth,
    payload: { name: 'Shop', domain: 'shop.example' },
  });
  expect(response.statusCode, response.body).toBe(201);
  return { tenant, id: response.json().id, siteKey: response.json().siteKey };
}

/** One event, sent now, that happened at `at` (the tracker's ts and sentAt say so). */
async function track(
  site: TestSite,
  ip: string,
  event: Record<string, unknown>,
  options: { at?: Date; userAgent?: string; headers?: Record<string, string> } = {},
) {
  const sentAt = Date.now();
  const response = await context.app.inject({
    method: 'POST',
    url: '/api/track/event',
    headers: {
      origin: 'https://shop.example',
      'x-forwarded-for': ip,
      'user-agent': options.userAgent ?? CHROME,
      ...options.headers,
    },
    payload: {
      site: site.siteKey,
      eventId: randomUUID(),
      consent: { analytics: true },
      ts: (options.at ?? new Date(sentAt)).getTime(),
      sentAt,
      ...event,
    },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().id as string;
}

const page = (path: string, extra: Record<string, unknown> = {}) => ({
  type: 'pageview',
  url: `https://shop.example${path}`,
  ...extra,
});

/**
 * A visit: pages a minute apart from `start`, sent in one batch as a tracker replaying its queue
 * would (the writer continues only sessions seen in the last day, so older single events would each
 * start a session of their own).
 */
async function visit(
  site: TestSite,
  ip: string,
  visitorId: string,
  start: Date,
  pages: Array<Record<string, unknown>>,
) {
  const response = await context.app.inject({
    method: 'POST',
    url: '/api/track/batch',
    headers: { origin: 'https://shop.example', 'x-forwarded-for': ip, 'user-agent': CHROME },
    payload: {
      sentAt: Date.now(),
      events: pages.map((event, index) => ({
        site: site.siteKey,
        eventId: randomUUID(),
        consent: { analytics: true },
        visitorId,
        ts: start.getTime() + index * 60_000,
        ...event,
      })),
    },
  });
  expect(response.statusCode, response.body).toBe(201);
}

function rescore(siteId: string, now = new Date()): Promise<RescoreResult> {
  return rescoreCompanies({ db: context.db, pubsub: context.state.pubsub, siteId, now: () => now });
}

function api(tenant: TestTenant, method: 'GET' | 'POST', url: string) {
  return context.app.inject({ method, url, headers: tenant.auth });
}

describe('companies end to end', () => {
  it('identifies, scores and reports a buying company; notifies when it turns hot; decays it later', async () => {
    const site = await createSite();
    const stored = sealConfig({ url: hookUrl }, ['url'], context.destinations.sealer);
    await context.db.query(
      `INSERT INTO destinations (id, site_id, type, name, config, secrets) VALUES ($1, $2, 'webhook', 'Slack', $3, $4)`,
      [`dst_${site.id.slice(5)}`, site.id, stored.config, stored.secrets],
    );
    const live: string[] = [];
    const unsubscribe = await context.state.pubsub.subscribe(`site:${site.id}`, (message) =>
      live.push(message),
    );
    // Warm the enrichment cache, so no event misses the 20 ms budget and waits for the backfill.
    for (const ip of [ACME_IP, ISP_IP, VPN_IP]) await context.enrichment!.service!.resolve(ip);

    // Three visits from Acme's network, 24 hours apart (three calendar days), the last an hour ago.
    const last = new Date(Date.now() - HOUR);
    await visit(site, ACME_IP, 'v-acme', new Date(last.getTime() - 2 * DAY), [
      page('/?utm_source=linkedin&utm_medium=cpc&utm_campaign=q4', { referrer: 'https://www.linkedin.com/' }),
      page('/pricing'),
    ]);
    await visit(site, ACME_IP, 'v-acme', new Date(last.getTime() - DAY), [
      page('/', { referrer: 'https://www.google.com/' }),
      page('/demo'),
      page('/pricing'),
    ]);
    await visit(site, ACME_IP, 'v-acme', last, [
      page('/'),
      page('/pricing'),
      page('/demo'),
      page('/contact'),
      { type: 'event', name: 'signup', url: 'https://shop.example/contact' },
    ]);
    // Neither a crawler on Acme's network nor a VPN user adds anything.
    await track(site, ACME_IP, page('/pricing', { visitorId: 'bot' }), { userAgent: GOOGLEBOT });
    await track(site, VPN_IP, page('/pricing', { visitorId: 'v-vpn' }));
    // Home workers on an ISP: a work email names the company; a free-mail one, or no consent, does not.
    await track(site, ISP_IP, page('/', { visitorId: 'v-jane' }));
    await track(site, ISP_IP, {
      type: 'identify',
      visitorId: 'v-jane',
      user: { email: 'Jane.Doe@Globex.example' },
    });
    await track(site, ISP_IP, { type: 'identify', visitorId: 'v-joe', user: { email: 'joe@gmail.com' } });
    await track(site, ISP_IP, {
      type: 'identify',
      visitorId: 'v-ann',
      consent: { analytics: false },
      user: { email: 'ann@initech.example' },
    });
    await track(
      site,
      ISP_IP,
      { type: 'identify', visitorId: 'v-max', user: { email: 'max@initech.example' } },
      {
        headers: { 'sec-gpc': '1' },
      },
    );

    const { rows: identified } = await context.db.query(
      `SELECT domain, name, country, city, visits, pageviews, time_on_site_s FROM companies
       WHERE site_id = $1 ORDER BY domain`,
      [site.id],
    );
    expect(identified).toEqual([
      {
        domain: 'acme-corp.example',
        name: 'Acme Corp',
        country: 'US',
        city: 'Chicago',
        visits: 3,
        pageviews: 9,
        time_on_site_s: 420,
      },
      {
        domain: 'globex.example',
        name: null,
        country: 'US',
        city: 'Philadelphia',
        visits: 1,
        pageviews: 1,
        time_on_site_s: 0,
      },
    ]);
    const { rows: raw } = await context.db.query(
      `SELECT count(*)::int AS n FROM events WHERE site_id = $1 AND props::text ILIKE '%globex%'`,
      [site.id],
    );
    expect(raw[0].n, 'the email itself is never stored').toBe(0);

    expect(await rescore(site.id)).toEqual({ scored: 2, statusChanges: 2, turnedHot: 1 });
    const list = await api(site.tenant, 'GET', `/api/sites/${site.id}/companies`);
    expect(list.statusCode, list.body).toBe(200);
    expect(
      list
        .json()
        .companies.map((c: { domain: string; score: number; leadStatus: string }) => [
          c.domain,
          c.score,
          c.leadStatus,
        ]),
    ).toEqual([
      ['acme-corp.example', 80, 'hot'],
      ['globex.example', 29, 'cold'],
    ]);

    const acmeId = list.json().companies[0].id;
    const detail = await api(site.tenant, 'GET', `/api/sites/${site.id}/companies/${acmeId}`);
    expect(detail.statusCode, detail.body).toBe(200);
    const acme = detail.json();
    expect(acme).toMatchObject({
      visits: 3,
      pageviews: 9,
      timeOnSiteSeconds: 420,
      visitors: 1,
      activeDays: 3,
    });
    expect(
      acme.scoreBreakdown.map((line: { factor: string; points: number }) => [line.factor, line.points]),
    ).toEqual([
      ['recency', 25],
      ['frequency', 9],
      ['depth', 16],
      ['intent', 25],
      ['conversions', 5],
    ]);
    expect(acme.statusChanges).toEqual([expect.objectContaining({ from: null, to: 'hot', score: 80 })]);
    expect(
      acme.history.map((session: { pages: Array<{ path: string }> }) => session.pages.map((p) => p.path)),
    ).toEqual([
      ['/', '/pricing', '/demo', '/contact'],
      ['/', '/demo', '/pricing'],
      ['/', '/pricing'],
    ]);
    expect(acme.history.map((session: { source: unknown }) => session.source)).toEqual([
      { referrerHost: null, referrerType: 'direct', utmSource: null, utmMedium: null, utmCampaign: null },
      {
        referrerHost: 'google.com',
        referrerType: 'search',
        utmSource: null,
        utmMedium: null,
        utmCampaign: null,
      },
      {
        referrerHost: 'linkedin.com',
        referrerType: 'paid',
        utmSource: 'linkedin',
        utmMedium: 'cpc',
        utmCampaign: 'q4',
      },
    ]);
    expect(acme.history[0]).toMatchObject({ events: 1, durationSeconds: 240, country: 'US' });

    // Turning hot reached the live channel and, through the outbox, the webhook.
    await expect.poll(() => live.length).toBe(1);
    expect(JSON.parse(live[0]!)).toMatchObject({
      type: 'company.hot',
      siteId: site.id,
      company: { id: acmeId, domain: 'acme-corp.example', score: 80, previousStatus: null },
    });
    const webhooks = deliveryQueue(
      DESTINATION_TYPES.webhook!,
      { ...context.destinations, db: context.db, log: console },
      { siteId: site.id },
    );
    await createJobRunner({
      db: context.db,
      log: console,
      catalog: { periodic: [], queues: [webhooks] },
    }).runDue();
    expect(hookRequests).toHaveLength(1);
    expect(hookRequests[0]!.contentType).toBe('application/json');
    expect(hookRequests[0]!.body.text).toMatch(
      /^:fire: \*Acme Corp \(acme-corp\.example\)\* from US is a hot lead on Shop \(shop\.example\): score 80\/100\./,
    );

    // Eight days without a visit: recency falls from 25 to 11, and Acme cools to warm. No new notice.
    const later = new Date(Date.now() + 8 * DAY);
    expect(await rescore(site.id, later)).toMatchObject({ scored: 2, statusChanges: 1, turnedHot: 0 });
    const cooled = (await api(site.tenant, 'GET', `/api/sites/${site.id}/companies/${acmeId}`)).json();
    expect(cooled).toMatchObject({ score: 66, leadStatus: 'warm' });
    expect(
      cooled.statusChanges.map((change: { from: string | null; to: string }) => [change.from, change.to]),
    ).toEqual([
      ['hot', 'warm'],
      [null, 'hot'],
    ]);
    expect(live).toHaveLength(1);
    await unsubscribe();
  });

  it('keeps one company domain on two agencies\u2019 sites as two records, each visible only to its own users', async () => {
    await context.enrichment!.service!.resolve(ACME_IP);
    const ours = await createSite();
    const theirs = await createSite();
    await visit(ours, ACME_IP, 'v1', new Date(), [page('/'), page('/pricing')]);
    await visit(theirs, ACME_IP, 'v1', new Date(), [page('/')]);

    const ourList = (await api(ours.tenant, 'GET', `/api/sites/${ours.id}/companies`)).json().companies;
    const theirList = (await api(theirs.tenant, 'GET', `/api/sites/${theirs.id}/companies`)).json().companies;
    expect(ourList).toEqual([expect.objectContaining({ domain: 'acme-corp.example', pageviews: 2 })]);
    expect(theirList).toEqual([expect.objectContaining({ domain: 'acme-corp.example', pageviews: 1 })]);
    expect(ourList[0].id).not.toBe(theirList[0].id);

    for (const url of [
      `/api/sites/${theirs.id}/companies`,
      `/api/sites/${theirs.id}/companies.csv`,
      `/api/sites/${theirs.id}/companies/${theirList[0].id}`,
    ]) {
      const response = await api(ours.tenant, 'GET', url);
      expect(response.statusCode, `${url}: ${response.body}`).toBe(404);
    }
    const hide = await api(ours.tenant, 'POST', `/api/sites/${theirs.id}/companies/${theirList[0].id}/hide`);
    expect(hide.statusCode).toBe(404);
    // Their company id under our own site is not found either.
    const crossed = await api(ours.tenant, 'GET', `/api/sites/${ours.id}/companies/${theirList[0].id}`);
    expect(crossed.statusCode).toBe(404);
  });
});
