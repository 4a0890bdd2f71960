import { randomUUID } from 'node:crypto';

/**
 * Page views and events as the tracker sends them from many browsers: what makes Beacon's per-event
 * work realistic is variety (user-agent parsing, URL and referrer classification, cookieless ids per
 * IP, sessions continuing per visitor), so none of it may collapse into a cache hit on one value.
 * The pools are built from a fixed seed, so runs see the same visitors and pages; event ids are
 * random, so nothing is ever a duplicate.
 */

export const BENCH_DOMAIN = 'bench.example';
export const ORIGIN = `https://${BENCH_DOMAIN}`;

export function seededRandom(seed: number) {
  // mulberry32: tiny, fast and good enough to spread picks; reproducible unlike Math.random.
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Random = () => number;

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

function weighted<T>(random: Random, items: ReadonlyArray<readonly [T, number]>): T {
  const total = items.reduce((sum, [, weight]) => sum + weight, 0);
  let roll = random() * total;
  for (const [item, weight] of items) {
    roll -= weight;
    if (roll < 0) return item;
  }
  return items[items.length - 1]![0];
}

interface Device {
  userAgent: string;
  mobile: boolean;
  bot: boolean;
}

const desktop = (userAgent: string): Device => ({ userAgent, mobile: false, bot: false });
const mobile = (userAgent: string): Device => ({ userAgent, mobile: true, bot: false });
const bot = (userAgent: string): Device => ({ userAgent, mobile: false, bot: true });

/** 50 agents: the browsers of a typical European B2B/B2C site, plus the crawlers that run JavaScript. */
const DEVICES: readonly Device[] = [
  desktop(
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  ),
  desktop(
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36',
  ),
  desktop(
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36',
  ),
  desktop(
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  ),
  desktop(
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  ),
  desktop(
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36',
  ),
  desktop(
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  ),
  desktop(
    'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  ),
  desktop(
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
  ),
  desktop(
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0',
  ),
  desktop(
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
  ),
  desktop(
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0',
  ),
  desktop('Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0'),
  desktop('Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0'),
  desktop('Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0'),
  desktop('Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0'),
  desktop('Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'),
  desktop(
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  ),
  desktop(
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15',
  ),
  desktop(
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.0.0 YaBrowser/24.10.0.0 Safari/537.36',
  ),
  mobile(
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  ),
  mobile(
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1',
  ),
  mobile(
    'Mozilla/5.0 (iPhone; CPU iPhone OS 16_7_10 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1',
  ),
  mobile(
    'Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  ),
  mobile(
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1',
  ),
  mobile(
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/133.0 Mobile/15E148 Safari/605.1.15',
  ),
  mobile(
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/22B83 [FBAN/FBIOS;FBAV/489.0.0.42.107;FBBV/654321;FBDV/iPhone15,2;FBMD/iPhone;FBSN/iOS;FBSV/18.1;FBSS/3;FBCR/;FBID/phone;FBLC/de_DE;FBOP/80]',
  ),
  mobile(
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 357.0.0.25.101 (iPhone14,5; iOS 17_6; de_DE; de; scale=3.00; 1170x2532; 658790345)',
  ),
  mobile(
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  ),
  mobile(
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.81 Mobile Safari/537.36',
  ),
  mobile(
    'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.6723.107 Mobile Safari/537.36',
  ),
  mobile(
    'Mozilla/5.0 (Linux; Android 13; SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36',
  ),
  mobile(
    'Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-G991B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/27.0 Chrome/125.0.0.0 Mobile Safari/537.36',
  ),
  mobile(
    'Mozilla/5.0 (Linux; Android 13; 2201117TY) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.6668.100 Mobile Safari/537.36',
  ),
  mobile(
    'Mozilla/5.0 (Linux; Android 12; moto g(60)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  ),
  mobile('Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0'),
  mobile(
    'Mozilla/5.0 (Linux; Android 14; Pixel 7 Build/AP2A.240905.003; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/131.0.6778.39 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/490.0.0.54.83;]',
  ),
  mobile(
    'Mozilla/5.0 (Linux; Android 13; Tab S8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  ),
  mobile(
    'Mozilla/5.0 (Linux; Android 11; Redmi Note 9 Pro) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.0.0 Mobile Safari/537.36 OPR/85.0.0.0',
  ),
  mobile(
    'Mozilla/5.0 (Linux; U; Android 12; en-US; RMX3085 Build/SP1A.210812.016) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/100.0.4896.58 UCBrowser/13.4.0.1306 Mobile Safari/537.36',
  ),
  bot(
    'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.69 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  ),
  bot(
    'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36',
  ),
  bot('Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)'),
  bot('Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)'),
  bot(
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36',
  ),
  bot(
    'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)',
  ),
  bot(
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)',
  ),
  bot('facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)'),
  bot('python-requests/2.32.3'),
  bot('Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)'),
];

const HUMANS = DEVICES.filter((device) => !device.bot);
const BOTS = DEVICES.filter((device) => device.bot);

const LOCALES = [
  ['de-DE', 'Europe/Berlin', 'de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7'],
  ['de-AT', 'Europe/Vienna', 'de-AT,de;q=0.9,en;q=0.8'],
  ['de-CH', 'Europe/Zurich', 'de-CH,de;q=0.9,fr;q=0.7,en;q=0.6'],
  ['en-US', 'America/New_York', 'en-US,en;q=0.9'],
  ['en-US', 'America/Los_Angeles', 'en-US,en;q=0.9'],
  ['en-GB', 'Europe/London', 'en-GB,en;q=0.9'],
  ['fr-FR', 'Europe/Paris', 'fr-FR,fr;q=0.9,en;q=0.8'],
  ['nl-NL', 'Europe/Amsterdam', 'nl-NL,nl;q=0.9,en;q=0.8'],
  ['es-ES', 'Europe/Madrid', 'es-ES,es;q=0.9'],
  ['it-IT', 'Europe/Rome', 'it-IT,it;q=0.9,en;q=0.8'],
  ['pl-PL', 'Europe/Warsaw', 'pl-PL,pl;q=0.9,en;q=0.8'],
] as const;

const DESKTOP_SCREENS: ReadonlyArray<readonly [number, number]> = [
  [1920, 1080],
  [2560, 1440],
  [1536, 864],
  [1440, 900],
  [1366, 768],
  [3840, 2160],
  [1680, 1050],
];
const MOBILE_SCREENS: ReadonlyArray<readonly [number, number]> = [
  [390, 844],
  [393, 873],
  [430, 932],
  [412, 915],
  [360, 800],
  [375, 667],
  [820, 1180],
];

const REFERRERS: ReadonlyArray<readonly [string | 'internal' | undefined, number]> = [
  [undefined, 35],
  ['internal', 30],
  ['https://www.google.com/', 18],
  ['https://www.google.de/', 4],
  ['https://l.facebook.com/', 4],
  ['https://www.bing.com/', 2],
  ['https://duckduckgo.com/', 2],
  ['https://t.co/', 1],
  ['https://www.linkedin.com/', 1],
  ['https://news.ycombinator.com/', 1],
  ['android-app://com.google.android.gm/', 1],
];

const CAMPAIGNS = [
  ['newsletter', 'email', 'winter-sale'],
  ['google', 'cpc', 'brand'],
  ['google', 'cpc', 'generic-shoes'],
  ['facebook', 'paid_social', 'retargeting'],
  ['linkedin', 'paid_social', 'b2b-leads'],
  ['partner', 'referral', 'affiliate-42'],
] as const;

/** ~200 paths: landing pages, a blog, a product catalogue and docs, as a typical client site has. */
function buildPaths(random: Random): string[] {
  const paths = ['/', '/pricing', '/about', '/contact', '/careers', '/blog', '/shop', '/docs', '/login'];
  const words = [
    'fast',
    'guide',
    'tracking',
    'privacy',
    'server',
    'consent',
    'growth',
    'setup',
    'ads',
    'data',
  ];
  for (let index = 0; index < 60; index++) {
    paths.push(`/blog/${pick(random, words)}-${pick(random, words)}-${2019 + (index % 7)}-${index}`);
  }
  const categories = ['shoes', 'jackets', 'bags', 'accessories', 'outdoor', 'kids', 'sale'];
  for (let index = 0; index < 90; index++) {
    paths.push(`/shop/${pick(random, categories)}/item-${10_000 + Math.floor(random() * 90_000)}`);
  }
  for (let index = 0; index < 41; index++) {
    paths.push(`/docs/${pick(random, ['start', 'api', 'guides', 'faq'])}/${pick(random, words)}-${index}`);
  }
  return paths;
}

/** The shape of the tracker's ids (crypto.randomUUID in the browser), from the seeded stream. */
function seededUuid(random: Random): string {
  const hex = (digits: number) =>
    Array.from({ length: digits }, () => Math.floor(random() * 16).toString(16)).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[Math.floor(random() * 4)]}${hex(3)}-${hex(12)}`;
}

function randomIpv4(random: Random): string {
  // Public-looking first octets; private and loopback ranges would not be real visitors.
  const first = pick(
    random,
    [31, 46, 62, 77, 78, 79, 80, 84, 85, 87, 91, 93, 109, 145, 176, 178, 185, 212, 217],
  );
  return `${first}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}.${1 + Math.floor(random() * 254)}`;
}

function randomIpv6(random: Random): string {
  const group = () => Math.floor(random() * 0x10000).toString(16);
  return `2a02:${group()}:${group()}:${group()}:${group()}:${group()}:${group()}:${group()}`;
}

interface Visitor {
  ip: string;
  device: Device;
  lang: string;
  tz: string;
  acceptLanguage: string;
  screen: { w: number; h: number };
  viewport: { w: number; h: number };
  /** Set when the visitor granted analytics consent: the tracker then sends its stored id. */
  visitorId: string | undefined;
  ads: boolean;
  gpc: boolean;
}

function buildVisitors(random: Random, count: number): Visitor[] {
  const visitors: Visitor[] = [];
  for (let index = 0; index < count; index++) {
    // Humans dominate; the ten bot agents together make ~5 % of visitors.
    const device = random() < 0.05 ? pick(random, BOTS) : pick(random, HUMANS);
    const [lang, tz, acceptLanguage] = pick(random, LOCALES);
    const [w, h] = pick(random, device.mobile ? MOBILE_SCREENS : DESKTOP_SCREENS);
    const consent = !device.bot && random() < 0.5;
    visitors.push({
      ip: random() < 0.15 ? randomIpv6(random) : randomIpv4(random),
      device,
      lang,
      tz,
      acceptLanguage,
      screen: { w, h },
      viewport: device.mobile ? { w, h: h - 120 } : { w: w - Math.floor(random() * 200), h: h - 140 },
      visitorId: consent ? seededUuid(random) : undefined,
      ads: consent && random() < 0.6,
      gpc: random() < 0.03,
    });
  }
  return visitors;
}

export interface Traffic {
  /** One tracker request for POST /api/track/event: headers and body, fresh ids and timestamps. */
  eventRequest(): { headers: Record<string, string>; body: string };
  /** A server-side batch of `size` events from varied visitors for POST /api/track/batch. */
  batchRequest(size: number): { headers: Record<string, string>; body: string };
  describe(): string;
}

export function createTraffic(siteKey: string, options: { visitors?: number; seed?: number } = {}): Traffic {
  const random = seededRandom(options.seed ?? 20_240_601);
  const paths = buildPaths(random);
  const visitors = buildVisitors(random, options.visitors ?? 5000);
  // Per-request choices use Math.random: the seeded stream only has to make the pools reproducible.
  const live: Random = Math.random;

  function pageUrl(): string {
    const path = pick(live, paths);
    const roll = live();
    if (roll < 0.08) {
      const [source, medium, campaign] = pick(live, CAMPAIGNS);
      return `${ORIGIN}${path}?utm_source=${source}&utm_medium=${medium}&utm_campaign=${campaign}`;
    }
    if (roll < 0.12) return `${ORIGIN}${path}?gclid=Cj0KCQiA${randomUUID().replaceAll('-', '')}`;
    if (roll < 0.14) return `${ORIGIN}${path}?fbclid=IwAR${randomUUID().replaceAll('-', '')}`;
    if (roll < 0.15) return `${ORIGIN}${path}?msclkid=${randomUUID().replaceAll('-', '')}`;
    if (roll < 0.18) return `${ORIGIN}${path}?page=${2 + Math.floor(live() * 5)}&sort=price`;
    return `${ORIGIN}${path}`;
  }

  function event(visitor: Visitor, url: string) {
    const kind = live();
    const referrer = weighted(live, REFERRERS);
    const body: Record<string, unknown> = {
      site: siteKey,
      type: kind < 0.8 ? 'pageview' : 'event',
      url,
      title: `${url.split('?')[0]!.split('/').pop() || 'Home'} – Bench Shop`,
      eventId: randomUUID(),
      ts: Date.now() - Math.floor(live() * 50),
      screen: visitor.screen,
      viewport: visitor.viewport,
      lang: visitor.lang,
      tz: visitor.tz,
      consent: { analytics: visitor.visitorId !== undefined, ads: visitor.ads },
    };
    if (kind < 0.8) {
      if (referrer !== undefined) {
        body.referrer = referrer === 'internal' ? `${ORIGIN}${pick(live, paths)}` : referrer;
      }
    } else if (kind < 0.95) {
      body.name = '$engagement';
      body.props = { engagedMs: 1000 + Math.floor(live() * 60_000), scrollDepth: Math.floor(live() * 100) };
    } else if (kind < 0.98) {
      body.name = 'cta_click';
      body.props = { button: pick(live, ['hero', 'footer', 'pricing-pro', 'newsletter']) };
    } else {
      body.name = 'purchase';
      body.value = Math.round(live() * 50_000) / 100;
      body.currency = 'EUR';
      body.props = { items: 1 + Math.floor(live() * 4) };
    }
    if (visitor.visitorId !== undefined) body.visitorId = visitor.visitorId;
    if (visitor.device.userAgent.includes('HeadlessChrome')) body.webdriver = true;
    return body;
  }

  function browserHeaders(visitor: Visitor, referer: string): Record<string, string> {
    const headers: Record<string, string> = {
      origin: ORIGIN,
      referer,
      'user-agent': visitor.device.userAgent,
      'x-forwarded-for': visitor.ip,
      accept: '*/*',
      'accept-language': visitor.acceptLanguage,
      'accept-encoding': 'gzip, deflate, br, zstd',
      'sec-fetch-dest': 'empty',
      'sec-fetch-mode': 'no-cors',
      'sec-fetch-site': 'same-origin',
    };
    if (visitor.gpc) headers['sec-gpc'] = '1';
    return headers;
  }

  return {
    eventRequest() {
      const visitor = pick(live, visitors);
      const url = pageUrl();
      const headers = browserHeaders(visitor, url);
      // navigator.sendBeacon (the tracker's first choice) sends a string body as text/plain; the
      // rest are server-side callers posting JSON.
      headers['content-type'] = live() < 0.85 ? 'text/plain;charset=UTF-8' : 'application/json';
      return { headers, body: JSON.stringify(event(visitor, url)) };
    },
    batchRequest(size) {
      const sender = pick(live, visitors);
      const events = Array.from({ length: size }, () => event(pick(live, visitors), pageUrl()));
      const headers = browserHeaders(sender, `${ORIGIN}/`);
      headers['content-type'] = 'application/json';
      return { headers, body: JSON.stringify({ events, sentAt: Date.now() }) };
    },
    describe() {
      const consented = visitors.filter((visitor) => visitor.visitorId !== undefined).length;
      const bots = visitors.filter((visitor) => visitor.device.bot).length;
      return (
        `${visitors.length} visitors (${consented} with analytics consent and a visitorId, ${bots} bots), ` +
        `${DEVICES.length} user agents, ${paths.length} paths; 80 % page views, 15 % $engagement, 5 % custom events`
      );
    },
  };
}
