import { runScript } from '../src/db/copy.ts';
import type { Pool } from '../src/db/pool.ts';
import { seededRandom, type Random } from './traffic.ts';

/**
 * Months of stored traffic for the report benchmark, written straight into `events` and `sessions`
 * with COPY, as the ingest writer would have left them (src/ingest/sessions.ts: a session takes its
 * source from its first event, counts page views and interactions other than `$engagement`, and
 * is a bounce with one of them at most), without going through it: sessions with a diurnal and
 * weekly rhythm, returning visitors, Zipf-distributed pages, referrers, countries, cities and
 * companies, 2 % bot sessions, and `signup` / `purchase` events (with a value in EUR) that goals
 * count. Seeded, so runs load the same data.
 */

/** Picks index k of n with probability ∝ 1 / (k + 1)^s, by a precomputed cumulative table. */
function zipf(n: number, s: number): (random: Random) => number {
  const cumulative = new Float64Array(n);
  let total = 0;
  for (let k = 0; k < n; k++) cumulative[k] = total += 1 / (k + 1) ** s;
  return (random) => {
    const target = random() * total;
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (cumulative[middle]! < target) low = middle + 1;
      else high = middle;
    }
    return low;
  };
}

function weighted<T>(items: ReadonlyArray<readonly [T, number]>): (random: Random) => T {
  const total = items.reduce((sum, [, weight]) => sum + weight, 0);
  return (random) => {
    let roll = random() * total;
    for (const [item, weight] of items) {
      roll -= weight;
      if (roll < 0) return item;
    }
    return items[items.length - 1]![0];
  };
}

const N = '\\N';
const text = (value: string | null | undefined) => (value === null || value === undefined ? N : value);

const SECTIONS = ['blog', 'docs', 'product', 'solutions', 'customers', 'integrations', 'jobs', 'help'];
const PAGES = [
  '/',
  '/pricing',
  '/demo',
  '/contact',
  '/signup',
  '/login',
  '/about',
  ...Array.from(
    { length: 1993 },
    (_, at) => `/${SECTIONS[at % SECTIONS.length]}/${(at * 2654435761) % 100_003}`,
  ),
];
const pickPage = zipf(PAGES.length, 1.05);

interface Source {
  referrer: string | null;
  host: string | null;
  channel: string;
  utm: [string, string, string, string | null, string | null] | null;
}
const REFERRAL_HOSTS = Array.from({ length: 500 }, (_, at) => `site${at}.example`);
const pickReferral = zipf(REFERRAL_HOSTS.length, 1.1);
const CAMPAIGNS = Array.from({ length: 20 }, (_, at) => `campaign-${at}`);
const TERMS = Array.from({ length: 200 }, (_, at) => `term ${at}`);
const pickTerm = zipf(TERMS.length, 1);
const pickChannel = weighted<string>([
  ['direct', 30],
  ['search', 40],
  ['social', 10],
  ['referral', 14],
  ['paid', 5],
  ['email', 1],
]);
const SEARCH = weighted<string>([
  ['www.google.com', 85],
  ['www.bing.com', 10],
  ['duckduckgo.com', 5],
]);
const SOCIAL = weighted<string>([
  ['www.linkedin.com', 40],
  ['t.co', 20],
  ['www.facebook.com', 20],
  ['www.reddit.com', 15],
  ['news.ycombinator.com', 5],
]);

function source(random: Random): Source {
  const channel = pickChannel(random);
  switch (channel) {
    case 'search': {
      const host = SEARCH(random);
      return { referrer: `https://${host}/`, host, channel, utm: null };
    }
    case 'social': {
      const host = SOCIAL(random);
      return { referrer: `https://${host}/`, host, channel, utm: null };
    }
    case 'referral': {
      const host = REFERRAL_HOSTS[pickReferral(random)]!;
      return { referrer: `https://${host}/post`, host, channel, utm: null };
    }
    case 'paid':
      return {
        referrer: 'https://www.google.com/',
        host: 'www.google.com',
        channel,
        utm: [
          'google',
          'cpc',
          CAMPAIGNS[Math.floor(random() * CAMPAIGNS.length)]!,
          TERMS[pickTerm(random)]!,
          `ad-${Math.floor(random() * 10)}`,
        ],
      };
    case 'email':
      return { referrer: null, host: null, channel, utm: ['newsletter', 'email', 'monthly', null, null] };
    default:
      return { referrer: null, host: null, channel, utm: null };
  }
}

