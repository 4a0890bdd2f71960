import { randomUUID } from 'node:crypto';
import vm from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildTracker } from './build.mjs';

const BUDGET = 1536;
const SNIPPET =
  'window.beacon = window.beacon || function(){(window.beacon.q = window.beacon.q || []).push(arguments)};';

type Json = Record<string, unknown>;
type Listener = (event: object) => void;
interface Sent {
  url: string;
  body: Json;
  raw: unknown;
}
interface BrowserOptions {
  /** data-* attributes of the script tag; `site` defaults to site_test, null leaves it out. */
  data?: Record<string, string | null>;
  url?: string;
  referrer?: string;
  storage?: Record<string, string>;
  cookie?: string;
  gpc?: boolean;
  webdriver?: boolean;
  hidden?: boolean;
  /** What the recording fetch answers (default 201), or a function that throws instead of sending. */
  answer?: { status: number; body?: Json } | (() => never);
  crypto?: boolean;
  /** Page code run before the tracker, e.g. the queueing snippet and early calls. */
  before?: string;
}

/**
 * A page with the tracker loaded: just enough window, document, navigator, location, history and
 * localStorage for the script, recording what it sends and stores. The clock only moves on tick().
 */
function loadPage(code: string, o: BrowserOptions = {}) {
  const sent: Sent[] = [];
  const fetched: Array<{ url: string; init: Json }> = [];
  const warnings: unknown[][] = [];
  const storage = new Map(Object.entries(o.storage ?? {}));
  const storageWrites: string[] = [];
  const listeners: Array<{ on: 'window' | 'document'; type: string; f: Listener; options: unknown }> = [];
  let clock = 1_700_000_000_000;

  const location = { href: '', pathname: '', search: '', host: '' };
  const go = (url: string) => {
    const u = new URL(url, location.href || undefined);
    Object.assign(location, { href: u.href, pathname: u.pathname, search: u.search, host: u.host });
  };
  go(o.url ?? 'https://shop.example/products?page=2#top');
  const target = (on: 'window' | 'document') => ({
    addEventListener: (type: string, f: Listener, options: unknown) =>
      listeners.push({ on, type, f, options }),
  });
  const dataset = Object.fromEntries(
    Object.entries({ site: 'site_test', ...o.data }).filter((e): e is [string, string] => e[1] !== null),
  );
  const document = {
    ...target('document'),
    currentScript: { src: 'https://beacon.example/beacon.js', dataset },
    referrer: o.referrer ?? 'https://search.example/?q=shoes',
    title: 'Products',
    hidden: o.hidden ?? false,
    cookie: o.cookie ?? '',
    documentElement: { scrollHeight: 4000 },
  };
  const history = {
    pushState: (_state: unknown, _title: string, url?: string) => url && go(url),
    replaceState: (_state: unknown, _title: string, url?: string) => url && go(url),
  };
  const navigator: Json = {
    language: 'en-GB',
    webdriver: o.webdriver ?? false,
  };
  if (o.gpc !== undefined) navigator.globalPrivacyControl = o.gpc;
  const window: Json = {
    ...target('window'),
    document,
    navigator,
    location,
    history,
    screen: { width: 1920, height: 1080 },
    innerWidth: 1280,
    innerHeight: 800,
    scrollY: 0,
    URL,
    Date: { now: () => clock },
    localStorage: {
      getItem: (k: string) => storage.get(k) ?? null,
      setItem: (k: string, v: string) => (storageWrites.push(k), storage.set(k, String(v))),
      removeItem: (k: string) => storage.delete(k),
    },
    fetch: (url: string, init: Json) => {
      if (typeof o.answer === 'function') o.answer();
      fetched.push({ url, init });
      sent.push({ url, body: JSON.parse(init.body as string) as Json, raw: init.body });
      const { status, body } = (o.answer as { status: number; body?: Json } | undefined) ?? { status: 201 };
      const json = () =>
        body === undefined ? Promise.reject(new SyntaxError('not JSON')) : Promise.resolve(body);
      return Promise.resolve({ ok: status < 300, status, json });
    },
    console: { warn: (...args: unknown[]) => warnings.push(args) },
  };
  if (o.crypto !== false) window.crypto = { randomUUID };
  window.window = window;
  const context = vm.createContext(window);
  vm.runInContext(SNIPPET + (o.before ?? ''), context);
  vm.runInContext(code, context);

  const dispatch = (on: 'window' | 'document', type: string, event: object = {}) => {
    for (const l of listeners.filter((x) => x.on === on && x.type === type)) l.f({ type, ...event });
  };
  const link = (href: string) => {
    const u = new URL(href, location.href);
    const a = { href: u.href, host: u.host, pathname: u.pathname, closest: () => a };
    return a;
  };
  return {
    window,
    document,
    sent,
    fetched,
    warnings,
    storage,
    storageWrites,
    listeners,
    /** Moves the page without history.*, as the browser does before popstate. */
    go,
    beacon: (...args: unknown[]) => (window.beacon as (...a: unknown[]) => void)(...args),
    tick: (ms: number) => (clock += ms),
    now: () => clock,
    dispatch,
    click: (href: string, event: Json = {}) =>
      dispatch('document', 'click', { target: link(href), button: 0, ...event }),
    hide: () => {
      document.hidden = true;
      dispatch('document', 'visibilitychange');
    },
    show: () => {
      document.hidden = false;
      dispatch('document', 'visibilitychange');
    },
    names: () => sent.map((s) => s.body.name ?? s.body.type),
  };
}

