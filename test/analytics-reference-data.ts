import type { MmdbEntry } from './fakes/mmdb-writer.ts';
import {
  addDays,
  startOfLocalDay,
  type EventType,
  type Goal,
  type SentEvent,
  type Utm,
} from './analytics-reference-model.ts';

/**
 * The known event set of test/analytics-reference.test.ts: three sites that share visitor ids,
 * paths, event names and eventIds (A in Europe/Berlin, B in Asia/Kolkata in the same agency, C in
 * another agency), over three weeks around each 2026 DST change in Europe. Seeded-random visits of
 * realistic shape plus written-out scenarios for the edges: sessions across local midnight and DST,
 * late batches with skewed client clocks, duplicates, bots, campaign changes, the 30-minute edge,
 * cookieless visitors, companies, currencies and values full of SQL metacharacters.
 *
 * Every event is described twice: as the tracker sends it (`track`) and as what it is (`truth`, a
 * SentEvent of the reference model, e.g. when it really happened, the channel its referrer makes).
 */

export type SiteLabel = 'A' | 'B' | 'C';

export const SITES: Record<SiteLabel, { timezone: string; domain: string }> = {
  A: { timezone: 'Europe/Berlin', domain: 'shop.example' },
  B: { timezone: 'Asia/Kolkata', domain: 'shop.example' },
  C: { timezone: 'Europe/Berlin', domain: 'shop.example' },
};

/** Site A's goals, created in this order: a purchase completes the first two, the first sets its amount. */
export const GOALS_A: Goal[] = [
  { name: 'Purchase', eventName: 'purchase', pagePattern: null, revenueProperty: null },
  { name: 'Order total', eventName: 'purchase', pagePattern: null, revenueProperty: 'total' },
  { name: 'Thank you', eventName: null, pagePattern: '/checkout/thank-you*', revenueProperty: null },
  { name: 'Checkout pages', eventName: null, pagePattern: '/checkout*', revenueProperty: null },
  { name: 'Sale', eventName: null, pagePattern: '/sale_*', revenueProperty: null },
  { name: 'Signup', eventName: 'signup', pagePattern: null, revenueProperty: null },
];
/** Site C's goals: the same names as A's, so a leak would show. B has none (conversions = valued events). */
export const GOALS_C: Goal[] = [
  { name: 'Purchase', eventName: 'purchase', pagePattern: null, revenueProperty: null },
  { name: 'Thank you', eventName: null, pagePattern: '/checkout/thank-you*', revenueProperty: null },
];

/** Company domains whose lead status the companies scorer has raised (the rest stay `cold`). */
export const HOT_COMPANIES: Record<SiteLabel, string[]> = {
  A: ['acme-corp.example'],
  B: [],
  C: ['globex.example'],
};

/** The clusters of days the random visits fall on: three weeks around each DST change. */
const CLUSTERS = [
  { first: '2026-03-16', days: 21 },
  { first: '2026-10-12', days: 21 },
];

interface Agent {
  userAgent: string;
  bot: boolean;
  webdriver?: boolean;
  device: string | null;
  browser: string | null;
  browserVersion: string | null;
  os: string | null;
  osVersion: string | null;
  screen: { w: number; h: number } | null;
}

/** User agents and what the ingestion's user-agent parser reads in them. */
export const AGENTS = {
  chrome: {
    userAgent:
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    bot: false,
    device: 'desktop',
    browser: 'Chrome',
    browserVersion: '131.0',
    os: 'Windows',
    osVersion: '10',
    screen: { w: 1920, h: 1080 },
  },
  iphone: {
    userAgent:
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
    bot: false,
    device: 'mobile',
    browser: 'Mobile Safari',
    browserVersion: '17.5',
    os: 'iOS',
    osVersion: '17.5',
    screen: { w: 390, h: 844 },
  },
  firefox: {
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
    bot: false,
    device: 'desktop',
    browser: 'Firefox',
    browserVersion: '133.0',
    os: 'Linux',
    osVersion: null,
    screen: { w: 2560, h: 1440 },
  },
  mac: {
    userAgent:
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
    bot: false,
    device: 'desktop',
    browser: 'Safari',
    browserVersion: '18.1',
    os: 'Mac OS',
    osVersion: '10.15.7',
    screen: { w: 1440, h: 900 },
  },
  tablet: {
    userAgent:
      'Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36',
    bot: false,
    device: 'tablet',
    browser: 'Chrome',
    browserVersion: '130.0',
    os: 'Android',
    osVersion: '14',
    screen: { w: 800, h: 1280 },
  },
  googlebot: {
    userAgent: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    bot: true,
    device: null,
    browser: null,
    browserVersion: null,
    os: null,
    osVersion: null,
    screen: null,
  },
  headless: {
    userAgent:
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36',
    bot: true,
    device: 'desktop',
    browser: 'Chrome Headless',
    browserVersion: '120.0',
    os: 'Linux',
    osVersion: null,
    screen: { w: 1280, h: 720 },
  },
} satisfies Record<string, Agent>;
type AgentName = keyof typeof AGENTS;
const HUMAN_AGENTS: AgentName[] = ['chrome', 'chrome', 'iphone', 'iphone', 'firefox', 'mac', 'tablet'];

