import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GOALS_A, GOALS_C, HOT_COMPANIES, SITES, type SiteLabel } from './analytics-reference-data.ts';
import {
  ingestReferenceDataSet,
  referenceEnrichment,
  type IngestedReference,
} from './analytics-reference-ingest.ts';
import { useTestApp, type TestTenant } from './helpers.ts';
import {
  breakdown,
  compareText,
  DEFAULT_SERIES_METRICS,
  EMPTY,
  NONE,
  overview,
  siteModel,
  timeseries,
  windowOf,
  type BreakdownRow,
  type Filter,
  type Interval,
  type SeriesMetric,
  type SiteModel,
} from './analytics-reference-model.ts';

/**
 * Every report against numbers computed independently: a known event set (test/analytics-reference-
 * data.ts) goes through the real ingestion path, which builds the sessions, and each report is
 * compared with what the reference model (test/analytics-reference-model.ts) computes from the list
 * of events sent, by the documented rules. Stored rows are read only to check that ingestion kept
 * what the model assumes (times, bot flags, countries, which events share a session).
 */

const geo = referenceEnrichment();
const context = useTestApp({ enrichment: geo.enrichment });
afterAll(() => geo.cleanup());

interface SiteUnderTest {
  label: SiteLabel;
  id: string;
  siteKey: string;
  owner: TestTenant;
  model: SiteModel;
}

const sites = {} as Record<SiteLabel, SiteUnderTest>;
/** What ingestion answered for each event, against whether its eventId had been sent before. */
let answers: IngestedReference['answers'] = [];

beforeAll(async () => {
  const ingested = await ingestReferenceDataSet(context);
  answers = ingested.answers;
  const created = ingested.sites;
  const sent = ingested.sent;
  for (const label of ['A', 'B', 'C'] as const) {
    if (HOT_COMPANIES[label].length > 0) {
      // What the companies scorer would decide; every other company stays cold.
      await context.db.query(
        `UPDATE companies SET lead_status = 'hot' WHERE site_id = $1 AND domain = ANY($2)`,
        [created[label].id, HOT_COMPANIES[label]],
      );
    }
    const companies = new Set(
      sent[label].flatMap((event) => (event.company === null || event.bot ? [] : [event.company])),
    );
    const leadStatus = new Map(
      [...companies].map((domain) => [domain, HOT_COMPANIES[label].includes(domain) ? 'hot' : 'cold']),
    );
    const goals = label === 'A' ? GOALS_A : label === 'C' ? GOALS_C : [];
    sites[label] = {
      ...created[label],
      model: siteModel({ timezone: SITES[label].timezone, goals, leadStatus, sent: sent[label] }),
    };
  }
}, 120_000);

// ------------------------------------------------------------------------------------------------
// Asking for reports

type Params = Record<string, string | number | readonly Filter[] | undefined>;

function queryString(params: Params): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined) continue;
    search.set(name, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
  return search.toString();
}

async function ask(site: SiteUnderTest, report: string, params: Params, as: TestTenant = site.owner) {
  const url = `/api/sites/${site.id}/stats/${report}?${queryString(params)}`;
  const response = await context.app.inject({ method: 'GET', url, headers: as.auth });
  return { url, response };
}

async function fetchReport<T>(site: SiteUnderTest, report: string, params: Params): Promise<T> {
  const { url, response } = await ask(site, report, params);
  expect(response.statusCode, `${url}: ${response.body}`).toBe(200);
  return (report.endsWith('.csv') ? response.body : response.json()) as T;
}

type Range = { from: string; to: string };

function queryOf(site: SiteUnderTest, range: Range, filters?: readonly Filter[]) {
  const window = windowOf(range.from, range.to, site.model.timezone);
  return { window: { from: window.from, to: window.to }, previous: window.previous, filters };
}

function expectedOverview(site: SiteUnderTest, range: Range, filters?: readonly Filter[], compare = false) {
  const query = queryOf(site, range, filters);
  return {
    ...overview(site.model, query),
    ...(compare ? { previous: overview(site.model, { window: query.previous, filters }) } : {}),
  };
}

function expectedSeries(
  site: SiteUnderTest,
  range: Range,
  interval: Interval,
  options: { filters?: readonly Filter[]; compare?: boolean; metrics?: readonly SeriesMetric[] } = {},
) {
  const query = queryOf(site, range, options.filters);
  return {
    interval,
    points: timeseries(site.model, query, interval, options.metrics),
    ...(options.compare
      ? {
          previous: {
            points: timeseries(
              site.model,
              { window: query.previous, filters: options.filters },
              interval,
              options.metrics,
            ),
          },
        }
      : {}),
  };
}