const COUNTRIES = [
  'DE',
  'US',
  'GB',
  'FR',
  'NL',
  'AT',
  'CH',
  'IT',
  'ES',
  'PL',
  'SE',
  'IN',
  'CA',
  'BR',
  'JP',
].concat(Array.from({ length: 65 }, (_, at) => `X${String.fromCharCode(65 + (at % 26))}${at}`));
const pickCountry = zipf(COUNTRIES.length, 1.2);
const pickCity = zipf(200, 1.1);
const pickRegion = zipf(16, 1);

interface Device {
  device: string;
  browser: string;
  versions: string[];
  os: string;
  osVersions: string[];
  screens: string[];
}
const DEVICES = weighted<Device>([
  [
    {
      device: 'desktop',
      browser: 'Chrome',
      versions: ['131.0.0.0', '130.0.0.0', '129.0.0.0'],
      os: 'Windows',
      osVersions: ['10', '11'],
      screens: ['1920x1080', '2560x1440', '1366x768'],
    },
    35,
  ],
  [
    {
      device: 'desktop',
      browser: 'Chrome',
      versions: ['131.0.0.0', '130.0.0.0'],
      os: 'macOS',
      osVersions: ['10.15.7'],
      screens: ['1440x900', '1512x982', '1728x1117'],
    },
    10,
  ],
  [
    {
      device: 'desktop',
      browser: 'Edge',
      versions: ['131.0.0.0', '130.0.0.0'],
      os: 'Windows',
      osVersions: ['10', '11'],
      screens: ['1920x1080', '1536x864'],
    },
    8,
  ],
  [
    {
      device: 'desktop',
      browser: 'Firefox',
      versions: ['133.0', '132.0', '128.0'],
      os: 'Windows',
      osVersions: ['10', '11'],
      screens: ['1920x1080'],
    },
    4,
  ],
  [
    {
      device: 'desktop',
      browser: 'Safari',
      versions: ['18.1', '17.6'],
      os: 'macOS',
      osVersions: ['10.15.7'],
      screens: ['1440x900', '1512x982'],
    },
    5,
  ],
  [
    {
      device: 'mobile',
      browser: 'Mobile Safari',
      versions: ['18.1', '17.6', '16.6'],
      os: 'iOS',
      osVersions: ['18.1', '17.6.1', '16.7.10'],
      screens: ['390x844', '393x852', '430x932'],
    },
    18,
  ],
  [
    {
      device: 'mobile',
      browser: 'Chrome Mobile',
      versions: ['131.0.0.0', '130.0.6723.107'],
      os: 'Android',
      osVersions: ['14', '13', '10'],
      screens: ['412x915', '360x800', '384x854'],
    },
    15,
  ],
  [
    {
      device: 'mobile',
      browser: 'Samsung Internet',
      versions: ['27.0', '26.0'],
      os: 'Android',
      osVersions: ['14', '13'],
      screens: ['360x780'],
    },
    2,
  ],
  [
    {
      device: 'tablet',
      browser: 'Mobile Safari',
      versions: ['18.1'],
      os: 'iOS',
      osVersions: ['18.1'],
      screens: ['820x1180', '1024x1366'],
    },
    3,
  ],
]);
const LANGUAGES = weighted<string>([
  ['de-DE', 30],
  ['en-US', 30],
  ['en-GB', 10],
  ['fr-FR', 6],
  ['nl-NL', 4],
  ['es-ES', 4],
  ['it-IT', 3],
  ['pl-PL', 3],
  ['ja-JP', 2],
  ['pt-BR', 2],
  ['sv-SE', 2],
  ['de-AT', 2],
  ['de-CH', 2],
]);
const COMPANIES = Array.from({ length: 8000 }, (_, at) => `company${at}.example`);
const pickCompany = zipf(COMPANIES.length, 0.9);
const VISITOR_CLASS = weighted<string>([
  ['consumer', 70],
  ['business', 20],
  ['vpn', 5],
  ['hosting', 2],
  ['education', 3],
]);
/** Share of a day's sessions starting in each local hour. */
const HOURS = weighted<number>(
  [1, 0.6, 0.4, 0.3, 0.3, 0.5, 1, 2, 4, 6, 7, 7, 6.5, 6.5, 7, 7, 6.5, 6, 5, 4.5, 4, 3.5, 2.5, 1.5].map(
    (weight, hour) => [hour, weight] as const,
  ),
);