interface Place {
  /** The first three parts of the visitors' IPv4 addresses (or an IPv6 /64), none without one. */
  prefix: string | null;
  country: string | null;
  region: string | null;
  city: string | null;
}

/** Where visitors are: what the offline database written by {@link geoDatabase} says of their address. */
const PLACES: Place[] = [
  { prefix: '85.10.3', country: 'DE', region: 'Bavaria', city: 'München' },
  { prefix: '91.20.4', country: 'DE', region: 'Berlin', city: 'Berlin' },
  { prefix: '62.40.5', country: 'AT', region: 'Vienna', city: 'Vienna' },
  { prefix: '24.50.6', country: 'US', region: 'New York', city: 'New York City' },
  { prefix: '49.200.7', country: 'IN', region: 'Maharashtra', city: 'Mumbai' },
  { prefix: '2.30.8', country: 'FR', region: null, city: null },
  { prefix: '2a01:4f8:10:20', country: 'DE', region: 'Saxony', city: 'Leipzig' },
  // In no network of the database, and no address at all (a server-side sender that passes none).
  { prefix: '45.33.9', country: null, region: null, city: null },
  { prefix: null, country: null, region: null, city: null },
];

/** The offline geography database the test app enriches addresses with (ip-location-db's schema). */
export function geoDatabase(): MmdbEntry[] {
  return [
    { network: '85.10.0.0/16', record: { country_code: 'DE', state1: 'Bavaria', city: 'München' } },
    { network: '91.20.0.0/16', record: { country_code: 'DE', state1: 'Berlin', city: 'Berlin' } },
    { network: '62.40.0.0/16', record: { country_code: 'AT', state1: 'Vienna', city: 'Vienna' } },
    { network: '24.50.0.0/16', record: { country_code: 'US', state1: 'New York', city: 'New York City' } },
    { network: '49.200.0.0/16', record: { country_code: 'IN', state1: 'Maharashtra', city: 'Mumbai' } },
    { network: '2.30.0.0/16', record: { country_code: 'FR' } },
    { network: '2a01:4f8::/32', record: { country_code: 'DE', state1: 'Saxony', city: 'Leipzig' } },
  ];
}

function addressIn(place: Place, host: number): string | undefined {
  if (place.prefix === null) return undefined;
  return place.prefix.includes(':') ? `${place.prefix}::${host.toString(16)}` : `${place.prefix}.${host}`;
}

interface Landing {
  /** Query string of the landing page (campaign tags, ad click ids). */
  query: string;
  referrer: string | null;
  /** The referrer as Beacon keeps it, its host and the channel, as the classification rules say. */
  keptReferrer: string | null;
  referrerHost: string | null;
  channel: string;
  utm: Utm;
  /** An ad click id on the URL (a campaign of its own only where ads consent keeps it). */
  clickId: string | null;
}

const NO_UTM: Utm = { source: null, medium: null, campaign: null, term: null, content: null };

function landing(fields: Partial<Landing> & { channel: string }): Landing {
  return {
    query: '',
    referrer: null,
    keptReferrer: fields.referrer ?? null,
    referrerHost: null,
    utm: NO_UTM,
    clickId: null,
    ...fields,
  };
}

const LANDINGS: Landing[] = [
  landing({ channel: 'direct' }),
  landing({ channel: 'direct' }),
  landing({ referrer: 'https://www.google.com/', referrerHost: 'google.com', channel: 'search' }),
  landing({ referrer: 'https://www.google.com/', referrerHost: 'google.com', channel: 'search' }),
  landing({ referrer: 'https://www.bing.com/search?q=beacon', referrerHost: 'bing.com', channel: 'search' }),
  landing({ referrer: 'https://m.facebook.com/', referrerHost: 'm.facebook.com', channel: 'social' }),
  landing({
    referrer: 'https://news.ycombinator.com/item?id=42',
    referrerHost: 'news.ycombinator.com',
    channel: 'social',
  }),
  landing({
    referrer: 'https://blog.partner.example/posts/7',
    referrerHost: 'blog.partner.example',
    channel: 'referral',
  }),
  landing({
    query: 'utm_source=newsletter&utm_medium=email&utm_campaign=spring%20sale',
    channel: 'email',
    utm: { ...NO_UTM, source: 'newsletter', medium: 'email', campaign: 'spring sale' },
  }),
  landing({
    query: 'utm_source=google&utm_medium=cpc&utm_campaign=brand&utm_term=beacon+analytics&utm_content=ad-1',
    referrer: 'https://www.google.com/',
    referrerHost: 'google.com',
    channel: 'paid',
    utm: { source: 'google', medium: 'cpc', campaign: 'brand', term: 'beacon analytics', content: 'ad-1' },
  }),
  landing({
    query: 'utm_source=Newsletter&utm_medium=e-mail&utm_campaign=%C3%9Cber%20uns',
    channel: 'email',
    utm: { ...NO_UTM, source: 'Newsletter', medium: 'e-mail', campaign: 'Über uns' },
  }),
];

interface Page {
  host: string;
  path: string;
}