function expectedBreakdown(
  site: SiteUnderTest,
  range: Range,
  dimension: string,
  options: {
    filters?: readonly Filter[];
    compare?: boolean;
    sort?: string;
    limit?: number;
    offset?: number;
  } = {},
) {
  const query = queryOf(site, range, options.filters);
  return breakdown(site.model, query, {
    dimension,
    sort: options.sort,
    limit: options.limit,
    offset: options.offset,
    previous: options.compare ? query.previous : undefined,
  });
}

// ------------------------------------------------------------------------------------------------
// The windows and filters reports are asked for

const ALL: Range = { from: '2026-03-01', to: '2026-11-30' };
const SPRING_WEEK: Range = { from: '2026-03-23', to: '2026-03-29' };
const SPRING_DST_DAY: Range = { from: '2026-03-29', to: '2026-03-29' };
const DAY_BEFORE_SPRING_DST: Range = { from: '2026-03-28', to: '2026-03-28' };
const AUTUMN_WEEK: Range = { from: '2026-10-19', to: '2026-10-25' };
const AUTUMN_DST_DAY: Range = { from: '2026-10-25', to: '2026-10-25' };
const LATE_NIGHT: Range = { from: '2026-10-24T21:30:00Z', to: '2026-10-25T06:00:00+01:00' };
const SPRING_MONTHS: Range = { from: '2026-03-01', to: '2026-04-30' };
const WINDOWS: Array<[string, Range]> = [
  ['all of the data', ALL],
  ['the week ending on the 23-hour day', SPRING_WEEK],
  ['the 23-hour day of 29 March', SPRING_DST_DAY],
  ['the day a session crosses midnight into the DST day', DAY_BEFORE_SPRING_DST],
  ['the week ending on the 25-hour day', AUTUMN_WEEK],
  ['the 25-hour day of 25 October', AUTUMN_DST_DAY],
  ['a window of instants across the repeated hour', LATE_NIGHT],
  ['March and April', SPRING_MONTHS],
];

const LONG_VALUE = 'x'.repeat(500);
const FILTERS: Array<[string, Filter[]]> = [
  ['country is one of two', [['is', 'country', ['DE', 'AT']]]],
  ['country is missing', [['is', 'country', [NONE]]]],
  ['country is neither missing nor DE', [['is_not', 'country', [NONE, 'DE']]]],
  ['city is a non-ASCII name', [['is', 'city', ['München']]]],
  ['region is missing', [['is', 'region', [NONE]]]],
  ['channel is not direct', [['is_not', 'channel', ['direct']]]],
  ['channel is internal (a session after 30 idle minutes)', [['is', 'channel', ['internal']]]],
  ['page contains a word in another case', [['contains', 'page', ['PRICING']]]],
  ['page matches a wildcard', [['matches', 'page', ['/blog/*']]]],
  ['page matches with a literal underscore', [['matches', 'page', ['/sale_*']]]],
  ['page is none of two', [['is_not', 'page', ['/', '/pricing']]]],
  ['page is a percent-encoded path', [['is', 'page', ['/caf%C3%A9']]]],
  ['entry page matches either of two patterns', [['matches', 'entry_page', ['/', '/landing*']]]],
  ['exit page is the thank-you page', [['is', 'exit_page', ['/checkout/thank-you']]]],
  ['entry page is missing (a session of custom events only)', [['is', 'entry_page', [NONE]]]],
  ['utm_campaign is missing', [['is', 'utm_campaign', [NONE]]]],
  ['utm_campaign is a non-ASCII value', [['is', 'utm_campaign', ['Über uns']]]],
  [
    'utm_medium, utm_term and utm_content',
    [
      ['is', 'utm_medium', ['cpc']],
      ['contains', 'utm_term', ['ANALYTICS']],
      ['is_not', 'utm_content', ['ad-2']],
    ],
  ],
  [
    'device and utm_source (event and session level)',
    [
      ['is', 'device', ['mobile']],
      ['contains', 'utm_source', ['NEWS']],
    ],
  ],
  ['referrer host is present', [['is_not', 'referrer_host', [NONE]]]],
  ['referrer contains a query', [['contains', 'referrer', ['?']]]],
  ['event is purchase', [['is', 'event', ['purchase']]]],
  ['event is none of two', [['is_not', 'event', ['purchase', 'signup']]]],
  ['prop is one of two', [['is', 'prop:plan', ['team', 'pro']]]],
  ['prop matches a wildcard', [['matches', 'prop:plan', ['*o']]]],
  ['prop contains a percent sign', [['contains', 'prop:coupon', ['%']]]],
  ['prop contains an underscore', [['contains', 'prop:coupon', ['_']]]],
  ['prop contains a backslash', [['contains', 'prop:coupon', ['\\']]]],
  ['prop is a value with a quote', [['is', 'prop:coupon', ["o'neil"]]]],
  ['prop matches across a percent sign', [['matches', 'prop:coupon', ['50*OFF']]]],
  ['prop is an emoji value', [['is', 'prop:coupon', ['emoji 🛒']]]],
  ['prop is a boolean', [['is', 'prop:autoplay', ['true']]]],
  ['prop is missing', [['is', 'prop:total', [NONE]]]],
  ['browser contains, in another case', [['contains', 'browser', ['SAFARI']]]],
  [
    'browser version and OS version',
    [
      ['is', 'browser_version', ['131.0', '17.5']],
      ['is_not', 'os_version', [NONE]],
    ],
  ],
  ['screen is a size', [['is', 'screen', ['1920x1080']]]],
  ['hostname is the blog', [['is', 'hostname', ['blog.shop.example']]]],
  ['language is one of two', [['is', 'language', ['de-DE', 'de-AT']]]],
  ['visitor class is missing', [['is', 'visitor_class', [NONE]]]],
  ['company is one', [['is', 'company', ['acme-corp.example']]]],
  ['lead status is hot', [['is', 'lead_status', ['hot']]]],
  ['lead status is missing', [['is', 'lead_status', [NONE]]]],
  [
    'channel and page together (session and event level)',
    [
      ['is', 'channel', ['search', 'social']],
      ['is', 'page', ['/pricing']],
    ],
  ],
  [
    'three filters at both levels',
    [
      ['is', 'country', ['DE']],
      ['is_not', 'channel', ['direct']],
      ['is', 'event', ['purchase']],
    ],
  ],
  [
    'two event filters on one event',
    [
      ['is', 'page', ['/checkout']],
      ['is', 'event', ['purchase']],
    ],
  ],
];

