/// <reference lib="dom" />
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, useTestApp } from './helpers.ts';

/**
 * The CCPA opt-out end to end: a visitor who opted out on the site's page, and one whose browser sends
 * Global Privacy Control, are stored without ads consent and reach no ad platform, while a visitor
 * without either, at the same time, with the same banner choice, does.
 */
const context = useTestApp();
const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const CHROMIUM = '/usr/bin/chromium';
const POLL = { timeout: 10_000, interval: 100 };

const EVERY_EVENT = [{ match: '*' }];

interface TestSite {
  id: string;
  siteKey: string;
}

/** A site with an ad platform (Meta) and GA4, each taking every page view and custom event. */
async function createSite(domain: string): Promise<TestSite> {
  const tenant = await createTenant(context);
  const created = await context.app.inject({
    method: 'POST',
    url: '/api/sites',
    headers: tenant.auth,
    payload: { name: 'Shop', domain },
  });
  expect(created.statusCode, created.body).toBe(201);
  const site = created.json<TestSite>();
  for (const destination of [
    { type: 'meta', config: { pixelId: '1234567890123456', accessToken: 'EAAtoken' }, events: EVERY_EVENT },
    {
      type: 'ga4',
      config: { measurementId: 'G-FAKE12345', apiSecret: 'fake-ga4-api-secret' },
      events: EVERY_EVENT,
    },
  ]) {
    const response = await context.app.inject({
      method: 'POST',
      url: `/api/sites/${site.id}/destinations`,
      headers: tenant.auth,
      payload: destination,
    });
    expect(response.statusCode, response.body).toBe(201);
  }
  return site;
}

/** Each stored event of the site: its consent, visitor id, and the destination types it is queued for. */
async function storedEvents(siteId: string) {
  const { rows } = await context.db.query<{
    name: string | null;
    type: string;
    consent_analytics: boolean | null;
    consent_ads: boolean | null;
    visitor_id: string;
    fbp: string | null;
    destinations: string[];
  }>(
    `SELECT e.name, e.type, e.consent_analytics, e.consent_ads, e.visitor_id, e.fbp,
            coalesce(array_agg(d.destination_type ORDER BY d.destination_type)
                     FILTER (WHERE d.id IS NOT NULL), '{}') AS destinations
       FROM events e LEFT JOIN deliveries d ON d.site_id = e.site_id AND d.event_row_id = e.id
      WHERE e.site_id = $1
      GROUP BY e.id, e.name, e.type, e.consent_analytics, e.consent_ads, e.visitor_id, e.fbp`,
    [siteId],
  );
  return rows;
}

describe('tracking requests that carry the opt-out', () => {
  async function track(site: TestSite, name: string, headers: Record<string, string>) {
    const response = await context.app.inject({
      method: 'POST',
      url: '/api/track/event',
      headers: { origin: 'https://shop.example', 'user-agent': CHROME, ...headers },
      payload: {
        site: site.siteKey,
        type: 'event',
        name,
        url: 'https://shop.example/checkout?fbclid=abc',
        eventId: randomUUID(),
        visitorId: `client-${name}`,
        fbp: 'fb.1.1700000000000.123',
        consent: { analytics: true, ads: true },
      },
    });
    expect(response.statusCode, response.body).toBe(201);
  }

  it('store them without ads consent and queue nothing for an ad platform, as GPC does', async () => {
    const site = await createSite('shop.example');
    await track(site, 'opted_out', { cookie: 'beacon_optout=1', 'x-forwarded-for': '203.0.113.1' });
    await track(site, 'gpc', { 'sec-gpc': '1', 'x-forwarded-for': '203.0.113.2' });
    await track(site, 'neither', { 'x-forwarded-for': '203.0.113.3' });
    const byName = new Map((await storedEvents(site.id)).map((event) => [event.name, event]));
    for (const name of ['opted_out', 'gpc']) {
      expect(byName.get(name), name).toMatchObject({
        consent_analytics: false,
        consent_ads: false,
        fbp: null,
        // GA4 gets the event with ads personalisation denied (consent_ads false); Meta nothing.
        destinations: ['ga4'],
      });
      expect(byName.get(name)!.visitor_id, name).not.toBe(`client-${name}`);
    }
    expect(byName.get('neither')).toMatchObject({
      consent_analytics: true,
      consent_ads: true,
      visitor_id: 'client-neither',
      destinations: ['ga4', 'meta'],
    });
  });
});

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(
    `[beacon tests] opt-out browser test SKIPPED: ${CHROMIUM} does not exist (install the chromium package; CI does)`,
  );
}

/**
 * In a real Chromium, where the tracker sends no cookies: Beacon and the customer's pages are on one
 * site (localhost, two ports), as with a tracking subdomain or a proxied path, so the opt-out cookie
 * set by Beacon's page goes along when the page loads the tracker.
 */