let code = '';
let gzipBytes = 0;
beforeAll(async () => {
  ({ code, gzipBytes } = await buildTracker());
});

describe('beacon.js build', () => {
  it(`fits the ${BUDGET}-byte gzip budget`, () => {
    console.log(`beacon.js: ${code.length} bytes minified, ${gzipBytes} bytes gzipped (budget ${BUDGET})`);
    expect(code.length).toBeGreaterThan(0);
    expect(gzipBytes).toBeLessThanOrEqual(BUDGET);
  });
});

describe('page views', () => {
  it('sends an automatic page view with the contract fields to <data-api>/api/track/event', () => {
    const page = loadPage(code, { data: { api: 'https://example.com/beacon/' } });
    expect(page.sent).toHaveLength(1);
    const [{ url, body, raw }] = page.sent as [Sent];
    expect(url).toBe('https://example.com/beacon/api/track/event');
    expect(typeof raw, 'a string body goes as text/plain, without CORS preflight').toBe('string');
    expect(body).toEqual({
      site: 'site_test',
      type: 'pageview',
      url: 'https://shop.example/products?page=2#top',
      referrer: 'https://search.example/?q=shoes',
      title: 'Products',
      eventId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      ts: page.now(),
      screen: { w: 1920, h: 1080 },
      viewport: { w: 1280, h: 800 },
      lang: 'en-GB',
      tz: Intl.DateTimeFormat().resolvedOptions().timeZone,
      consent: { analytics: false, ads: false },
    });
  });

  it('sends to the origin of its own src when data-api is absent', () => {
    expect(loadPage(code).sent[0]?.url).toBe('https://beacon.example/api/track/event');
  });

  it('sends nothing at all without data-site', () => {
    const page = loadPage(code, { data: { site: null }, before: "beacon('event', 'early');" });
    page.beacon('event', 'late');
    page.dispatch('window', 'popstate');
    expect(page.sent).toEqual([]);
    expect(page.listeners).toEqual([]);
  });

  it('sends no automatic page view with data-auto="false", but a manual one with props', () => {
    const page = loadPage(code, { data: { auto: 'false' } });
    expect(page.sent).toEqual([]);
    page.beacon('pageview', { plan: 'pro' });
    expect(page.sent[0]?.body).toMatchObject({ type: 'pageview', props: { plan: 'pro' } });
  });

  it('replays calls queued before load in order, before the automatic page view', () => {
    const page = loadPage(code, {
      before:
        "beacon('consent', { analytics: true }); beacon('event', 'first'); beacon('event', 'second', { n: 2 });",
    });
    expect(page.names()).toEqual(['consent', 'first', 'second', 'pageview']);
    expect(page.sent[2]?.body.props).toEqual({ n: 2 });
    expect(page.sent[3]?.body.visitorId, 'the queued consent applies to the first page view').toEqual(
      expect.any(String),
    );
  });

  it('uses random ids per event, also without crypto.randomUUID', () => {
    for (const crypto of [true, false]) {
      const page = loadPage(code, { crypto });
      page.beacon('event', 'a');
      const [a, b] = page.sent.map((s) => s.body.eventId);
      expect(a, 'the pattern the track API takes').toMatch(/^[A-Za-z0-9_.:-]{1,128}$/);
      expect(a).not.toBe(b);
    }
  });

  it('flags automation only when navigator.webdriver is true', () => {
    expect(loadPage(code, { webdriver: true }).sent[0]?.body.webdriver).toBe(true);
    expect(loadPage(code).sent[0]?.body).not.toHaveProperty('webdriver');
  });
});