describe('ingestion of the known event set (what the model assumes)', () => {
  it('answers a duplicate for every eventId sent before to the same site, and accepts the rest', () => {
    const wrong = answers.filter(
      (answer) => answer.status !== (answer.sentBefore ? 'duplicate' : 'accepted'),
    );
    expect(wrong).toEqual([]);
    expect(answers.filter((answer) => answer.status === 'duplicate').length).toBeGreaterThan(20);
  });

  it.each(['A', 'B', 'C'] as const)(
    'site %s keeps each event once, at the time it happened, flagged and placed as sent, in the sessions the rule gives',
    async (label) => {
      const site = sites[label];
      const { rows } = await context.db.query<{
        event_id: string;
        session_id: string;
        occurred_at: Date;
        is_bot: boolean;
        country: string | null;
      }>('SELECT event_id, session_id, occurred_at, is_bot, country FROM events WHERE site_id = $1', [
        site.id,
      ]);
      const stored = rows
        .map((row) => [row.event_id, row.occurred_at.toISOString(), row.is_bot, row.country])
        .sort((a, b) => compareText(String(a[0]), String(b[0])));
      const expected = site.model.events
        .map((event) => [event.eventId, new Date(event.at).toISOString(), event.bot, event.country])
        .sort((a, b) => compareText(String(a[0]), String(b[0])));
      expect(stored).toEqual(expected);

      const sessionOf = new Map(rows.map((row) => [row.event_id, row.session_id]));
      const beaconSessions = new Map<string, string[]>();
      for (const [eventId, sessionId] of sessionOf) {
        beaconSessions.set(sessionId, [...(beaconSessions.get(sessionId) ?? []), eventId]);
      }
      const asSets = (groups: Iterable<string[]>) => [...groups].map((ids) => ids.sort().join(' ')).sort();
      expect(asSets(beaconSessions.values())).toEqual(
        asSets(site.model.sessions.map((session) => session.events.map((event) => event.eventId))),
      );
    },
  );

  it('keeps a company per identified domain, cold unless the scorer raised it', async () => {
    const { rows } = await context.db.query<{ domain: string; lead_status: string }>(
      'SELECT domain, lead_status FROM companies WHERE site_id = $1 ORDER BY domain',
      [sites.A.id],
    );
    expect(rows.map((row) => [row.domain, row.lead_status])).toEqual(
      [...sites.A.model.leadStatus].sort((a, b) => compareText(a[0], b[0])),
    );
  });

  it('spans the two DST changes: local days of 23 and 25 hours', () => {
    const length = (range: Range) => {
      const window = windowOf(range.from, range.to, 'Europe/Berlin');
      return (window.to - window.from) / 3_600_000;
    };
    expect([length(SPRING_DST_DAY), length(DAY_BEFORE_SPRING_DST), length(AUTUMN_DST_DAY)]).toEqual([
      23, 24, 25,
    ]);
  });
});

