import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryQueue } from '../src/destinations/deliver.ts';
import { DESTINATION_TYPES } from '../src/destinations/registry.ts';
import type { DestinationTypeName } from '../src/destinations/destination-type.ts';
import { createJobRunner } from '../src/jobs/runner.ts';
import {
  FAKE_GA4_API_SECRET,
  FAKE_GA4_MEASUREMENT_ID,
  startFakeGa4,
  type FakeGa4,
} from './fakes/ga4-server.ts';
import { FAKE_META_PIXEL_ID, FAKE_META_TOKEN, startFakeMeta, type FakeMeta } from './fakes/meta-server.ts';
import {
  DATA_MANAGER_SCOPE,
  startFakeDataManager,
  type FakeDataManager,
} from './fakes/google-datamanager-server.ts';
import { startFakeGoogleOauth, type FakeGoogleOauth } from './fakes/google-oauth-server.ts';
import { createTenant, useTestApp, type TestTenant } from './helpers.ts';

/**
 * Destinations end to end: events in through the tracking API as a site sends them, deliveries
 * committed with them, the job runner's queues sending to local fakes that check every request the
 * way GA4 and Meta do.
 */
let ga4: FakeGa4;
let meta: FakeMeta;
let oauth: FakeGoogleOauth;
let dataManager: FakeDataManager;
const GOOGLE_OAUTH = {
  clientId: 'beacon.apps.googleusercontent.com',
  clientSecret: 'secret',
  refreshToken: '1//dm',
};
beforeAll(async () => {
  ga4 = await startFakeGa4();
  meta = await startFakeMeta();
  oauth = await startFakeGoogleOauth();
  oauth.addRefreshToken({ ...GOOGLE_OAUTH, scopes: [DATA_MANAGER_SCOPE], subject: 'owner@example.com' });
  dataManager = await startFakeDataManager({ oauth });
});
afterAll(async () => {
  await ga4.close();
  await meta.close();
  await dataManager.close();
  await oauth.close();
});
const context = useTestApp({
  platformUrls: () => ({
    ga4: ga4.url,
    metaGraph: meta.url,
    googleDataManager: dataManager.url,
    googleOauthToken: oauth.tokenUrl,
  }),
});

const VISITOR_IP = '81.2.69.160';
const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

interface Site {
  tenant: TestTenant;
  id: string;
  siteKey: string;
}

async function createSite(): Promise<Site> {
  const tenant = await createTenant(context);
  const response = await context.app.inject({
    method: 'POST',
    url: '/api/sites',
    headers: tenant.auth,
    payload: { name: 'Shop', domain: 'shop.example' },
  });
  return { tenant, id: response.json().id, siteKey: response.json().siteKey };
}