/** What a purchase event's `value` holds (EUR): the revenue goals count. */
const PRICES = ['19.0000', '49.0000', '99.0000', '249.0000'];

/** Per event: what changes from one event to the next, then its session's constant block. */
const EVENT_COPY_COLUMNS = [
  'id',
  'type',
  'name',
  'received_at',
  'occurred_at',
  'path',
  'url',
  'referrer',
  'value',
  'currency',
  'site_id',
  'visitor_id',
  'session_id',
  'hostname',
  'referrer_host',
  'referrer_type',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_term',
  'utm_content',
  'screen_width',
  'screen_height',
  'language',
  'browser_name',
  'browser_version',
  'os_name',
  'os_version',
  'device_type',
  'is_bot',
  'country',
  'region',
  'city',
  'visitor_class',
  'company_domain',
  'enrichment_status',
] as const;

const SESSION_COPY_COLUMNS = [
  'id',
  'site_id',
  'visitor_id',
  'started_at',
  'last_seen_at',
  'entry_path',
  'exit_path',
  'pageviews',
  'events',
  'duration_s',
  'is_bounce',
  'referrer_host',
  'referrer_type',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_term',
  'utm_content',
  'campaign_key',
  'referrer',
  'country',
  'device_type',
  'browser_name',
  'os_name',
  'company_domain',
  'is_bot',
] as const;

/**
 * COPY text built in a byte buffer: ten million rows built as JavaScript strings spent most of
 * their time in the garbage collector. Every value here is ASCII.
 */
class CopyBuffer {
  private buffer = Buffer.allocUnsafe(16 * 2 ** 20);
  private length = 0;

  private reserve(bytes: number) {
    if (this.length + bytes <= this.buffer.length) return;
    const larger = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(larger, 0, 0, this.length);
    this.buffer = larger;
  }

  /** A value and the tab after it. */
  field(value: string | null): void {
    if (value === null) {
      this.reserve(3);
      this.buffer[this.length++] = 0x5c; // \N
      this.buffer[this.length++] = 0x4e;
    } else {
      this.reserve(value.length + 1);
      this.length += this.buffer.write(value, this.length, 'latin1');
    }
    this.buffer[this.length++] = 0x09;
  }

  bytes(bytes: Buffer): void {
    this.reserve(bytes.length);
    this.length += bytes.copy(this.buffer, this.length);
  }

  get size(): number {
    return this.length;
  }

  take(): string {
    const text = this.buffer.toString('latin1', 0, this.length);
    this.length = 0;
    return text;
  }
}

/** Each page on each hostname: its path and URL, tab-separated, as COPY text. */
const HOSTNAMES = ['www.bench.example', 'blog.bench.example'];
const PAGE_FIELDS = HOSTNAMES.map((hostname) =>
  PAGES.map((path) => Buffer.from(`${path}\thttps://${hostname}${path}\t`, 'latin1')),
);

export interface ReportTrafficOptions {
  siteId: string;
  /** The first instant of each local day to fill, oldest first. */
  dayStarts: readonly Date[];
  /** Events to write in all (about: sessions are whole). */
  events: number;
  /** Nothing happens after this instant (now): the last day is filled up to it only. */
  until: Date;
  seed?: number;
}