describe('overview', () => {
  it.each(WINDOWS)('of %s, with the previous period, is what the events say', async (_name, range) => {
    for (const label of ['A', 'B', 'C'] as const) {
      const site = sites[label];
      const actual = await fetchReport(site, 'overview', { ...range, compare: 'previous' });
      expect(actual, `site ${label}`).toEqual(expectedOverview(site, range, undefined, true));
    }
  });

  it.each(FILTERS)('filtered: %s', async (_name, filters) => {
    const expected = expectedOverview(sites.A, ALL, filters);
    expect(expected.visitors, 'the data set has visitors this filter keeps').toBeGreaterThan(0);
    expect(await fetchReport(sites.A, 'overview', { ...ALL, filters })).toEqual(expected);
  });

  it.each(FILTERS.filter((_filter, index) => index % 4 === 0))(
    'filtered, over a week with the previous one: %s',
    async (_name, filters) => {
      expect(
        await fetchReport(sites.A, 'overview', { ...AUTUMN_WEEK, filters, compare: 'previous' }),
      ).toEqual(expectedOverview(sites.A, AUTUMN_WEEK, filters, true));
    },
  );

  it('never counts bots, and counts what they did nowhere', () => {
    const site = sites.A.model;
    const bots = site.events.filter((event) => event.bot);
    expect(new Set(bots.map((event) => event.visitor))).toEqual(new Set(['crawler', 'headless', 'selenium']));
    const all = overview(site, queryOf(sites.A, ALL));
    const humans = new Set(site.events.filter((event) => !event.bot).map((event) => event.visitor));
    expect(all.visitors).toBe(humans.size);
  });
});

describe('time series', () => {
  const cases: Array<[string, SiteLabel, Range, Interval, { compare?: boolean; metrics?: SeriesMetric[] }]> =
    [
      ['hours of the 23-hour day', 'A', SPRING_DST_DAY, 'hour', {}],
      ['hours of the 25-hour day', 'A', AUTUMN_DST_DAY, 'hour', { compare: true }],
      ['hours of the day before the 23-hour day', 'A', DAY_BEFORE_SPRING_DST, 'hour', {}],
      ['hours of a window of instants from half past', 'A', LATE_NIGHT, 'hour', {}],
      ['days of the week ending on the 23-hour day', 'A', SPRING_WEEK, 'day', { compare: true }],
      [
        'days of the week ending on the 25-hour day, every metric',
        'A',
        AUTUMN_WEEK,
        'day',
        { metrics: Object.keys(EMPTY) as SeriesMetric[] },
      ],
      ['weeks of all the data', 'A', ALL, 'week', {}],
      [
        'months of all the data',
        'A',
        ALL,
        'month',
        { metrics: ['visitors', 'sessions', 'bounceRate', 'conversionRate', 'revenue'] },
      ],
      ['weeks of March and April', 'A', SPRING_MONTHS, 'week', { compare: true }],
      ['months of March and April', 'A', SPRING_MONTHS, 'month', {}],
      [
        'half-hour-offset hours across midnight in Kolkata',
        'B',
        { from: '2026-10-24', to: '2026-10-25' },
        'hour',
        {},
      ],
      [
        'half-hour-offset hours of instants on the UTC hour',
        'B',
        { from: '2026-10-24T18:00:00Z', to: '2026-10-24T20:00:00Z' },
        'hour',
        {},
      ],
      ['days in Kolkata', 'B', AUTUMN_WEEK, 'day', { compare: true }],
      ['weeks of site C', 'C', ALL, 'week', {}],
    ];

  it.each(cases)(
    '%s (site %s) match the events, every bucket present',
    async (_name, label, range, interval, options) => {
      const site = sites[label];
      const actual = await fetchReport(site, 'timeseries', {
        ...range,
        interval,
        metrics: options.metrics?.join(','),
        compare: options.compare ? 'previous' : undefined,
      });
      expect(actual).toEqual(expectedSeries(site, range, interval, options));
    },
  );

  it('labels a 23-hour and a 25-hour day’s hours with the offset of each', async () => {
    const spring = await fetchReport<{ points: Array<{ t: string }> }>(sites.A, 'timeseries', {
      ...SPRING_DST_DAY,
      interval: 'hour',
      metrics: 'pageviews',
    });
    const autumn = await fetchReport<{ points: Array<{ t: string }> }>(sites.A, 'timeseries', {
      ...AUTUMN_DST_DAY,
      interval: 'hour',
      metrics: 'pageviews',
    });
    expect(spring.points).toHaveLength(23);
    expect(spring.points.slice(1, 3).map((point) => point.t)).toEqual([
      '2026-03-29T01:00:00+01:00',
      '2026-03-29T03:00:00+02:00',
    ]);
    expect(autumn.points).toHaveLength(25);
    expect(autumn.points.slice(2, 4).map((point) => point.t)).toEqual([
      '2026-10-25T02:00:00+02:00',
      '2026-10-25T02:00:00+01:00',
    ]);
  });

  it('picks hours for a day when no interval is asked for, and the default metrics', async () => {
    expect(await fetchReport(sites.A, 'timeseries', SPRING_DST_DAY)).toEqual(
      expectedSeries(sites.A, SPRING_DST_DAY, 'hour', { metrics: DEFAULT_SERIES_METRICS }),
    );
  });

  it.each(FILTERS.slice(0, 12))('by day, filtered: %s', async (_name, filters) => {
    expect(await fetchReport(sites.A, 'timeseries', { ...SPRING_WEEK, interval: 'day', filters })).toEqual(
      expectedSeries(sites.A, SPRING_WEEK, 'day', { filters }),
    );
  });
});