async function addDestination(site: Site, payload: object): Promise<string> {
  const response = await context.app.inject({
    method: 'POST',
    url: `/api/sites/${site.id}/destinations`,
    headers: site.tenant.auth,
    payload,
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().id;
}

const ga4Destination = {
  type: 'ga4',
  config: { measurementId: FAKE_GA4_MEASUREMENT_ID, apiSecret: FAKE_GA4_API_SECRET },
};
const metaDestination = {
  type: 'meta',
  config: { pixelId: FAKE_META_PIXEL_ID, accessToken: FAKE_META_TOKEN },
};

async function track(site: Site, event: Record<string, unknown>, headers: Record<string, string> = {}) {
  const response = await context.app.inject({
    method: 'POST',
    url: '/api/track/event',
    remoteAddress: VISITOR_IP,
    headers: { origin: 'https://shop.example', 'user-agent': CHROME, ...headers },
    payload: { site: site.siteKey, url: 'https://shop.example/', eventId: randomUUID(), ...event },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().id as string;
}

/** Runs this site's queue of a platform once, on a clock the test may move. */
function send(type: DestinationTypeName, site: Site, at = new Date()) {
  return createJobRunner({
    db: context.db,
    log: { error: (object) => expect.fail(`unexpected error: ${JSON.stringify(object)}`) },
    now: () => at,
    random: () => 0.5,
    catalog: {
      periodic: [],
      queues: [
        deliveryQueue(
          DESTINATION_TYPES[type]!,
          { ...context.destinations, db: context.db, log: { warn: () => undefined } },
          { siteId: site.id },
        ),
      ],
    },
  }).runDue();
}

async function deliveriesOf(site: Site, destinationId: string) {
  const response = await context.app.inject({
    method: 'GET',
    url: `/api/sites/${site.id}/destinations/${destinationId}/deliveries`,
    headers: site.tenant.auth,
  });
  return response.json().deliveries as Array<{
    eventId: string;
    status: string;
    attempts: number;
    lastError: string | null;
  }>;
}

const consented = { consent: { analytics: true, ads: true }, visitorId: 'visitor-1' };

describe('forwarding to GA4 and Meta', () => {
  it('sends page views and conversions to GA4 as GA4 reads them, and records them delivered', async () => {
    const site = await createSite();
    const destinationId = await addDestination(site, ga4Destination);
    ga4.reset();
    const viewId = await track(site, {
      type: 'pageview',
      title: 'Home',
      gaClientId: '111.222',
      ...consented,
    });
    const purchaseId = await track(site, {
      type: 'event',
      name: 'purchase',
      value: 49.5,
      currency: 'eur',
      transactionId: 'order-1',
      gaClientId: '111.222',
      ...consented,
    });
    await send('ga4', site);
    expect(ga4.violations).toEqual([]);
    expect(ga4.events.map((event) => [event.name, event.client_id])).toEqual([
      ['page_view', '111.222'],
      ['purchase', '111.222'],
    ]);
    expect(ga4.events[0]!.params).toMatchObject({
      page_location: 'https://shop.example/',
      page_title: 'Home',
    });
    expect(ga4.events[1]!.params).toMatchObject({ value: 49.5, currency: 'EUR', transaction_id: 'order-1' });
    expect(ga4.events[1]!.consent).toEqual({ ad_user_data: 'GRANTED', ad_personalization: 'GRANTED' });
    const deliveries = await deliveriesOf(site, destinationId);
    expect(deliveries.map((delivery) => [delivery.eventId, delivery.status]).sort()).toEqual(
      [
        [viewId, 'delivered'],
        [purchaseId, 'delivered'],
      ].sort(),
    );
  });

  it('keeps ad platforms out without ads consent or under GPC, while GA4 gets the events with consent DENIED', async () => {
    const site = await createSite();
    await addDestination(site, ga4Destination);
    const metaId = await addDestination(site, metaDestination);
    ga4.reset();
    meta.reset();
    await track(site, { type: 'pageview', consent: { analytics: true, ads: false }, visitorId: 'v-no-ads' });
    await track(
      site,
      { type: 'pageview', consent: { analytics: true, ads: true }, visitorId: 'v-gpc' },
      { 'sec-gpc': '1' },
    );
    await send('ga4', site);
    await send('meta', site);
    expect(ga4.events.map((event) => event.consent)).toEqual([
      { ad_user_data: 'DENIED', ad_personalization: 'DENIED' },
      { ad_user_data: 'DENIED', ad_personalization: 'DENIED' },
    ]);
    expect(meta.requests).toEqual([]);
    expect(await deliveriesOf(site, metaId)).toEqual([]);
  });

  it('sends Meta the full address, the hashed email of an earlier identify and the fbc of an earlier ad click', async () => {
    const site = await createSite();
    const metaId = await addDestination(site, metaDestination);
    meta.reset();
    await track(site, { type: 'pageview', url: 'https://shop.example/?fbclid=IwAR-click', ...consented });
    await track(site, { type: 'identify', user: { email: ' Jane.Doe@Example.com ' }, ...consented });
    const purchaseId = await track(site, {
      type: 'event',
      name: 'purchase',
      value: 10,
      currency: 'EUR',
      url: 'https://shop.example/thanks',
      ...consented,
    });
    await send('meta', site);
    const purchase = meta.accepted.find((accepted) => accepted.event.event_name === 'Purchase');
    expect(purchase, JSON.stringify(meta.requests)).toBeDefined();
    expect(purchase!.event).toMatchObject({
      action_source: 'website',
      event_source_url: 'https://shop.example/thanks',
      custom_data: { value: 10, currency: 'EUR' },
      user_data: {
        client_ip_address: VISITOR_IP,
        client_user_agent: CHROME,
        em: createHash('sha256').update('jane.doe@example.com').digest('hex'),
        fbc: expect.stringMatching(/^fb\.1\.\d+\.IwAR-click$/),
      },
    });
    const deliveries = await deliveriesOf(site, metaId);
    expect(deliveries.find((delivery) => delivery.eventId === purchaseId)).toMatchObject({
      status: 'delivered',
    });
    const { rows } = await context.db.query(
      `SELECT count(*)::int AS n FROM deliveries WHERE site_id = $1 AND sealed_ip IS NOT NULL`,
      [site.id],
    );
    expect(rows[0].n).toBe(0);
  });

  it('retries through a spell of 500s and delivers each event once when GA4 recovers', async () => {
    const site = await createSite();
    const destinationId = await addDestination(site, ga4Destination);
    ga4.reset();
    const eventId = await track(site, { type: 'pageview', ...consented });
    ga4.setMode('server_error');
    const start = new Date();
    await send('ga4', site, start);
    expect(await deliveriesOf(site, destinationId)).toEqual([
      expect.objectContaining({ eventId, status: 'retrying', attempts: 1 }),
    ]);
    await send('ga4', site, new Date(start.getTime() + 60_000));
    expect((await deliveriesOf(site, destinationId))[0]).toMatchObject({ status: 'retrying', attempts: 2 });
    ga4.setMode('normal');
    await send('ga4', site, new Date(start.getTime() + 5 * 60_000));
    expect(await deliveriesOf(site, destinationId)).toEqual([
      expect.objectContaining({ eventId, status: 'delivered', attempts: 3 }),
    ]);
    expect(ga4.events).toHaveLength(1);
  });

  it('sends a later purchase to Google Ads with the gclid of the ad click it came from and the Google hash of the email', async () => {
    const site = await createSite();
    await addDestination(site, {
      type: 'google_ads',
      config: { customerId: '123-456-7890', conversionActionId: '555000111', oauth: GOOGLE_OAUTH },
      events: [{ match: 'purchase' }],
    });
    await track(site, { type: 'pageview', url: 'https://shop.example/?gclid=EAIaIQ-landing', ...consented });
    await track(site, { type: 'identify', user: { email: 'Jane.Doe+shop@gmail.com' }, ...consented });
    await track(site, {
      type: 'event',
      name: 'purchase',
      value: 99,
      currency: 'EUR',
      transactionId: 'order-99',
      url: 'https://shop.example/thanks',
      ...consented,
    });
    await send('google_ads', site);
    const stored = dataManager.conversions.find(
      (conversion) => conversion.event.transactionId === 'order-99',
    );
    expect(stored, JSON.stringify(dataManager.requests)).toBeDefined();
    expect(stored).toMatchObject({ accountId: '1234567890', conversionActionId: '555000111' });
    expect(stored!.event).toMatchObject({
      adIdentifiers: { gclid: 'EAIaIQ-landing' },
      conversionValue: 99,
      currency: 'EUR',
      eventSource: 'WEB',
      userData: {
        userIdentifiers: [{ emailAddress: createHash('sha256').update('janedoe@gmail.com').digest('hex') }],
      },
    });
    expect(dataManager.ingests.at(-1)!.body).toMatchObject({ encoding: 'HEX' });
  });
});