describe('single-page navigation', () => {
  it('sends a page view with the previous URL as referrer when the path changes', () => {
    const page = loadPage(code);
    const history = page.window.history as { pushState: (s: unknown, t: string, u: string) => void };
    history.pushState({}, '', '/cart');
    expect(page.names()).toEqual(['pageview', 'pageview']);
    expect(page.sent[1]?.body).toMatchObject({
      url: 'https://shop.example/cart',
      referrer: 'https://shop.example/products?page=2#top',
    });
  });

  it('sends nothing when pushState keeps the path and search', () => {
    const page = loadPage(code);
    const history = page.window.history as { pushState: (s: unknown, t: string, u: string) => void };
    history.pushState({}, '', '/products?page=2');
    history.pushState({}, '', '/products?page=2#reviews');
    expect(page.sent).toHaveLength(1);
  });

  it('counts replaceState to a new search and back/forward navigation', () => {
    const page = loadPage(code);
    const history = page.window.history as { replaceState: (s: unknown, t: string, u: string) => void };
    history.replaceState({}, '', '/products?page=3');
    expect(page.sent[1]?.body.url).toBe('https://shop.example/products?page=3');
    page.go('https://shop.example/');
    page.dispatch('window', 'popstate');
    expect(page.sent[2]?.body).toMatchObject({
      type: 'pageview',
      referrer: 'https://shop.example/products?page=3',
    });
  });

  it('leaves history alone with data-auto="false"', () => {
    const page = loadPage(code, { data: { auto: 'false' } });
    const history = page.window.history as { pushState: (s: unknown, t: string, u: string) => void };
    history.pushState({}, '', '/cart');
    expect(page.sent).toEqual([]);
  });
});