const DIMENSIONS = [
  'page',
  'entry_page',
  'exit_page',
  'hostname',
  'referrer',
  'referrer_host',
  'channel',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_term',
  'utm_content',
  'country',
  'region',
  'city',
  'device',
  'browser',
  'browser_version',
  'os',
  'os_version',
  'screen',
  'language',
  'visitor_class',
  'company',
  'lead_status',
  'event',
  'prop:plan',
  'prop:coupon',
  'prop:total',
  'prop:autoplay',
  'prop:not-sent',
  'goal',
];

describe('breakdown', () => {
  it.each(DIMENSIONS)('by %s matches the events', async (dimension) => {
    for (const label of ['A', 'B'] as const) {
      const site = sites[label];
      expect(await fetchReport(site, 'breakdown', { ...ALL, dimension }), `site ${label}`).toEqual(
        expectedBreakdown(site, ALL, dimension),
      );
    }
  });

  it.each(['page', 'channel', 'country', 'entry_page', 'event', 'goal', 'prop:coupon', 'company'])(
    'by %s over a week, with the previous week',
    async (dimension) => {
      expect(
        await fetchReport(sites.A, 'breakdown', { ...AUTUMN_WEEK, dimension, compare: 'previous' }),
      ).toEqual(expectedBreakdown(sites.A, AUTUMN_WEEK, dimension, { compare: true }));
    },
  );

  const sorts = [
    'visitors',
    'sessions',
    'pageviews',
    'viewsPerSession',
    'bounceRate',
    'avgSessionSeconds',
    'conversions',
    'conversionRate',
    'value',
  ];
  it.each(
    sorts.flatMap((metric, index) => [
      [`${metric}:desc`, index % 2 === 0 ? 'page' : 'channel'],
      [`${metric}:asc`, index % 2 === 0 ? 'channel' : 'page'],
    ]),
  )('sorted by %s, a page of the breakdown by %s, with the number of values', async (sort, dimension) => {
    const options = { sort, limit: 4, offset: 1 };
    expect(await fetchReport(sites.A, 'breakdown', { ...ALL, dimension, ...options })).toEqual(
      expectedBreakdown(sites.A, ALL, dimension, options),
    );
  });

  it('pages through every value, and past the last', async () => {
    const whole = expectedBreakdown(sites.A, ALL, 'page', { limit: 1000 });
    const pages: BreakdownRow[] = [];
    for (let offset = 0; offset < whole.total + 3; offset += 3) {
      const page = await fetchReport<{ rows: BreakdownRow[]; total: number }>(sites.A, 'breakdown', {
        ...ALL,
        dimension: 'page',
        limit: 3,
        offset,
      });
      expect(page.total).toBe(whole.total);
      pages.push(...page.rows);
    }
    expect(pages).toEqual(whole.rows);
  });

  it.each(FILTERS)('by page, filtered: %s', async (_name, filters) => {
    expect(await fetchReport(sites.A, 'breakdown', { ...ALL, dimension: 'page', filters })).toEqual(
      expectedBreakdown(sites.A, ALL, 'page', { filters }),
    );
  });

  it.each([
    ['channel', [['is', 'page', ['/pricing']]]],
    ['goal', [['is', 'country', ['DE', 'US']]]],
    ['goal', [['is', 'channel', ['search']]]],
    [
      'country',
      [
        ['is', 'utm_campaign', [NONE]],
        ['contains', 'page', ['checkout']],
      ],
    ],
    ['prop:total', [['is', 'event', ['purchase']]]],
  ] as Array<[string, Filter[]]>)('by %s, filtered by %j', async (dimension, filters) => {
    expect(
      await fetchReport(sites.A, 'breakdown', { ...AUTUMN_WEEK, dimension, filters, compare: 'previous' }),
    ).toEqual(expectedBreakdown(sites.A, AUTUMN_WEEK, dimension, { filters, compare: true }));
  });
});

