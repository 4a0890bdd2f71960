/// <reference lib="dom" />
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  type Page,
} from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { detectBot } from '../src/enrich/bots.ts';
import { parseUserAgent } from '../src/enrich/user-agent.ts';
import { createTenant, useTestApp, type TestTenant } from './helpers.ts';

/**
 * End to end in a real headless Chromium: a customer page on one origin (http://localhost:<port>, served
 * below) loads /beacon.js from Beacon on another (http://127.0.0.1:<port>), as on a real site, and the
 * test reads back what Beacon stored through the events API.
 */

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(
    `[beacon tests] browser e2e suite SKIPPED: ${CHROMIUM} does not exist, so test/e2e-browser.test.ts ` +
      'cannot run (install the chromium package; CI does)',
  );
}

const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];
const POLL = { timeout: 10_000, interval: 100 };
const HOME_TITLE = 'Beacon e2e home';
const PRICING = '/pricing?utm_source=news&utm_medium=email';

/** The fields of GET /api/sites/:siteId/events that these tests read. */
interface StoredEvent {
  type: string;
  name: string | null;
  receivedAt: string;
  url: string | null;
  hostname: string | null;
  path: string | null;
  title: string | null;
  referrer: string | null;
  referrerHost: string | null;
  referrerType: string | null;
  utmSource: string | null;
  utmMedium: string | null;
  visitorId: string | null;
  sessionId: string | null;
  userAgent: string | null;
  browserName: string | null;
  isBot: boolean;
  consentAnalytics: boolean | null;
  consentAds: boolean | null;
  props: Record<string, unknown> | null;
  value: number | null;
  currency: string | null;
}

interface TestSite {
  tenant: TestTenant;
  id: string;
  siteKey: string;
}

/** What one stored event is, in a word: `pageview /path`, `$engagement /path`, or the event name. */
function label(event: StoredEvent): string {
  if (event.type === 'pageview') return `pageview ${event.path}`;
  if (event.name === '$engagement') return `$engagement ${event.path}`;
  return event.name ?? event.type;
}