describe('consent and privacy', () => {
  it('sends no visitorId and writes nothing to localStorage without consent, deleting a stored id', () => {
    const page = loadPage(code, {
      storage: { beacon_vid: 'old-id' },
      cookie: '_fbp=fb.1.1.2; _fbc=fb.1.1.abc',
    });
    page.beacon('event', 'signup');
    for (const { body } of page.sent) {
      expect(body).not.toHaveProperty('visitorId');
      expect(body).not.toHaveProperty('fbp');
      expect(body.consent).toEqual({ analytics: false, ads: false });
    }
    expect(page.storageWrites).toEqual([]);
    expect(page.storage.has('beacon_vid')).toBe(false);
  });

  it('persists a visitorId once analytics is granted and keeps it on the next page load', () => {
    const page = loadPage(code);
    page.beacon('consent', { analytics: true });
    page.beacon('event', 'a');
    page.beacon('event', 'b');
    const visitorId = page.storage.get('beacon_vid');
    expect(visitorId).toEqual(expect.any(String));
    expect(page.names()).toEqual(['pageview', 'consent', 'a', 'b']);
    expect(page.sent.map((s) => s.body.visitorId)).toEqual([undefined, visitorId, visitorId, visitorId]);
    expect(page.sent[1]?.body.consent).toEqual({ analytics: true, ads: false });

    const next = loadPage(code, { storage: Object.fromEntries(page.storage) });
    expect(next.sent[0]?.body).toMatchObject({ visitorId, consent: { analytics: true, ads: false } });
  });

  it('forgets the visitor id and the stored choice when analytics is withdrawn', () => {
    const page = loadPage(code, { storage: { beacon_consent: 'ads', beacon_vid: 'v1' } });
    expect(page.sent[0]?.body).toMatchObject({ visitorId: 'v1', consent: { analytics: true, ads: true } });
    page.beacon('consent', { analytics: false });
    page.beacon('event', 'after');
    expect(page.storage.size).toBe(0);
    expect(page.sent[2]?.body).not.toHaveProperty('visitorId');
    expect(page.sent[2]?.body.consent).toEqual({ analytics: false, ads: true });
  });

  it('sends each consent choice to be recorded, a withdrawal with the id it withdraws', () => {
    const page = loadPage(code, { storage: { beacon_consent: 'analytics', beacon_vid: 'v1' } });
    page.beacon('consent', { ads: true });
    page.beacon('consent', { analytics: false });
    expect(page.names()).toEqual(['pageview', 'consent', 'consent']);
    expect(page.sent[1]?.body).toMatchObject({ visitorId: 'v1', consent: { analytics: true, ads: true } });
    expect(page.sent[2]?.body, 'the withdrawal names the id it ends').toMatchObject({
      visitorId: 'v1',
      consent: { analytics: false, ads: true },
    });
    expect(page.storage.size, 'and the id is gone after it').toBe(0);
  });

  it('sends a first refusal without any visitor id', () => {
    const page = loadPage(code);
    page.beacon('consent', { analytics: false, ads: false });
    expect(page.sent[1]?.body.type).toBe('consent');
    expect(page.sent[1]?.body).not.toHaveProperty('visitorId');
    expect(page.storageWrites).toEqual([]);
  });

  it('takes data-consent="granted" as the default for both purposes; a stored choice beats it', () => {
    expect(loadPage(code, { data: { consent: 'granted' } }).sent[0]?.body.consent).toEqual({
      analytics: true,
      ads: true,
    });
    const stored = loadPage(code, { data: { consent: 'granted' }, storage: { beacon_consent: 'analytics' } });
    expect(stored.sent[0]?.body.consent).toEqual({ analytics: true, ads: false });
  });

  it('sends the Meta cookies only with ads consent', () => {
    const cookie = 'theme=dark; _fbp=fb.1.1700.123; _fbc=fb.1.1700.click';
    const page = loadPage(code, { cookie });
    page.beacon('consent', { ads: true });
    page.beacon('event', 'purchase');
    expect(page.sent[0]?.body).not.toHaveProperty('fbp');
    expect(page.names()).toEqual(['pageview', 'consent', 'purchase']);
    expect(page.sent[2]?.body).toMatchObject({ fbp: 'fb.1.1700.123', fbc: 'fb.1.1700.click' });
    expect(page.storageWrites, 'ads consent alone stores nothing').toEqual([]);
  });

  it.each([
    ['a GA4 cookie', '_ga=GA1.1.1234567890.1700000000', '1234567890.1700000000'],
    [
      'a cookie set for a subdomain (domain depth 2)',
      '_ga=GA1.2.987654321.1690000000',
      '987654321.1690000000',
    ],
    ['a deeper domain', '_ga=GA1.3.5.6', '5.6'],
    [
      'the cookie among others, the stream cookie after it',
      'theme=dark; _ga=GA1.1.111.222; _ga_ABC123=GS1.1.1700000000.1.1.1700000000.0.0.0',
      '111.222',
    ],
    ['no _ga cookie', 'theme=dark', undefined],
    ['only the stream cookie _ga_<id>', '_ga_ABC123=GS1.1.1700000000.1.1.1700000000.0.0.0', undefined],
    ['another cookie ending in _ga', 'x_ga=GA1.1.111.222', undefined],
    ['another version prefix', '_ga=GA2.1.111.222', undefined],
    ['the stream cookie format in _ga', '_ga=GS1.1.111.222', undefined],
    ['letters in the id', '_ga=GA1.1.abc.222', undefined],
    ['three fields', '_ga=GA1.1.111', undefined],
    ['five fields', '_ga=GA1.1.111.222.333', undefined],
    ['an empty value', '_ga=', undefined],
  ])('with analytics consent, reads the GA client id from %s', (_label, cookie, gaClientId) => {
    const page = loadPage(code, { cookie, storage: { beacon_consent: 'analytics' } });
    page.beacon('event', 'signup');
    for (const { body } of page.sent) expect(body.gaClientId).toBe(gaClientId);
  });

  it.each([
    ['without consent', {}],
    ['with ads consent only', { before: "beacon('consent', { ads: true });" }],
    ['under Global Privacy Control, whatever the site says', { gpc: true, data: { consent: 'granted' } }],
  ])('sends no GA client id %s', (_label, options) => {
    const page = loadPage(code, { cookie: '_ga=GA1.1.1234567890.1700000000', ...options });
    page.beacon('event', 'signup');
    for (const { body } of page.sent) expect(body).not.toHaveProperty('gaClientId');
  });

  it('stops sending the GA client id once analytics is withdrawn', () => {
    const page = loadPage(code, { cookie: '_ga=GA1.1.1.2', storage: { beacon_consent: 'analytics' } });
    page.beacon('consent', { analytics: false });
    page.beacon('event', 'after');
    expect(page.sent.map((s) => s.body.gaClientId)).toEqual(['1.2', undefined, undefined]);
  });

  it('honours Global Privacy Control over the site: no ads, no visitor id, no storage', () => {
    const page = loadPage(code, { gpc: true, data: { consent: 'granted' }, cookie: '_fbp=fb.1.1.2' });
    page.beacon('consent', { analytics: true, ads: true });
    page.beacon('event', 'purchase');
    expect(page.names()).toEqual(['pageview', 'consent', 'purchase']);
    for (const { body } of page.sent) {
      expect(body.consent).toEqual({ analytics: false, ads: false });
      expect(body).not.toHaveProperty('visitorId');
      expect(body).not.toHaveProperty('fbp');
    }
    expect(page.storageWrites).toEqual([]);
  });
});