const page = (path: string, host = 'shop.example'): Page => ({ host, path });
const ENTRY_PAGES = [page('/'), page('/'), page('/pricing'), page('/blog/launch-week', 'blog.shop.example')];
const PAGES = [
  page('/'),
  page('/pricing'),
  page('/pricing'),
  page('/features'),
  page('/blog/', 'blog.shop.example'),
  page('/blog/launch-week', 'blog.shop.example'),
  page('/blog/Pricing-Changes', 'blog.shop.example'),
  page('/docs/getting-started'),
  page('/sale_2026'),
  page('/salex'),
  page('/caf%C3%A9'),
  page('/landing/spring'),
];
/** Coupon codes full of what SQL, LIKE and JSON treat specially. */
export const COUPONS = [
  '50%OFF',
  '50_OFF',
  '50-OFF',
  'back\\slash',
  "o'neil",
  'Ünïcode €',
  'emoji 🛒',
  '=1+1',
  'say "hi", ok',
];
const PLANS = ['free', 'team', 'pro'];
const LANGUAGES = ['de-DE', 'de-DE', 'en-US', 'en-GB', 'hi-IN', null];

/** A seeded generator (mulberry32): the same set on every run. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (below: number) => Math.floor(next() * below),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    chance: (probability: number) => next() < probability,
  };
}
type Random = ReturnType<typeof random>;

/** One event to send: what the tracker puts in the request, and what the event is. */
export interface PlannedEvent {
  track: Record<string, unknown>;
  truth: SentEvent;
}

/** One ingestion request: a tracker flush, an offline queue, or a server-side batch. */
export interface PlannedRequest {
  site: SiteLabel;
  receivedAt: number;
  /** How far the client's clock is off: its `ts` and `sentAt` are both shifted by this. */
  skew: number;
  ip: string | undefined;
  userAgent: string;
  events: PlannedEvent[];
}

interface Visitor {
  site: SiteLabel;
  /** The id the tracker sends; undefined for cookieless visitors (no analytics consent). */
  id: string | undefined;
  agent: Agent;
  place: Place;
  ip: string | undefined;
  language: string | null;
  adsConsent: boolean;
  skew: number;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const utcDay = (instant: number) => new Date(instant).toISOString().slice(0, 10);

/** Builds the events of one request of one visitor, step by step in time. */
class VisitBuilder {
  readonly events: PlannedEvent[] = [];
  private previous: { page: Page; query: string } | undefined;

  constructor(
    private readonly visitor: Visitor,
    private readonly nextEventId: () => string,
  ) {}

  private base(type: EventType, at: number, where: Page, query: string): PlannedEvent {
    const { visitor } = this;
    const eventId = this.nextEventId();
    const url = `https://${where.host}${where.path}${query === '' ? '' : `?${query}`}`;
    const track: Record<string, unknown> = {
      type,
      url,
      eventId,
      consent: { analytics: visitor.id !== undefined, ads: visitor.adsConsent },
      ...(visitor.id === undefined ? {} : { visitorId: visitor.id }),
      ...(visitor.agent.screen === null || type === 'identify' ? {} : { screen: visitor.agent.screen }),
      ...(visitor.language === null ? {} : { lang: visitor.language }),
      ...(visitor.agent.webdriver === true ? { webdriver: true } : {}),
    };
    const truth: SentEvent = {
      eventId,
      type,
      name: null,
      at,
      visitor: visitor.id ?? '',
      bot: visitor.agent.bot || visitor.agent.webdriver === true,
      path: where.path,
      hostname: where.host.toLowerCase(),
      referrer: null,
      referrerHost: null,
      channel: 'direct',
      utm: NO_UTM,
      clickId: null,
      country: visitor.place.country,
      region: visitor.place.region,
      city: visitor.place.city,
      device: visitor.agent.device,
      browser: visitor.agent.browser,
      browserVersion: visitor.agent.browserVersion,
      os: visitor.agent.os,
      osVersion: visitor.agent.osVersion,
      screen:
        visitor.agent.screen === null || type === 'identify'
          ? null
          : `${visitor.agent.screen.w}x${visitor.agent.screen.h}`,
      language: visitor.language,
      props: null,
      value: null,
      currency: null,
      company: null,
    };
    return { track, truth };
  }

  /** A page view, from a landing source or (without one) from the previous page of the visit. */
  view(at: number, where: Page, source?: Landing): this {
    const query = source?.query ?? '';
    const event = this.base('pageview', at, where, query);
    if (source !== undefined) {
      if (source.referrer !== null) event.track.referrer = source.referrer;
      Object.assign(event.truth, {
        referrer: source.keptReferrer,
        referrerHost: source.referrerHost,
        channel: source.channel,
        utm: source.utm,
        clickId: this.visitor.adsConsent ? source.clickId : null,
      });
    } else if (this.previous !== undefined) {
      const from = this.previous.page;
      event.track.referrer = `https://${from.host}${from.path}${this.previous.query === '' ? '' : `?${this.previous.query}`}`;
      Object.assign(event.truth, {
        // Campaign tags and click ids never stay in a kept URL.
        referrer: `https://${from.host}${from.path}`,
        referrerHost: from.host,
        channel: 'internal',
      });
    }
    this.previous = { page: where, query };
    this.events.push(event);
    return this;
  }