describe.skipIf(!hasChromium)('the opt-out page and the tracker in headless Chromium', () => {
  const contexts: BrowserContext[] = [];
  let browser: Browser;
  let pageServer: Server;
  let beaconOrigin: string;
  let pageOrigin: string;
  let pageHtml = '';

  beforeAll(async () => {
    const listening = new URL(await context.app.listen({ port: 0, host: '127.0.0.1' }));
    beaconOrigin = `http://localhost:${listening.port}`;
    pageServer = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(pageHtml);
    });
    pageServer.listen(0, '127.0.0.1');
    await once(pageServer, 'listening');
    pageOrigin = `http://localhost:${(pageServer.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // Without navigator.webdriver, which marks a visit as a bot's (never forwarded anywhere).
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--no-first-run',
        '--disable-blink-features=AutomationControlled',
      ],
    });
  });

  afterAll(async () => {
    for (const browserContext of contexts) await browserContext.close();
    await browser?.close();
    if (pageServer?.listening) {
      pageServer.closeAllConnections();
      await new Promise<void>((resolve) => pageServer.close(() => resolve()));
    }
  });

  async function newPage() {
    // Not HeadlessChrome, which Beacon takes for a bot too.
    const browserContext = await browser.newContext({ userAgent: CHROME });
    contexts.push(browserContext);
    return browserContext.newPage();
  }

  it('a visitor who opted out is tracked without consent and reaches no ad platform; another is', async () => {
    const site = await createSite('localhost');
    // The banner granted both purposes (and says so to Beacon): only the opt-out can take them away.
    pageHtml = `<!doctype html><html><head><meta charset="utf-8"><title>Shop</title>
<script>
window.beacon = window.beacon || function(){(window.beacon.q = window.beacon.q || []).push(arguments)};
beacon('consent', {analytics: true, ads: true});
</script>
<script defer src="${beaconOrigin}/beacon.js" data-site="${site.siteKey}" data-consent="granted"></script>
</head><body><a href="${beaconOrigin}/privacy/opt-out/${site.siteKey}">Do not sell or share my personal information</a></body></html>`;

    const optingOut = await newPage();
    const cspViolations: string[] = [];
    optingOut.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    await optingOut.goto(`${beaconOrigin}/privacy/opt-out/${site.siteKey}`);
    await optingOut.click('button[value="opt-out"]');
    await optingOut.waitForSelector('text=You have opted out');
    expect(cspViolations).toEqual([]);
    const pageErrors: string[] = [];
    optingOut.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') pageErrors.push(message.text());
    });
    await optingOut.goto(pageOrigin);

    const other = await newPage();
    await other.goto(pageOrigin);

    await expect.poll(async () => (await storedEvents(site.id)).length, POLL).toBe(2);
    const events = await storedEvents(site.id);
    expect(events.map((event) => [event.consent_analytics, event.consent_ads, event.destinations])).toEqual(
      expect.arrayContaining([
        [false, false, ['ga4']],
        [true, true, ['ga4', 'meta']],
      ]),
    );
    // The opted-out tracker keeps no visitor id in the site's storage either.
    expect(await optingOut.evaluate(() => localStorage.getItem('beacon_vid'))).toBeNull();
    expect(await other.evaluate(() => localStorage.getItem('beacon_vid'))).not.toBeNull();
    // The opt-out itself, then each page's consent call: the opted-out one's events carry the cookie,
    // so Beacon records the opt-out as its source, as it would GPC.
    const sources = async () =>
      (
        await context.db.query<{ source: string; analytics: boolean | null; ads: boolean | null }>(
          'SELECT source, analytics, ads FROM consent_records WHERE site_id = $1 ORDER BY id',
          [site.id],
        )
      ).rows;
    await expect.poll(async () => (await sources()).length, POLL).toBe(3);
    expect(
      (await sources()).map((record) => `${record.source} ${record.analytics} ${record.ads}`).sort(),
    ).toEqual(['banner true true', 'optout false false', 'optout false false']);
    // Beacon's answers to the credentialed requests were readable: no CORS error, no refusal.
    expect(pageErrors).toEqual([]);

    // Undo: the same browser is tracked as its banner says again.
    await optingOut.goto(`${beaconOrigin}/privacy/opt-out/${site.siteKey}`);
    await optingOut.click('button[value="undo"]');
    await optingOut.waitForSelector('button[value="opt-out"]');
    await optingOut.goto(pageOrigin);
    await expect.poll(async () => (await storedEvents(site.id)).length, POLL).toBe(3);
    await expect.poll(async () => (await sources()).length, POLL).toBe(5);
    expect((await sources()).slice(3).map((record) => record.source)).toEqual(['optout_withdrawn', 'banner']);
    const consented = (await storedEvents(site.id)).filter((event) => event.consent_ads === true);
    expect(consented).toHaveLength(2);
  });
});