/** COPY text of events and of sessions, ~50,000 events at a time, oldest first. */
export function* reportTraffic({
  siteId,
  dayStarts,
  events: targetEvents,
  until,
  seed = 42,
}: ReportTrafficOptions): Generator<{ events: string; sessions: string; eventCount: number }> {
  const random = seededRandom(seed);
  // ~3.5 events a session: page views, half of them with an engagement event, a few custom events.
  const sessionsPerDay = targetEvents / dayStarts.length / 3.5;
  const loyal = 300_000;
  const pickLoyal = zipf(loyal, 0.8);
  const events = new CopyBuffer();
  const sessions = new CopyBuffer();
  let eventCount = 0;
  let newVisitors = 0;
  let eventSeq = 0;
  let sessionSeq = 0;
  const nextEventId = () => `evt_b${(eventSeq++).toString(36)}`;
  for (const dayStart of dayStarts) {
    const weekday = new Date(dayStart.getTime() + 12 * 3_600_000).getUTCDay();
    const count = Math.round(sessionsPerDay * (weekday === 0 || weekday === 6 ? 0.72 : 1.11));
    for (let n = 0; n < count; n++) {
      const sessionId = `ses_b${(sessionSeq++).toString(36)}`;
      const visitor =
        random() < 0.68 ? `vn${(newVisitors++).toString(36)}` : `vl${pickLoyal(random).toString(36)}`;
      const bot = random() < 0.02;
      const from = source(random);
      const device = DEVICES(random);
      const country = COUNTRIES[pickCountry(random)]!;
      const company = random() < 0.15 ? COMPANIES[pickCompany(random)]! : null;
      const visitorClass = bot ? 'bot' : company !== null ? 'business' : VISITOR_CLASS(random);
      const [width, height] = device.screens[Math.floor(random() * device.screens.length)]!.split('x');
      const host = random() < 0.95 ? 0 : 1;
      const constant = Buffer.from(
        [
          siteId,
          visitor,
          sessionId,
          HOSTNAMES[host],
          text(from.host),
          from.channel,
          text(from.utm?.[0]),
          text(from.utm?.[1]),
          text(from.utm?.[2]),
          text(from.utm?.[3]),
          text(from.utm?.[4]),
          width,
          height,
          LANGUAGES(random),
          device.browser,
          device.versions[Math.floor(random() * device.versions.length)],
          device.os,
          device.osVersions[Math.floor(random() * device.osVersions.length)],
          device.device,
          bot ? 't' : 'f',
          country,
          `${country}-${pickRegion(random)}`,
          `${country} city ${pickCity(random)}`,
          visitorClass,
          text(company),
          'done',
        ].join('\t') + '\n',
        'latin1',
      );
      const start = dayStart.getTime() + HOURS(random) * 3_600_000 + Math.floor(random() * 3_600_000);
      if (start > until.getTime()) continue;
      let at = start;
      let pageviews = 0;
      let interactions = 0;
      let entry = '';
      let exit = '';
      const views = bot ? 1 + Math.floor(random() * 8) : 1 + Math.floor(-Math.log(1 - random()) * 1.6);
      for (let view = 0; view < views; view++) {
        const page = pickPage(random);
        if (view === 0) entry = PAGES[page]!;
        exit = PAGES[page]!;
        const time = new Date(at).toISOString();
        const event = (
          type: string,
          name: string | null,
          referrer: string | null,
          value: string | null = null,
        ) => {
          events.field(nextEventId());
          events.field(type);
          events.field(name);
          events.field(time);
          events.field(time);
          events.bytes(PAGE_FIELDS[host]![page]!);
          events.field(referrer);
          events.field(value);
          events.field(value === null ? null : 'EUR');
          events.bytes(constant);
          eventCount += 1;
        };
        event('pageview', null, view === 0 ? from.referrer : null);
        pageviews += 1;
        if (random() < 0.5) event('event', '$engagement', null);
        const roll = random();
        const custom =
          roll < 0.05
            ? '$outbound'
            : roll < 0.07
              ? 'signup'
              : roll < 0.075
                ? 'purchase'
                : roll < 0.09
                  ? '$download'
                  : null;
        if (custom !== null) {
          event(
            'event',
            custom,
            null,
            custom === 'purchase' ? PRICES[Math.floor(random() * PRICES.length)]! : null,
          );
          interactions += 1;
        }
        if (view + 1 < views) {
          const next = at + 5_000 + Math.floor(-Math.log(1 - random()) * 60_000);
          if (next > until.getTime()) break;
          at = next;
        }
      }
      sessions.bytes(
        Buffer.from(
          `${sessionId}\t${siteId}\t${visitor}\t${new Date(start).toISOString()}\t${new Date(at).toISOString()}\t` +
            `${entry}\t${exit}\t${pageviews}\t${interactions}\t${Math.round((at - start) / 1000)}\t` +
            `${pageviews + interactions <= 1 ? 't' : 'f'}\t${text(from.host)}\t${from.channel}\t${text(from.utm?.[0])}\t` +
            `${text(from.utm?.[1])}\t${text(from.utm?.[2])}\t${text(from.utm?.[3])}\t${text(from.utm?.[4])}\t` +
            `${from.utm ? `utm:${from.utm[0]}|${from.utm[1]}|${from.utm[2]}` : N}\t${text(from.referrer)}\t${country}\t${device.device}\t${device.browser}\t` +
            `${device.os}\t${text(company)}\t${bot ? 't' : 'f'}\n`,
          'latin1',
        ),
      );
      if (eventCount >= 50_000) {
        yield { events: events.take(), sessions: sessions.take(), eventCount };
        eventCount = 0;
      }
    }
  }
  if (eventCount > 0) yield { events: events.take(), sessions: sessions.take(), eventCount };
}