/** RFC 4180 as a spreadsheet reads it, for comparing the export with the model's rows. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        cell += '"';
        index += 1;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(cell);
      cell = '';
    } else if (char === '\r' && text[index + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      index += 1;
    } else cell += char;
  }
  return rows;
}

describe('breakdown as CSV', () => {
  it.each(['page', 'goal', 'prop:coupon', 'utm_campaign'])(
    'by %s holds every value with its metrics',
    async (dimension) => {
      const csv = await fetchReport<string>(sites.A, 'breakdown.csv', { ...ALL, dimension });
      const { rows } = expectedBreakdown(sites.A, ALL, dimension, { limit: 1_000_000 });
      const currencies = [...new Set(rows.flatMap((row) => Object.keys(row.revenue)))].sort();
      // Text a spreadsheet would run as a formula comes with a leading quote.
      const asText = (value: string) => (/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);
      expect(parseCsv(csv)).toEqual([
        [
          dimension,
          'visitors',
          'sessions',
          'pageviews',
          'views_per_session',
          'bounce_rate',
          'avg_session_seconds',
          'conversions',
          'conversion_rate',
          ...currencies.map((currency) => `revenue_${currency}`),
        ],
        ...rows.map((row) => [
          asText(row.value),
          ...[
            row.visitors,
            row.sessions,
            row.pageviews,
            row.viewsPerSession,
            row.bounceRate,
            row.avgSessionSeconds,
            row.conversions,
            row.conversionRate,
          ].map(String),
          ...currencies.map((currency) => String(row.revenue[currency] ?? 0)),
        ]),
      ]);
    },
  );
});

describe('goals and revenue', () => {
  it('count each goal’s completions, revenue per currency, and conversion rate against every visitor', async () => {
    const goals = expectedBreakdown(sites.A, ALL, 'goal');
    expect(await fetchReport(sites.A, 'breakdown', { ...ALL, dimension: 'goal' })).toEqual(goals);
    // What the set holds, so the comparison above covers it: overlapping goals, two currencies and
    // none (XXX), a purchase worth its value under one goal and its `total` under another.
    const byName = new Map(goals.rows.map((row) => [row.value, row]));
    expect(Object.keys(byName.get('Purchase')!.revenue).sort()).toEqual(['EUR', 'USD', 'XXX']);
    expect(byName.get('Order total')!.revenue).not.toEqual(byName.get('Purchase')!.revenue);
    expect(byName.get('Checkout pages')!.conversions).toBeGreaterThan(byName.get('Thank you')!.conversions);
    const all = expectedOverview(sites.A, ALL);
    expect(all.conversions).toBeLessThan(goals.rows.reduce((sum, row) => sum + row.conversions, 0));
  });

  it('without goals, count custom events with a value (site B)', async () => {
    expect(await fetchReport(sites.B, 'overview', ALL)).toEqual(expectedOverview(sites.B, ALL));
    expect(Object.keys(expectedOverview(sites.B, ALL).revenue).sort()).toEqual(
      expect.arrayContaining(['INR', 'XXX']),
    );
  });
});

describe('isolation', () => {
  const hostile: Array<[string, Filter[]]> = [
    ['another site’s page', [['is', 'page', ['/only-c']]]],
    ['another site’s page in the same agency', [['is', 'page', ['/only-b']]]],
    ['another site’s event', [['is', 'event', ['only-c']]]],
    ['another site’s campaign', [['contains', 'utm_campaign', ['c-campaign']]]],
    ['another site’s prop value', [['is', 'prop:coupon', ['c-secret']]]],
    ['a quote that would end a string', [['is', 'page', ["' OR '1'='1"]]]],
    ['a statement after a quote', [['contains', 'event', ["'); DROP TABLE events; --"]]]],
    ['a lone percent sign', [['is', 'page', ['%']]]],
    [
      'LIKE wildcards taken literally',
      [
        ['matches', 'page', ['%']],
        ['contains', 'page', ['_']],
      ],
    ],
    [
      'backslashes',
      [
        ['contains', 'page', ['\\']],
        ['matches', 'referrer', ['\\%*']],
      ],
    ],
    ['a value of 500 characters', [['contains', 'page', [LONG_VALUE]]]],
    ['unicode and emoji', [['is', 'city', ['Zürich', '🛒']]]],
    ['a prop key full of quotes', [['is', 'prop:it\'s"-%_\\', ['x']]]],
    ['a prop key that is another site’s', [['is_not', 'prop:coupon', ['c-secret']]]],
    ['many alternatives', [['is', 'country', Array.from({ length: 100 }, (_, index) => `C${index}`)]]],
  ];

  it.each(hostile)('site A’s reports see only site A, whatever the filter: %s', async (_name, filters) => {
    const site = sites.A;
    expect(await fetchReport(site, 'overview', { ...ALL, filters })).toEqual(
      expectedOverview(site, ALL, filters),
    );
    expect(await fetchReport(site, 'breakdown', { ...ALL, dimension: 'prop:coupon', filters })).toEqual(
      expectedBreakdown(site, ALL, 'prop:coupon', { filters }),
    );
  });

  it('finds nothing of the other sites in A, although they share visitor ids, paths, names and eventIds', () => {
    const idsOf = (label: SiteLabel) => new Set(sites[label].model.events.map((event) => event.eventId));
    const visitorsOf = (label: SiteLabel) => new Set(sites[label].model.events.map((event) => event.visitor));
    for (const other of ['B', 'C'] as const) {
      expect([...idsOf(other)].filter((id) => idsOf('A').has(id)).length).toBeGreaterThan(200);
      expect([...visitorsOf(other)].filter((id) => visitorsOf('A').has(id)).length).toBeGreaterThan(15);
    }
    const onlyElsewhere = expectedOverview(sites.A, ALL, [['is', 'page', ['/only-c', '/only-b']]]);
    expect(onlyElsewhere).toEqual({ ...EMPTY });
  });

  it('answers 404 to another agency’s owner for every report of the site, and to A’s owner for C', async () => {
    const stranger = sites.C.owner;
    for (const report of ['overview', 'timeseries', 'breakdown', 'breakdown.csv']) {
      const params = report.startsWith('breakdown') ? { ...ALL, dimension: 'page' } : ALL;
      const { url, response } = await ask(sites.A, report, params, stranger);
      expect(response.statusCode, `${url}: ${response.body}`).toBe(404);
    }
    const { response } = await ask(sites.C, 'overview', ALL, sites.A.owner);
    expect(response.statusCode).toBe(404);
    const goals = await context.app.inject({
      method: 'GET',
      url: `/api/sites/${sites.A.id}/goals`,
      headers: stranger.auth,
    });
    expect(goals.statusCode).toBe(404);
  });
});

describe('refusals', () => {
  const today = { from: '2026-10-25', to: '2026-10-25' };
  const filter = (value: unknown) => ({ ...today, filters: JSON.stringify(value) as unknown as Filter[] });
  const cases: Array<[string, string, Params, string]> = [
    ['an unknown dimension', 'breakdown', { ...today, dimension: 'password' }, 'dimension'],
    [
      'a dimension named like an object’s own property',
      'breakdown',
      { ...today, dimension: 'constructor' },
      'dimension',
    ],
    [
      'a filter dimension named like an object’s own property',
      'overview',
      filter([['is', 'toString', ['x']]]),
      'filters.0.1',
    ],
    ['a prop dimension without a key', 'breakdown', { ...today, dimension: 'prop:' }, 'dimension'],
    ['a prop dimension with a space', 'breakdown', { ...today, dimension: 'prop:a b' }, 'dimension'],
    ['an unknown sort metric', 'breakdown', { ...today, dimension: 'page', sort: 'password' }, 'sort'],
    [
      'a sort direction that is none',
      'breakdown',
      { ...today, dimension: 'page', sort: 'visitors:sideways' },
      'sort',
    ],
    ['a limit of 0', 'breakdown', { ...today, dimension: 'page', limit: 0 }, 'limit'],
    ['a limit over 1000', 'breakdown', { ...today, dimension: 'page', limit: 1001 }, 'limit'],
    ['a negative offset', 'breakdown', { ...today, dimension: 'page', offset: -1 }, 'offset'],
    [
      'filters that are not JSON',
      'overview',
      { ...today, filters: 'nope' as unknown as Filter[] },
      'filters',
    ],
    ['filters that are an object', 'overview', filter({ is: 'country' }), 'filters'],
    [
      'more than 20 filters',
      'overview',
      filter(Array.from({ length: 21 }, () => ['is', 'country', ['DE']])),
      'filters',
    ],
    ['a filter that is not a triple', 'overview', filter([['is', 'country']]), 'filters.0'],
    [
      'an unknown operator',
      'overview',
      filter([
        ['is', 'country', ['DE']],
        ['like', 'page', ['/']],
      ]),
      'filters.1.0',
    ],
    ['an unknown filter dimension', 'timeseries', filter([['is', 'secret', ['x']]]), 'filters.0.1'],
    ['no values', 'overview', filter([['is', 'country', []]]), 'filters.0.2'],
    [
      'more than 100 values',
      'overview',
      filter([['is', 'country', Array.from({ length: 101 }, () => 'DE')]]),
      'filters.0.2',
    ],
    [
      'a value that is not text',
      'breakdown',
      { ...filter([['is', 'country', ['DE', 7]]]), dimension: 'page' },
      'filters.0.2.1',
    ],
    ['an empty value', 'overview', filter([['contains', 'page', ['']]]), 'filters.0.2.0'],
    [
      'a value over 500 characters',
      'overview',
      filter([['contains', 'page', [`${LONG_VALUE}x`]]]),
      'filters.0.2.0',
    ],
    ['a value with a NUL character', 'overview', filter([['is', 'page', ['/\u0000']]]), 'filters.0.2.0'],
    ['a prop key with a NUL character', 'overview', filter([['is', 'prop:a\u0000b', ['x']]]), 'filters.0.1'],
    [
      'a prop dimension with a NUL character',
      'breakdown',
      { ...today, dimension: 'prop:a\u0000b' },
      'dimension',
    ],
    ['a day that does not exist', 'overview', { from: '2026-02-29', to: '2026-03-01' }, 'from'],
    ['a date in another format', 'overview', { from: '25.10.2026', to: '2026-10-26' }, 'from'],
    ['an instant without an offset', 'overview', { from: '2026-10-25T10:00:00', to: '2026-10-26' }, 'from'],
    ['a reversed range', 'overview', { from: '2026-11-30', to: '2026-11-01' }, 'to'],
    [
      'an empty range of instants',
      'overview',
      { from: '2026-10-25T10:00:00Z', to: '2026-10-25T12:00:00+02:00' },
      'to',
    ],
    ['a range over two years', 'overview', { from: '2024-01-01', to: '2026-01-01' }, 'to'],
    [
      'a range of instants over two years',
      'overview',
      { from: '2024-01-01T00:00:00Z', to: '2026-01-02T00:00:01Z' },
      'to',
    ],
    ['a comparison other than previous', 'overview', { ...today, compare: 'next' }, 'compare'],
    ['an interval that is none', 'timeseries', { ...today, interval: 'minute' }, 'interval'],
    [
      'hours over 5,001 buckets',
      'timeseries',
      { from: '2026-01-01T00:00:00Z', to: '2026-07-28T09:00:00Z', interval: 'hour' },
      'interval',
    ],
    [
      'hours over a year',
      'timeseries',
      { from: '2025-01-01', to: '2026-01-01', interval: 'hour' },
      'interval',
    ],
    ['an unknown metric', 'timeseries', { ...today, metrics: 'visitors,secrets' }, 'metrics'],
  ];

  it.each(cases)('%s is a 400 naming the parameter (%s)', async (_name, report, params, field) => {
    const { url, response } = await ask(sites.A, report, params);
    expect(response.statusCode, `${url}: ${response.body}`).toBe(400);
    expect(response.json().error.field, `${url}: ${response.body}`).toBe(field);
  });

  it.each([
    ['exactly 5,000 hours', 'A', { from: '2026-01-01T00:00:00Z', to: '2026-07-28T08:00:00Z' }, 5000],
    [
      '5,000 hours starting on the hour in a half-hour zone: 5,001 local hours',
      'B',
      { from: '2026-01-01T00:00:00Z', to: '2026-07-28T08:00:00Z' },
      5001,
    ],
  ] as const)('%s: the limit counts the local buckets', async (_name, label, range, buckets) => {
    const { url, response } = await ask(sites[label], 'timeseries', {
      ...range,
      interval: 'hour',
      metrics: 'visitors',
    });
    if (buckets <= 5000) {
      expect(response.statusCode, `${url}: ${response.body}`).toBe(200);
      expect(response.json().points).toHaveLength(buckets);
    } else {
      expect(response.statusCode, `${url}: ${response.body}`).toBe(400);
      expect(response.json().error.field).toBe('interval');
    }
  });

  it.each([
    ['731 days in winter time', { from: '2024-01-01', to: '2025-12-31' }],
    [
      '731 days from summer time to winter time (731 × 24 hours and one more)',
      { from: '2024-10-27', to: '2026-10-27' },
    ],
    ['731 days of instants', { from: '2024-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }],
  ])('%s is a range reports answer', async (_name, range) => {
    const { url, response } = await ask(sites.A, 'overview', range);
    expect(response.statusCode, `${url}: ${response.body}`).toBe(200);
  });
});