describe('commands', () => {
  it('sends custom events with props, value, currency and transaction id', () => {
    const page = loadPage(code);
    page.beacon(
      'event',
      'purchase',
      { sku: 'A1' },
      { value: 49.5, currency: 'EUR', transactionId: 'order-42' },
    );
    expect(page.sent[1]?.body).toMatchObject({
      type: 'event',
      name: 'purchase',
      props: { sku: 'A1' },
      value: 49.5,
      currency: 'EUR',
      transactionId: 'order-42',
    });
    expect(page.sent[1]?.body).not.toHaveProperty('referrer');
  });

  it('sends a transaction id without a value, and none when not given', () => {
    const page = loadPage(code);
    page.beacon('event', 'order_shipped', undefined, { transactionId: 'order-42' });
    page.beacon('event', 'signup');
    expect(page.sent[1]?.body).toMatchObject({ name: 'order_shipped', transactionId: 'order-42' });
    expect(page.sent[1]?.body).not.toHaveProperty('value');
    expect(page.sent[2]?.body).not.toHaveProperty('transactionId');
  });

  it('takes only value, currency and transactionId from the options, so they cannot override consent', () => {
    const page = loadPage(code, { gpc: true, cookie: '_fbp=fb.1.1.2' });
    page.beacon('event', 'purchase', {}, { value: 1, consent: { analytics: true, ads: true }, fbp: 'x' });
    expect(page.sent[1]?.body.consent).toEqual({ analytics: false, ads: false });
    expect(page.sent[1]?.body).not.toHaveProperty('fbp');
  });

  it('sends identify with userId, user and traits as props', () => {
    const page = loadPage(code);
    page.beacon('identify', {
      userId: 'u_1',
      email: 'Ann@Example.com',
      phone: '+441234',
      traits: { plan: 'pro' },
    });
    expect(page.sent[1]?.body).toMatchObject({
      type: 'identify',
      userId: 'u_1',
      user: { email: 'Ann@Example.com', phone: '+441234' },
      props: { plan: 'pro' },
    });
  });

  it.each([
    ['an unknown command', ['nope']],
    ['consent without an argument', ['consent']],
    ['identify without an argument', ['identify']],
    ['an event with null options', ['event', 'x', {}, null]],
    ['no command at all', []],
  ])('swallows %s', (_label, args) => {
    const page = loadPage(code);
    expect(() => page.beacon(...args)).not.toThrow();
    page.beacon('event', 'still-working');
    expect(page.names().at(-1)).toBe('still-working');
  });
});

describe('transport', () => {
  it('sends every event as a keepalive text/plain fetch without credentials', () => {
    const page = loadPage(code);
    page.beacon('event', 'signup');
    expect(page.fetched).toEqual(
      ['pageview', 'event'].map(() => ({
        url: 'https://beacon.example/api/track/event',
        init: { method: 'POST', body: expect.any(String), keepalive: true, credentials: 'omit' },
      })),
    );
    expect(page.sent.map((s) => s.body.type)).toEqual(['pageview', 'event']);
  });

  it("prints the server's reason for a refusal in the console, and nothing for a success", async () => {
    const error = {
      code: 'forbidden',
      message: 'This site does not accept events from localhost',
      requestId: 'r1',
    };
    const refused = loadPage(code, { answer: { status: 403, body: { error } } });
    const accepted = loadPage(code);
    await new Promise((resolve) => setImmediate(resolve));
    expect(refused.warnings).toEqual([['Beacon', error]]);
    expect(accepted.warnings).toEqual([]);
  });

  it('says nothing, and raises nothing, when a refusal is not JSON (a proxy error page)', async () => {
    const page = loadPage(code, { answer: { status: 502 } });
    await new Promise((resolve) => setImmediate(resolve));
    expect(page.fetched).toHaveLength(1);
    expect(page.warnings).toEqual([]);
  });

  it('never lets an exception from the host page escape into it', () => {
    let calls = 0;
    const page = loadPage(code, {
      answer: () => {
        calls++;
        throw new Error('blocked by an extension');
      },
    });
    expect(() => page.beacon('event', 'x')).not.toThrow();
    expect(() => page.click('https://other.example/')).not.toThrow();
    expect(calls).toBe(3);
  });
});