/** The indexes and primary keys of a table, as statements that make them again. */
async function indexesOf(db: Pool, table: string): Promise<{ drop: string[]; create: string[] }> {
  const { rows } = await db.query<{ name: string; definition: string; constraint_definition: string | null }>(
    `SELECT i.relname AS name, pg_get_indexdef(x.indexrelid) AS definition,
       pg_get_constraintdef(c.oid) AS constraint_definition
     FROM pg_index x
     JOIN pg_class i ON i.oid = x.indexrelid
     LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid
     WHERE x.indrelid = $1::regclass`,
    [table],
  );
  return {
    drop: rows.map((row) =>
      row.constraint_definition === null
        ? `DROP INDEX ${row.name}`
        : `ALTER TABLE ${table} DROP CONSTRAINT ${row.name}`,
    ),
    // A partitioned table's index reads `CREATE INDEX … ON ONLY events …`: made again as it stands,
    // it is an invalid shell with no index on any partition, and every report and roll-up query
    // would scan all of them. Without ONLY it is built on each partition and valid.
    create: rows.map((row) =>
      row.constraint_definition === null
        ? row.definition.replace(/ ON ONLY /, ' ON ')
        : `ALTER TABLE ${table} ADD CONSTRAINT ${row.name} ${row.constraint_definition}`,
    ),
  };
}

/**
 * Loads the traffic into tables that hold no other rows yet: their indexes are dropped first and
 * built again after (a sorted build instead of ten million index insertions), and two COPY
 * streams are in flight, so PostgreSQL parses one chunk while this process builds the next.
 */
export async function loadReportTraffic(
  db: Pool,
  options: ReportTrafficOptions,
): Promise<{ events: number; copyMs: number; indexMs: number }> {
  const indexes = await Promise.all(['events', 'sessions'].map((table) => indexesOf(db, table)));
  for (const { drop } of indexes) for (const statement of drop) await db.query(statement);
  const copyStarted = performance.now();
  let written = 0;
  const inFlight = new Set<Promise<void>>();
  for (const chunk of reportTraffic(options)) {
    if (inFlight.size >= 2) await Promise.race(inFlight);
    const load = (async () => {
      const client = await db.connect();
      try {
        await runScript(client, [
          { sql: `COPY events (${EVENT_COPY_COLUMNS.join(', ')}) FROM STDIN`, copyText: chunk.events },
          { sql: `COPY sessions (${SESSION_COPY_COLUMNS.join(', ')}) FROM STDIN`, copyText: chunk.sessions },
        ]);
      } finally {
        client.release();
      }
    })();
    written += chunk.eventCount;
    inFlight.add(load);
    void load.finally(() => inFlight.delete(load));
  }
  await Promise.all(inFlight);
  const indexStarted = performance.now();
  // Two builds at a time, one a core.
  const builds = indexes.flatMap(({ create }) => create);
  await Promise.all(
    [0, 1].map(async (worker) => {
      const client = await db.connect();
      try {
        await client.query(`SET maintenance_work_mem = '512MB'`);
        for (let at = worker; at < builds.length; at += 2) await client.query(builds[at]!);
      } finally {
        client.release();
      }
    }),
  );
  return { events: written, copyMs: indexStarted - copyStarted, indexMs: performance.now() - indexStarted };
}