  /** A custom event on the current page. */
  custom(
    at: number,
    name: string,
    props: Record<string, string | number | boolean> | null,
    amount?: { value: number; currency?: string },
  ): this {
    const event = this.base('event', at, this.previous?.page ?? page('/'), '');
    event.track.name = name;
    event.truth.name = name;
    if (props !== null) {
      event.track.props = props;
      event.truth.props = props;
    }
    if (amount !== undefined) {
      event.track.value = amount.value;
      event.truth.value = String(amount.value);
      if (amount.currency !== undefined) {
        event.track.currency = amount.currency;
        event.truth.currency = amount.currency.toUpperCase();
      }
    }
    this.events.push(event);
    return this;
  }

  /** An identify event with an email: a work address names the visitor's company. */
  identify(at: number, email: string, company: string | null): this {
    const event = this.base('identify', at, this.previous?.page ?? page('/'), '');
    event.track.user = { email };
    event.truth.company = company;
    this.events.push(event);
    return this;
  }

  /** The same event sent twice in the request (a retry inside the tracker's queue). */
  repeatLast(): this {
    this.events.push(this.events.at(-1)!);
    return this;
  }

  get last(): number {
    return Math.max(...this.events.map((event) => event.truth.at));
  }
}

class DataSet {
  readonly requests: PlannedRequest[] = [];
  private counters = new Map<SiteLabel, number>();

  nextEventId(site: SiteLabel): () => string {
    return () => {
      const next = (this.counters.get(site) ?? 0) + 1;
      this.counters.set(site, next);
      // The same ids on every site: eventIds are unique per site only.
      return `e-${next}`;
    };
  }