describe('links', () => {
  it.each([
    ['an outbound link', 'https://other.example/page', '$outbound'],
    ['a download on the same host', '/files/report.PDF', '$download'],
    ['a download on a CDN', 'https://cdn.example/app.dmg', '$download'],
  ])('tracks a click on %s', (_label, href, name) => {
    const page = loadPage(code);
    page.click(href);
    expect(page.sent[1]?.body).toMatchObject({
      type: 'event',
      name,
      url: 'https://shop.example/products?page=2#top',
      props: { url: new URL(href, 'https://shop.example/').href },
    });
  });

  it.each([
    ['an internal link', '/cart', {}],
    ['a mailto link', 'mailto:sales@shop.example', {}],
    ['a right click', 'https://other.example/', { type: 'auxclick', button: 2 }],
  ])('ignores %s', (_label, href, event) => {
    const page = loadPage(code);
    page.click(href, event);
    expect(page.sent).toHaveLength(1);
  });

  it('tracks middle clicks and ignores clicks outside links', () => {
    const page = loadPage(code);
    page.dispatch('document', 'auxclick', {
      button: 1,
      target: { closest: () => ({ href: 'https://other.example/', host: 'other.example', pathname: '/' }) },
    });
    page.dispatch('document', 'click', { button: 0, target: { closest: () => null } });
    expect(page.names()).toEqual(['pageview', '$outbound']);
    const click = page.listeners.find((l) => l.type === 'click');
    expect(click?.options, 'capture phase, before the page can stop propagation').toBe(true);
  });
});

describe('engagement', () => {
  it('sends visible time and scroll depth when the page is hidden, once per hide', () => {
    const page = loadPage(code);
    page.tick(4000);
    page.window.scrollY = 1200;
    page.dispatch('window', 'scroll');
    page.window.scrollY = 0;
    page.hide();
    page.tick(60_000);
    page.dispatch('window', 'pagehide');
    expect(page.names()).toEqual(['pageview', '$engagement']);
    expect(page.sent[1]?.body).toMatchObject({
      type: 'event',
      url: 'https://shop.example/products?page=2#top',
      props: { engagedMs: 4000, scrollDepth: 50 },
    });

    page.show();
    page.tick(2000);
    page.hide();
    expect(page.sent[2]?.body.props, 'hidden time is not counted').toEqual({
      engagedMs: 2000,
      scrollDepth: 50,
    });
  });

  it('skips under a second of attention', () => {
    const page = loadPage(code);
    page.tick(999);
    page.hide();
    expect(page.names()).toEqual(['pageview']);
  });

  it('flushes the previous page on SPA navigation, with its URL', () => {
    const page = loadPage(code);
    page.tick(3000);
    (page.window.history as { pushState: (s: unknown, t: string, u: string) => void }).pushState(
      {},
      '',
      '/cart',
    );
    expect(page.names()).toEqual(['pageview', '$engagement', 'pageview']);
    expect(page.sent[1]?.body).toMatchObject({ url: 'https://shop.example/products?page=2#top' });
    expect(page.sent[1]?.body.props).toMatchObject({ engagedMs: 3000 });
    page.tick(1500);
    page.hide();
    expect(page.sent[3]?.body).toMatchObject({
      url: 'https://shop.example/cart',
      props: { engagedMs: 1500 },
    });
  });

  it('counts nothing while a page loaded in a background tab stays hidden', () => {
    const page = loadPage(code, { hidden: true });
    page.tick(10_000);
    page.dispatch('window', 'pagehide');
    expect(page.names()).toEqual(['pageview']);
  });
});