describe.skipIf(!hasChromium)('the tracker in headless Chromium', () => {
  const context = useTestApp();
  /** The customer pages, by path; each test sets the ones it loads. */
  const pages = new Map<string, string>();
  const contexts: BrowserContext[] = [];
  let browser: Browser;
  let pageServer: Server;
  let beaconOrigin: string;
  let pageOrigin: string;

  beforeAll(async () => {
    beaconOrigin = await context.app.listen({ port: 0, host: '127.0.0.1' });
    pageServer = createServer((request, response) => {
      const path = new URL(request.url ?? '/', 'http://localhost').pathname;
      const html = pages.get(path);
      if (html !== undefined) {
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
      } else if (path === '/files/guide.pdf') {
        // An attachment downloads without replacing the page, so the visit goes on.
        response
          .writeHead(200, {
            'content-type': 'application/pdf',
            'content-disposition': 'attachment; filename="guide.pdf"',
          })
          .end('%PDF-1.4\n%%EOF\n');
      } else {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      }
    });
    pageServer.listen(0, '127.0.0.1');
    await once(pageServer, 'listening');
    // "localhost" rather than 127.0.0.1: another origin than Beacon's, and the host the site is set up for.
    pageOrigin = `http://localhost:${(pageServer.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
  });

  afterEach(async () => {
    for (const browserContext of contexts.splice(0)) await browserContext.close();
  });

  afterAll(async () => {
    await browser?.close();
    if (pageServer?.listening) {
      pageServer.closeAllConnections();
      await new Promise<void>((resolve) => pageServer.close(() => resolve()));
    }
  });

  async function createSite(): Promise<TestSite> {
    const tenant = await createTenant(context);
    const response = await context.app.inject({
      method: 'POST',
      url: '/api/sites',
      headers: tenant.auth,
      payload: { name: 'E2E', domain: 'localhost' },
    });
    expect(response.statusCode, response.body).toBe(201);
    const site = response.json<{ id: string; siteKey: string }>();
    return { tenant, id: site.id, siteKey: site.siteKey };
  }

  /** A customer page: the queueing stub with one early call, the snippet, and things to click. */
  function customerPage(site: TestSite, consent: 'granted' | undefined): string {
    const consentAttribute = consent === undefined ? '' : ` data-consent="${consent}"`;
    return `<!doctype html>
<html>
<head>
<meta charset="utf-8">
<title>${HOME_TITLE}</title>
<script>
window.beacon = window.beacon || function(){(window.beacon.q = window.beacon.q || []).push(arguments)};
beacon('event', 'queued_before_load');
</script>
<script defer src="${beaconOrigin}/beacon.js" data-site="${site.siteKey}"${consentAttribute}></script>
</head>
<body>
<h1>Home</h1>
<button id="spa" onclick="history.pushState({}, '', '${PRICING.replace(/&/g, '&amp;')}')">Pricing</button>
<button id="signup" onclick="beacon('event', 'signup', {plan: 'pro'}, {value: 49, currency: 'EUR'})">Sign up</button>
<a id="outbound" href="https://external.example/x">Partner</a>
<a id="download" href="/files/guide.pdf">Guide (PDF)</a>
</body>
</html>`;
  }

  async function openPage(options: BrowserContextOptions = {}): Promise<Page> {
    const browserContext = await browser.newContext(options);
    contexts.push(browserContext);
    const page = await browserContext.newPage();
    // The outbound link's target never leaves the machine.
    await page.route('https://external.example/**', (route) =>
      route.fulfill({ contentType: 'text/plain', body: 'ok' }),
    );
    return page;
  }

  async function storedEvents(site: TestSite): Promise<StoredEvent[]> {
    const response = await context.app.inject({
      method: 'GET',
      url: `/api/sites/${site.id}/events?limit=50`,
      headers: site.tenant.auth,
    });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<{ events: StoredEvent[] }>().events;
  }

  /** Waits until all `expected` labels are stored; returns the site's events, oldest first. */
  async function waitForEvents(site: TestSite, expected: string[]): Promise<StoredEvent[]> {
    await expect
      .poll(async () => (await storedEvents(site)).map(label), POLL)
      .toEqual(expect.arrayContaining(expected));
    return (await storedEvents(site)).reverse();
  }

  function only(events: StoredEvent[], wanted: string): StoredEvent {
    const found = events.filter((event) => label(event) === wanted);
    expect(found, `exactly one "${wanted}" in ${events.map(label).join(', ')}`).toHaveLength(1);
    return found[0]!;
  }

  it('stores page views, queued, custom, outbound, download and engagement events of one visit', async () => {
    const site = await createSite();
    pages.set('/', customerPage(site, 'granted'));
    const page = await openPage();
    const userAgent = await page.evaluate(() => navigator.userAgent);

    // Each step waits until its events are stored before the next one: an event without a campaign joins
    // the visitor's latest session, so arrival order decides sessions (see the assertions at the end).

    // 1. Load: the queued call is replayed, then the automatic page view.
    await page.goto(`${pageOrigin}/`);
    await waitForEvents(site, ['queued_before_load', 'pageview /']);
    const loadedAt = Date.now();
    const storedVisitorId = await page.evaluate(() => localStorage.getItem('beacon_vid'));
    expect(storedVisitorId).toBeTruthy();

    // 2. A file download; the attachment leaves the page where it is.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    expect(download.suggestedFilename()).toBe('guide.pdf');
    expect(page.url()).toBe(`${pageOrigin}/`);
    await waitForEvents(site, ['$download']);

    // 3. Engagement: after more than a second in view, the page is hidden (faked: headless pages stay
    // visible); the tracker reads document.hidden on visibilitychange.
    await page.waitForTimeout(Math.max(0, loadedAt + 1100 - Date.now()));
    await page.evaluate(() => {
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await waitForEvents(site, ['$engagement /']);

    // 4. Visible again and, in the same task, an SPA navigation: a page view for /pricing, and no second
    // $engagement for / since it has been in view for under a second.
    await page.evaluate(() => {
      Reflect.deleteProperty(document, 'hidden');
      Reflect.deleteProperty(document, 'visibilityState');
      document.dispatchEvent(new Event('visibilitychange'));
      document.querySelector<HTMLButtonElement>('#spa')!.click();
    });
    expect(page.url()).toBe(`${pageOrigin}${PRICING}`);
    await waitForEvents(site, ['pageview /pricing']);

    // 5. A conversion.
    await page.click('#signup');
    await waitForEvents(site, ['signup']);

    // 6. Over a second on /pricing, then an outbound link: the click is recorded before the page goes,
    // and leaving (pagehide) sends the engagement of /pricing.
    await page.waitForTimeout(1100);
    await Promise.all([page.waitForURL('https://external.example/x'), page.click('#outbound')]);
    const events = await waitForEvents(site, ['$outbound', '$engagement /pricing']);

    expect(events.map(label).sort()).toEqual(
      [
        'queued_before_load',
        'pageview /',
        '$download',
        '$engagement /',
        'pageview /pricing',
        'signup',
        '$outbound',
        '$engagement /pricing',
      ].sort(),
    );

    const queued = only(events, 'queued_before_load');
    const home = only(events, 'pageview /');
    const downloaded = only(events, '$download');
    const engagedHome = only(events, '$engagement /');
    const pricing = only(events, 'pageview /pricing');
    const signup = only(events, 'signup');
    const outbound = only(events, '$outbound');
    const engagedPricing = only(events, '$engagement /pricing');

    expect(home).toMatchObject({
      url: `${pageOrigin}/`,
      hostname: 'localhost',
      title: HOME_TITLE,
      referrer: null,
      referrerType: 'direct',
    });
    expect(queued).toMatchObject({ type: 'event', path: '/', props: null });
    expect(downloaded).toMatchObject({ path: '/', props: { url: `${pageOrigin}/files/guide.pdf` } });
    expect(engagedHome).toMatchObject({ path: '/', props: { scrollDepth: 100 } });
    expect(engagedHome.props!.engagedMs).toBeGreaterThanOrEqual(1000);
    // The referrer of an SPA page view is the previous page; the campaign's medium decides its type.
    // Campaign parameters move to their columns: the stored URL goes without them.
    expect(pricing).toMatchObject({
      url: `${pageOrigin}/pricing`,
      utmSource: 'news',
      utmMedium: 'email',
      referrer: `${pageOrigin}/`,
      referrerHost: 'localhost',
      referrerType: 'email',
    });
    expect(signup).toMatchObject({
      path: '/pricing',
      props: { plan: 'pro' },
      value: 49,
      currency: 'EUR',
    });
    expect(outbound).toMatchObject({ path: '/pricing', props: { url: 'https://external.example/x' } });
    // The engagement belongs to the page it was spent on, and sums visible time only.
    expect(engagedPricing).toMatchObject({
      path: '/pricing',
      utmSource: 'news',
      props: { scrollDepth: 100 },
    });
    expect(engagedPricing.props!.engagedMs).toBeGreaterThanOrEqual(1000);

    // data-consent="granted": one first-party visitor id, the one in localStorage, on every event.
    for (const event of events) {
      expect(event, label(event)).toMatchObject({
        visitorId: storedVisitorId,
        consentAnalytics: true,
        consentAds: true,
        userAgent,
        browserName: parseUserAgent(userAgent).browserName,
        // Headless Chromium says "HeadlessChrome" in its user agent, which Beacon treats as a bot. The
        // site's default bot policy is "flag", so the events are stored, marked as bot traffic.
        isBot: true,
      });
    }
    expect(userAgent).toContain('HeadlessChrome');
    expect(parseUserAgent(userAgent).browserName).toBe('Chrome Headless');
    expect(detectBot({ userAgent })).toEqual({ isBot: true, reason: 'headless_browser' });

    // Sessions: a new campaign starts a new session (docs/events.md, session_id), so the page view that
    // arrives with utm_source=news starts a second one, which the later events of /pricing continue.
    const before = [queued, home, downloaded, engagedHome];
    const after = [pricing, signup, outbound, engagedPricing];
    expect(new Set(before.map((event) => event.sessionId))).toEqual(new Set([home.sessionId]));
    expect(new Set(after.map((event) => event.sessionId))).toEqual(new Set([pricing.sessionId]));
    expect(home.sessionId).toMatch(/^ses_/);
    expect(pricing.sessionId).toMatch(/^ses_/);
    expect(pricing.sessionId).not.toBe(home.sessionId);
  });

  it('without consent, stores events under a cookieless visitor id and writes nothing to the browser', async () => {
    const site = await createSite();
    pages.set('/', customerPage(site, undefined));
    // A desktop Chrome user agent: parsed as Chrome, yet still a bot, because navigator.webdriver is true
    // under automation and the tracker reports it.
    const version = browser.version().split('.')[0];
    const userAgent = `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${version}.0.0.0 Safari/537.36`;
    const page = await openPage({ userAgent });

    await page.goto(`${pageOrigin}/`);
    expect(await page.evaluate(() => navigator.webdriver)).toBe(true);
    expect(
      await page.evaluate(
        () => (navigator as Navigator & { globalPrivacyControl?: boolean }).globalPrivacyControl,
      ),
    ).not.toBe(true);
    await waitForEvents(site, ['queued_before_load', 'pageview /']);
    await page.click('#signup');
    const events = await waitForEvents(site, ['signup']);

    expect(events.map(label).sort()).toEqual(['pageview /', 'queued_before_load', 'signup']);
    const [first] = events;
    expect(first!.visitorId).toMatch(/^cl_[A-Za-z0-9_-]{22}$/);
    for (const event of events) {
      expect(event, label(event)).toMatchObject({
        visitorId: first!.visitorId,
        sessionId: first!.sessionId,
        consentAnalytics: false,
        consentAds: false,
        userAgent,
        browserName: 'Chrome',
        isBot: true,
      });
    }
    expect(detectBot({ userAgent, webdriver: true })).toEqual({ isBot: true, reason: 'automation' });
    expect(only(events, 'signup')).toMatchObject({ props: { plan: 'pro' }, value: 49, currency: 'EUR' });

    expect(await page.evaluate(() => Object.keys(localStorage))).toEqual([]);
    expect(await page.evaluate(() => document.cookie)).toBe('');
    expect(await page.context().cookies()).toEqual([]);
  });

  it("prints Beacon's reason in the console when the site does not accept the page's host", async () => {
    const tenant = await createTenant(context);
    const created = await context.app.inject({
      method: 'POST',
      url: '/api/sites',
      headers: tenant.auth,
      payload: { name: 'Production only', domain: 'shop.example' },
    });
    const site = { tenant, ...created.json<{ id: string; siteKey: string }>() };
    pages.set('/', customerPage(site, 'granted'));
    const page = await openPage();
    const warnings: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'warning') warnings.push(message.text());
    });
    await page.goto(`${pageOrigin}/`);
    await expect
      .poll(() => warnings.join('\n'), POLL)
      .toMatch(/Beacon.*does not accept events from localhost/);
    expect(await storedEvents(site)).toEqual([]);
  });
});