  /** A request of a visitor; `arrival` says when Beacon receives it, from the time of its last event. */
  visit(
    visitor: Visitor,
    arrival: number | ((last: number) => number),
    build: (visit: VisitBuilder) => void,
  ) {
    const builder = new VisitBuilder(visitor, this.nextEventId(visitor.site));
    build(builder);
    const receivedAt = typeof arrival === 'number' ? arrival : arrival(builder.last);
    // A cookieless visitor is a hash of the salt of the UTC day of arrival, the address and the browser.
    const key =
      visitor.id ?? `cookieless ${visitor.ip ?? '-'} ${visitor.agent.userAgent} ${utcDay(receivedAt)}`;
    for (const event of builder.events) event.truth.visitor = key;
    this.requests.push({
      site: visitor.site,
      receivedAt,
      skew: visitor.skew,
      ip: visitor.ip,
      userAgent: visitor.agent.userAgent,
      events: builder.events,
    });
  }
}

function visitor(
  site: SiteLabel,
  id: string | undefined,
  agent: Agent,
  place: Place,
  options: { host?: number; language?: string | null; adsConsent?: boolean; skew?: number } = {},
): Visitor {
  return {
    site,
    id,
    agent,
    place,
    ip: addressIn(place, options.host ?? 10),
    language: options.language === undefined ? 'de-DE' : options.language,
    adsConsent: options.adsConsent ?? false,
    skew: options.skew ?? 0,
  };
}

const at = (iso: string) => Date.parse(iso);
const placeIn = (country: string | null, city?: string) =>
  PLACES.find((place) => place.country === country && (city === undefined || place.city === city))!;

/** The written-out edges of site A (instants in UTC, Berlin's wall clock in the comments). */
function scenariosOfA(data: DataSet) {
  const berlin = placeIn('DE', 'Berlin');
  // A session from 23:50 on 28 March into the DST day, then one across the skipped hour: 01:50 CET
  // and 03:05 CEST are 15 minutes apart.
  data.visit(visitor('A', 'owl', AGENTS.chrome, berlin, { host: 11 }), at('2026-03-29T01:40:07Z'), (v) =>
    v
      .view(at('2026-03-28T22:50:00Z'), page('/'), LANDINGS[0])
      .view(at('2026-03-28T22:58:00Z'), page('/pricing'))
      .view(at('2026-03-28T23:10:00Z'), page('/features'))
      .custom(at('2026-03-28T23:25:00Z'), 'signup', { plan: 'pro' })
      .view(at('2026-03-29T00:50:00Z'), page('/blog/', 'blog.shop.example'), LANDINGS[2])
      .view(at('2026-03-29T01:05:00Z'), page('/blog/launch-week', 'blog.shop.example'))
      .view(at('2026-03-29T01:40:00Z'), page('/pricing')),
  );
  // The repeated hour of 25 October: 02:10 CEST and, 50 minutes later, 02:10 CET start two sessions.
  data.visit(
    visitor('A', 'repeat', AGENTS.iphone, placeIn('AT'), { host: 12, language: 'en-GB' }),
    at('2026-10-25T01:27:00Z'),
    (v) =>
      v
        .view(at('2026-10-25T00:10:00Z'), page('/'), LANDINGS[5])
        .view(at('2026-10-25T00:20:00Z'), page('/pricing'))
        .view(at('2026-10-25T01:10:00Z'), page('/'))
        .view(at('2026-10-25T01:25:00Z'), page('/checkout'))
        .custom(
          at('2026-10-25T01:26:00Z'),
          'purchase',
          { plan: 'team', total: 30 },
          { value: 30, currency: 'usd' },
        )
        .view(at('2026-10-25T01:26:30Z'), page('/checkout/thank-you')),
  );
  // A late batch: 23:40–23:55 CEST on 24 October, sent at 01:30 on the 25th by a client whose clock
  // runs 2 h 17 min fast. It belongs to the 24th.
  data.visit(
    visitor('A', 'commuter', AGENTS.tablet, placeIn('DE', 'München'), {
      host: 13,
      skew: 2 * HOUR + 17 * MINUTE,
    }),
    at('2026-10-24T23:30:00Z'),
    (v) =>
      v
        .view(at('2026-10-24T21:40:00Z'), page('/'), LANDINGS[8])
        .view(at('2026-10-24T21:44:00Z'), page('/sale_2026'))
        .view(at('2026-10-24T21:47:00Z'), page('/salex'))
        .custom(at('2026-10-24T21:55:00Z'), 'coupon_applied', { coupon: '50%OFF' }),
  );
  // Queued on a train on 20 March (18:00–18:20 CET), sent the next morning by a clock 5 minutes slow.
  data.visit(
    visitor('A', 'train', AGENTS.firefox, placeIn('FR'), { host: 14, language: 'en-US', skew: -5 * MINUTE }),
    at('2026-03-21T07:00:00Z'),
    (v) =>
      v
        .view(at('2026-03-20T17:00:00Z'), page('/docs/getting-started'), LANDINGS[7])
        .custom(at('2026-03-20T17:06:00Z'), 'download', { file: 'whitepaper.pdf' })
        .view(at('2026-03-20T17:20:00Z'), page('/pricing')),
  );
  // Bots: a crawler, a headless browser, and a real browser under automation (webdriver), converting.
  const crawler = visitor('A', 'crawler', AGENTS.googlebot, placeIn('US'), { host: 15, language: null });
  for (const day of ['2026-03-29', '2026-10-25', '2026-10-20']) {
    data.visit(
      crawler,
      (last) => last + 2 * SECOND,
      (v) => {
        const start = at(`${day}T00:30:00Z`);
        v.view(start, page('/'), LANDINGS[0]);
        ['/pricing', '/features', '/blog/', '/checkout/thank-you', '/sale_2026'].forEach((path, index) =>
          v.view(start + (index + 1) * 20 * SECOND, page(path)),
        );
        v.custom(
          start + 3 * MINUTE,
          'purchase',
          { plan: 'pro', total: '99.00' },
          { value: 99, currency: 'EUR' },
        );
      },
    );
  }
  data.visit(
    visitor('A', 'headless', AGENTS.headless, placeIn('IN'), { host: 16, language: 'en-US' }),
    (last) => last + SECOND,
    (v) =>
      v
        .view(at('2026-10-20T10:00:00Z'), page('/'), LANDINGS[2])
        .view(at('2026-10-20T10:00:05Z'), page('/pricing'))
        .custom(at('2026-10-20T10:00:09Z'), 'signup', { plan: 'free' }),
  );
  data.visit(
    visitor('A', 'selenium', { ...AGENTS.chrome, webdriver: true }, berlin, { host: 17 }),
    (last) => last + SECOND,
    (v) =>
      v
        .view(at('2026-03-25T09:00:00Z'), page('/checkout'), LANDINGS[9])
        .custom(
          at('2026-03-25T09:00:30Z'),
          'purchase',
          { plan: 'pro', total: 500 },
          { value: 500, currency: 'EUR' },
        )
        .view(at('2026-03-25T09:00:40Z'), page('/checkout/thank-you')),
  );
  // Campaigns within 30 minutes: a newsletter click starts a session, the same campaign again does
  // not, an ad click (kept under ads consent) does.
  data.visit(
    visitor('A', 'clicker', AGENTS.mac, berlin, { host: 18, adsConsent: true, language: 'en-US' }),
    (last) => last + 5 * SECOND,
    (v) =>
      v
        .view(at('2026-10-20T08:00:00Z'), page('/'), LANDINGS[0])
        .view(at('2026-10-20T08:05:00Z'), page('/pricing'))
        .view(at('2026-10-20T08:12:00Z'), page('/landing/spring'), CAMPAIGN_AUTUMN)
        .view(at('2026-10-20T08:15:00Z'), page('/pricing'))
        .view(at('2026-10-20T08:20:00Z'), page('/landing/spring'), CAMPAIGN_AUTUMN)
        .view(at('2026-10-20T08:25:00Z'), page('/'), AD_CLICK)
        .view(at('2026-10-20T08:30:00Z'), page('/pricing')),
  );
  // The same ad click without ads consent: the click id is not kept, so it is no campaign of its own.
  data.visit(
    visitor('A', 'clicker-no-ads', AGENTS.chrome, placeIn('AT'), { host: 19 }),
    (last) => last + 5 * SECOND,
    (v) =>
      v
        .view(at('2026-10-21T09:00:00Z'), page('/'), LANDINGS[2])
        .view(at('2026-10-21T09:10:00Z'), page('/'), AD_CLICK)
        .view(at('2026-10-21T09:12:00Z'), page('/features')),
  );
  // 30 minutes exactly continue a session, 30 minutes and a second do not.
  data.visit(
    visitor('A', 'edge', AGENTS.firefox, placeIn('US'), { host: 20, language: 'en-US' }),
    (last) => last + 3 * SECOND,
    (v) =>
      v
        .view(at('2026-10-22T10:00:00Z'), page('/'), LANDINGS[4])
        .view(at('2026-10-22T10:30:00Z'), page('/features'))
        .view(at('2026-10-22T11:00:01Z'), page('/pricing')),
  );
  // Cookieless (no analytics consent): one visitor per address, browser and UTC day of arrival, so
  // 01:30 CEST on the 24th still counts with the 23rd, 02:30 CEST does not.
  const cookieless = visitor('A', undefined, AGENTS.mac, placeIn('AT'), { host: 99, language: 'de-AT' });
  data.visit(
    cookieless,
    (last) => last + 5 * SECOND,
    (v) =>
      v
        .view(at('2026-10-23T09:00:00Z'), page('/'), LANDINGS[3])
        .view(at('2026-10-23T09:10:00Z'), page('/pricing')),
  );
  data.visit(
    cookieless,
    (last) => last + 3 * SECOND,
    (v) => v.view(at('2026-10-23T15:00:00Z'), page('/features'), LANDINGS[0]),
  );
  data.visit(
    cookieless,
    (last) => last + 3 * SECOND,
    (v) => v.view(at('2026-10-23T23:30:00Z'), page('/blog/', 'blog.shop.example'), LANDINGS[0]),
  );
  data.visit(
    cookieless,
    (last) => last + 3 * SECOND,
    (v) => v.view(at('2026-10-24T00:30:00Z'), page('/pricing'), LANDINGS[0]),
  );
  // Companies: a work address names the company of the whole session, a free-mail one nothing.
  data.visit(
    visitor('A', 'buyer', AGENTS.chrome, berlin, { host: 21 }),
    (last) => last + 4 * SECOND,
    (v) =>
      v
        .view(at('2026-10-19T13:00:00Z'), page('/pricing'), LANDINGS[7])
        .identify(at('2026-10-19T13:02:00Z'), 'jane.doe@acme-corp.example', 'acme-corp.example')
        .view(at('2026-10-19T13:05:00Z'), page('/checkout'))
        .custom(
          at('2026-10-19T13:06:00Z'),
          'purchase',
          { plan: 'team', total: '120.00' },
          { value: 120, currency: 'EUR' },
        )
        .view(at('2026-10-19T13:06:20Z'), page('/checkout/thank-you')),
  );
  data.visit(
    visitor('A', 'freemail', AGENTS.iphone, placeIn('US'), { host: 22 }),
    (last) => last + 4 * SECOND,
    (v) =>
      v
        .view(at('2026-10-19T15:00:00Z'), page('/'), LANDINGS[6])
        .identify(at('2026-10-19T15:01:00Z'), 'bob@gmail.com', null),
  );
  data.visit(
    visitor('A', 'globex', AGENTS.tablet, placeIn('DE', 'Leipzig'), { host: 23 }),
    (last) => last + 4 * SECOND,
    (v) =>
      v
        .view(at('2026-03-26T10:00:00Z'), page('/features'), LANDINGS[1])
        .view(at('2026-03-26T10:03:00Z'), page('/pricing'))
        .identify(at('2026-03-26T10:04:00Z'), 'ann@globex.example', 'globex.example'),
  );
  // Housekeeping events do not save a visit from bouncing; a download does.
  data.visit(
    visitor('A', 'skimmer', AGENTS.iphone, placeIn('IN'), { host: 24, language: 'hi-IN' }),
    (last) => last + 2 * SECOND,
    (v) =>
      v
        .view(at('2026-03-24T08:00:00Z'), page('/blog/launch-week', 'blog.shop.example'), LANDINGS[5])
        .custom(at('2026-03-24T08:00:40Z'), '$engagement', { seconds: 40 }),
  );
  data.visit(
    visitor('A', 'reader', AGENTS.mac, placeIn('DE', 'München'), { host: 25 }),
    (last) => last + 2 * SECOND,
    (v) =>
      v
        .view(at('2026-03-24T09:00:00Z'), page('/docs/getting-started'), LANDINGS[1])
        .custom(at('2026-03-24T09:01:10Z'), 'download', { file: 'guide.pdf' })
        .custom(at('2026-03-24T09:02:00Z'), 'coupon_applied', { coupon: 'emoji 🛒' }),
  );
  // Amounts without a currency (XXX), a revenue property that is no number, one that is a number.
  data.visit(
    visitor('A', 'anon-buyer', AGENTS.firefox, placeIn(null), { host: 26, language: null }),
    (last) => last + 2 * SECOND,
    (v) =>
      v
        .view(at('2026-10-22T16:00:00Z'), page('/checkout'), LANDINGS[0])
        .custom(at('2026-10-22T16:01:00Z'), 'purchase', { plan: 'free', total: 'n/a' }, { value: 15 })
        .view(at('2026-10-22T16:01:10Z'), page('/checkout/thank-you')),
  );
  data.visit(
    visitor('A', 'dollar', AGENTS.chrome, placeIn('US'), { host: 27, language: 'en-US' }),
    (last) => last + 2 * SECOND,
    (v) =>
      v
        .view(at('2026-03-27T19:00:00Z'), page('/caf%C3%A9'), LANDINGS[10])
        .view(at('2026-03-27T19:02:00Z'), page('/checkout'))
        .custom(
          at('2026-03-27T19:03:00Z'),
          'purchase',
          { plan: 'pro', total: 45.5 },
          { value: 45.5, currency: 'USD' },
        )
        .repeatLast()
        .view(at('2026-03-27T19:03:30Z'), page('/checkout/thank-you')),
  );
}

const CAMPAIGN_AUTUMN = landing({
  query: 'utm_source=newsletter&utm_medium=email&utm_campaign=autumn%20deals',
  channel: 'email',
  utm: { ...NO_UTM, source: 'newsletter', medium: 'email', campaign: 'autumn deals' },
});
const AD_CLICK = landing({
  query: 'gclid=Cj0KCQiA-test',
  referrer: 'https://www.google.com/',
  referrerHost: 'google.com',
  channel: 'paid',
  clickId: 'Cj0KCQiA-test',
});

/** Site B's edges: Kolkata is 5 h 30 min ahead, so its local hours start at half past in UTC. */
function scenariosOfB(data: DataSet) {
  data.visit(
    visitor('B', 'owl', AGENTS.iphone, placeIn('IN'), { host: 40, language: 'hi-IN' }),
    (last) => last + 9 * SECOND,
    (v) =>
      v
        .view(at('2026-10-24T18:20:00Z'), page('/'), LANDINGS[2])
        .view(at('2026-10-24T18:40:00Z'), page('/pricing'))
        .custom(at('2026-10-24T18:45:00Z'), 'purchase', { plan: 'team' }, { value: 1999, currency: 'INR' })
        .custom(at('2026-10-24T18:50:00Z'), 'donation', null, { value: 5 })
        .view(at('2026-10-24T18:59:59Z'), page('/only-b')),
  );
}

/** Site C's values found nowhere else: filters for them must find nothing in A. */
function scenariosOfC(data: DataSet) {
  data.visit(
    visitor('C', 'v01', AGENTS.chrome, placeIn('DE', 'Berlin'), { host: 50 }),
    (last) => last + 9 * SECOND,
    (v) =>
      v
        .view(at('2026-10-20T12:00:00Z'), page('/only-c'), ONLY_C_CAMPAIGN)
        .identify(at('2026-10-20T12:01:00Z'), 'spy@acme-corp.example', 'acme-corp.example')
        .custom(at('2026-10-20T12:02:00Z'), 'only-c', { coupon: 'c-secret', plan: 'c-plan' })
        .custom(
          at('2026-10-20T12:03:00Z'),
          'purchase',
          { plan: 'pro', total: 7777 },
          { value: 7777, currency: 'EUR' },
        ),
  );
}

const ONLY_C_CAMPAIGN = landing({
  query: 'utm_source=c-source&utm_medium=cpc&utm_campaign=c-campaign',
  channel: 'paid',
  utm: { ...NO_UTM, source: 'c-source', medium: 'cpc', campaign: 'c-campaign' },
});

/** Seeded-random visits: 1 to 4 per visitor on distinct days, each sent as one request. */
function randomVisits(data: DataSet, site: SiteLabel, seed: number, visitors: number) {
  const rng = random(seed);
  const days = CLUSTERS.flatMap((cluster) =>
    Array.from({ length: cluster.days }, (_, index) => addDays(cluster.first, index)),
  );
  const { timezone } = SITES[site];
  for (let number = 1; number <= visitors; number++) {
    const id = `v${String(number).padStart(2, '0')}`;
    const profile = visitor(
      site,
      rng.chance(0.1) ? undefined : id,
      AGENTS[rng.pick(HUMAN_AGENTS)],
      rng.pick(PLACES),
      {
        host: number,
        language: rng.pick(LANGUAGES),
        adsConsent: rng.chance(0.3),
        skew: rng.chance(0.3) ? (rng.int(6 * 3600) - 3 * 3600) * SECOND : 0,
      },
    );
    const visitDays = new Set<string>();
    const count = 1 + rng.int(4);
    while (visitDays.size < count) visitDays.add(rng.pick(days));
    // Visits more than 30 minutes apart: a visitor's requests never share a session.
    let earliest = 0;
    for (const day of [...visitDays].sort()) {
      const hour = rng.chance(0.15) ? rng.pick([0, 1, 2, 22, 23]) : 7 + rng.int(15);
      const start = Math.max(
        startOfLocalDay(day, timezone) + hour * HOUR + rng.int(60) * MINUTE + rng.int(60) * SECOND,
        earliest,
      );
      const late = rng.chance(0.12);
      data.visit(
        profile,
        (last) => last + (late ? (2 + rng.int(18)) * HOUR : (1 + rng.int(20)) * SECOND),
        (v) => scriptVisit(v, rng, start),
      );
      earliest =
        data.requests.at(-1)!.events.reduce((last, event) => Math.max(last, event.truth.at), 0) + 31 * MINUTE;
    }
  }
}

const AMOUNTS = [19, 49.5, 99.99, 120, 7.1];

/** One visit: a landing, then page views, custom events and now and then a checkout. */
function scriptVisit(v: VisitBuilder, rng: Random, start: number) {
  let time = start;
  v.view(time, rng.pick(ENTRY_PAGES), rng.pick(LANDINGS));
  const steps = rng.int(7);
  for (let step = 0; step < steps; step++) {
    const pause = rng.next();
    // Now and then a pause past 30 minutes: the rest of the request is a session of its own.
    time +=
      pause < 0.07
        ? (31 + rng.int(50)) * MINUTE
        : pause < 0.15
          ? (7 + rng.int(20)) * MINUTE
          : (10 + rng.int(300)) * SECOND;
    const action = rng.next();
    if (action < 0.6) v.view(time, rng.pick(PAGES));
    else if (action < 0.68) v.custom(time, 'download', { file: rng.pick(['guide.pdf', 'whitepaper.pdf']) });
    else if (action < 0.72) v.custom(time, 'video_play', { video: 'intro', autoplay: rng.chance(0.5) });
    else if (action < 0.78) v.custom(time, '$engagement', { seconds: 5 + rng.int(120) });
    else if (action < 0.84) v.custom(time, 'coupon_applied', { coupon: rng.pick(COUPONS) });
    else if (action < 0.9) v.custom(time, 'signup', { plan: rng.pick(PLANS) });
    else {
      const value = rng.pick(AMOUNTS);
      const roll = rng.next();
      const currency = roll < 0.6 ? 'EUR' : roll < 0.9 ? 'USD' : undefined;
      const total = rng.pick<string | number>([value, value.toFixed(2), 'n/a']);
      v.view(time, page('/checkout'));
      time += (20 + rng.int(60)) * SECOND;
      v.custom(time, 'purchase', { plan: rng.pick(PLANS), total }, { value, currency });
      time += (5 + rng.int(20)) * SECOND;
      v.view(time, page('/checkout/thank-you'));
    }
    if (rng.chance(0.04)) v.repeatLast();
  }
}

/**
 * Requests sent again later (a client that timed out before our answer), some with what the client
 * changed since: every event is a duplicate, and the first one sent is what counts.
 */
function resend(data: DataSet, seed: number, perSite: Record<SiteLabel, number>) {
  const rng = random(seed);
  for (const site of ['A', 'B', 'C'] as const) {
    const candidates = data.requests.filter((request) => request.site === site);
    for (let index = 0; index < perSite[site]; index++) {
      const original = rng.pick(candidates);
      const altered = rng.chance(0.5);
      data.requests.push({
        ...original,
        receivedAt: original.receivedAt + (1 + rng.int(47)) * HOUR,
        events: original.events.map(({ track, truth }) => ({
          track: altered && track.value !== undefined ? { ...track, value: 1 } : track,
          truth: altered
            ? { ...truth, at: truth.at + 7 * SECOND, value: truth.value === null ? null : '1' }
            : truth,
        })),
      });
    }
  }
}

export interface DataSetPlan {
  /** Every request, in the order Beacon receives them. */
  requests: PlannedRequest[];
}

/** The whole known event set, the same on every run. */
export function referenceDataSet(): DataSetPlan {
  const data = new DataSet();
  randomVisits(data, 'A', 1, 40);
  scenariosOfA(data);
  randomVisits(data, 'B', 2, 25);
  scenariosOfB(data);
  randomVisits(data, 'C', 3, 25);
  scenariosOfC(data);
  resend(data, 4, { A: 5, B: 2, C: 2 });
  return { requests: [...data.requests].sort((a, b) => a.receivedAt - b.receivedAt) };
}

/**
 * The requests in waves sent together: never two of one visitor of a site (the writer would put them
 * in one transaction and sessionise them together), nor two carrying the same eventId (which one
 * came first would be left to chance). Waves go in order of arrival.
 */
export function inWaves(requests: readonly PlannedRequest[], size: number): PlannedRequest[][] {
  const waves: PlannedRequest[][] = [];
  let wave: PlannedRequest[] = [];
  let keys = new Set<string>();
  for (const request of requests) {
    const own = [
      `${request.site} visitor ${request.events[0]!.truth.visitor}`,
      ...request.events.map((event) => `${request.site} event ${event.truth.eventId}`),
    ];
    if (wave.length >= size || own.some((key) => keys.has(key))) {
      waves.push(wave);
      wave = [];
      keys = new Set();
    }
    wave.push(request);
    for (const key of own) keys.add(key);
  }
  if (wave.length > 0) waves.push(wave);
  return waves;
}

/** Every address the data set sends from, to warm the enrichment cache with. */
export function addressesOf(requests: readonly PlannedRequest[]): string[] {
  return [...new Set(requests.flatMap((request) => (request.ip === undefined ? [] : [request.ip])))];
}
