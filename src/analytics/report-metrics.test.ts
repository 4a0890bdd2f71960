import { beforeAll, describe, expect, it } from 'vitest';
import { createTenant, useTestApp, type TestTenant } from '../../test/helpers.ts';
import { breakdownGrouping, breakdownOrder } from './breakdown.ts';
import { goalDefinitions } from './goals/goals.ts';
import { groupedMetrics, type Grouping, type GroupedRow } from './grouped-metrics.ts';
import { reportMetrics, type ReportScope } from './report-metrics.ts';
import { dayStart } from './rollups/rollup-split.ts';
import { refreshRollups } from './rollups/refresh-rollups.ts';
import { bucketStarts } from './timeseries.ts';

/**
 * Reports answered from roll-ups against the same reports counted on raw events: a week of known
 * traffic (no visit crosses midnight, where roll-ups count an event dimension's sessions by day), the
 * roll-up job run over it, then every rolled-up grouping compared. Visitors over several days come
 * from sketches; at these counts the sparse sketches are exact, so everything must match.
 */

const context = useTestApp();
const TIMEZONE = 'America/New_York';
const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const PAGES = ['/', '/pricing', '/blog/a', '/blog/b', '/signup', '/thanks'];
const SOURCES = [undefined, 'https://www.google.com/', 'https://news.ycombinator.com/', 'https://t.co/x'];

let tenant: TestTenant;
let siteId: string;
let siteKey: string;
/** The local days of the traffic, oldest first; the last is yesterday. */
let days: string[];

function localDay(offsetDays: number): string {
  const now = new Date();
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: TIMEZONE }).format(now);
  const date = new Date(`${today}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + offsetDays);
  return date.toISOString().slice(0, 10);
}

/** The n-th pseudo-random number of a fixed sequence, so the traffic is the same on every run. */
const pick = <T>(items: readonly T[], n: number): T => items[((n * 2654435761) % items.length) >>> 0]!;

async function track(events: Array<Record<string, unknown>>) {
  const response = await context.app.inject({
    method: 'POST',
    url: '/api/track/batch',
    headers: { origin: 'https://rollups.example', 'user-agent': CHROME },
    payload: {
      events: events.map((event) => ({ site: siteKey, consent: { analytics: true }, ...event })),
      // The clock is right: the times sent are when the events happened.
      sentAt: Date.now(),
    },
  });
  expect(response.statusCode, response.body).toBe(201);
}

/** Visits on each day between 09:00 and 17:00 local time: page views, a signup now and then, a purchase in two currencies. */
function trafficOf(day: string, dayIndex: number): Array<Record<string, unknown>> {
  const events: Array<Record<string, unknown>> = [];
  const start = dayStart(day, TIMEZONE).getTime();
  for (let visit = 0; visit < 12 + dayIndex * 3; visit += 1) {
    const n = dayIndex * 100 + visit;
    // Some visitors come back on later days.
    const visitorId = `v${n % 17 === 0 ? visit : n}`;
    const at = start + (9 + (visit % 8)) * 3_600_000 + visit * 60_000;
    const referrer = pick(SOURCES, n);
    const views = 1 + (n % 3);
    for (let view = 0; view < views; view += 1) {
      events.push({
        type: 'pageview',
        url: `https://rollups.example${pick(PAGES, n + view)}${view === 0 && n % 5 === 0 ? '?utm_source=news&utm_campaign=launch' : ''}`,
        visitorId,
        ts: at + view * 30_000,
        ...(view === 0 && referrer !== undefined ? { referrer } : {}),
      });
    }
    if (n % 4 === 0)
      events.push({
        type: 'event',
        name: 'signup',
        url: 'https://rollups.example/signup',
        visitorId,
        ts: at + views * 30_000,
      });
    if (n % 6 === 0) {
      events.push({
        type: 'event',
        name: 'purchase',
        url: 'https://rollups.example/thanks',
        visitorId,
        ts: at + views * 30_000 + 1_000,
        value: 10 + (n % 7),
        currency: n % 12 === 0 ? 'USD' : 'EUR',
      });
    }
  }
  return events;
}

/** The window of traffic days `first` to `last` (indexes into `days`), both included. */
async function scopeOf(first: number, last: number): Promise<ReportScope> {
  return {
    siteId,
    from: dayStart(days[first]!, TIMEZONE),
    to: dayStart(localDay(last - days.length + 1), TIMEZONE),
    timezone: TIMEZONE,
    filters: [],
    goals: await goalDefinitions(context.db, siteId),
  };
}

async function expectSameAsRaw(
  scope: ReportScope,
  grouping: Grouping,
  sort?: string,
  limit = 100,
  offset = 0,
) {
  const order = { ...breakdownOrder(sort), limit, offset };
  const raw = await groupedMetrics(context.db, scope, grouping, sort === undefined ? undefined : order);
  const rolledUp = await reportMetrics(context.db, scope, grouping, sort === undefined ? {} : { order });
  const sorted = (rows: GroupedRow[]) =>
    sort === undefined ? [...rows].sort((a, b) => String(a.key).localeCompare(String(b.key))) : rows;
  expect(sorted(rolledUp.rows)).toEqual(sorted(raw.rows));
  expect(rolledUp.total).toBe(raw.total);
  return rolledUp;
}

const DIMENSIONS = [
  'page',
  'entry_page',
  'exit_page',
  'hostname',
  'referrer',
  'referrer_host',
  'channel',
  'utm_source',
  'utm_campaign',
  'country',
  'device',
  'browser',
  'os',
  'screen',
  'language',
  'visitor_class',
  'event',
  'goal',
];

describe('reports from roll-ups', () => {
  it.each([
    ['the whole week', 0, 5],
    ['one day', 2, 2],
    ['three days', 1, 3],
  ])('answer the overview of %s as raw events do', async (_, first, last) => {
    const scope = await scopeOf(first, last);
    const { rows } = await expectSameAsRaw(scope, { by: 'all' });
    expect(rows[0]!.metrics.visitors).toBeGreaterThan(0);
  });

  it.each([
    ['day', 0, 5],
    ['week', 0, 5],
    ['month', 0, 5],
    ['hour', 3, 4],
  ] as const)('answer a time series by %s as raw events do', async (interval, first, last) => {
    const scope = await scopeOf(first, last);
    await expectSameAsRaw(scope, {
      by: 'buckets',
      thresholds: bucketStarts(scope, interval),
      unit: interval === 'hour' ? 'hour' : 'day',
    });
  });

  it.each(DIMENSIONS)('answer a breakdown by %s as raw events do', async (dimension) => {
    const scope = await scopeOf(0, 5);
    const { rows } = await expectSameAsRaw(scope, breakdownGrouping(dimension), 'visitors:desc');
    expect(rows.length).toBeGreaterThan(0);
  });

  it.each([
    ['visitors:desc', 3, 1],
    ['visitors:asc', 2, 0],
    ['pageviews:desc', 3, 1],
    ['sessions:asc', 4, 0],
    ['bounceRate:asc', 5, 0],
    ['avgSessionSeconds:desc', 5, 0],
    ['viewsPerSession:desc', 2, 2],
    ['conversions:desc', 3, 0],
    ['value:asc', 3, 2],
    ['conversionRate:desc', 3, 0],
  ])('sort and page a breakdown (%s, limit %i, offset %i) as raw events do', async (sort, limit, offset) => {
    const scope = await scopeOf(0, 5);
    await expectSameAsRaw(scope, breakdownGrouping('page'), sort, limit, offset);
  });

  it('read the roll-up tables for the days they cover', async () => {
    const scope = await scopeOf(0, 5);
    const before = (await reportMetrics(context.db, scope, { by: 'all' })).rows[0]!.metrics;
    await context.db.query(
      'UPDATE rollup_days SET pageviews = pageviews + 1000 WHERE site_id = $1 AND day = $2',
      [siteId, days[1]],
    );
    try {
      const after = (await reportMetrics(context.db, scope, { by: 'all' })).rows[0]!.metrics;
      expect(after.pageviews).toBe(before.pageviews + 1000);
    } finally {
      await context.db.query(
        'UPDATE rollup_days SET pageviews = pageviews - 1000 WHERE site_id = $1 AND day = $2',
        [siteId, days[1]],
      );
    }
  });
});

describe('reports while roll-ups trail the events', () => {
  it('count a day the job has not taken in yet, and every day after it, on raw events', async () => {
    await track([
      {
        type: 'pageview',
        url: 'https://rollups.example/late',
        visitorId: 'late-1',
        ts: dayStart(days[2]!, TIMEZONE).getTime() + 12 * 3_600_000,
      },
    ]);
    const scope = await scopeOf(0, 5);
    const { rows } = await expectSameAsRaw(scope, breakdownGrouping('page'), 'visitors:desc');
    expect(rows.map((row) => row.key)).toContain('/late');
    await expectSameAsRaw(scope, { by: 'all' });
    await expectSameAsRaw(scope, { by: 'buckets', thresholds: bucketStarts(scope, 'day'), unit: 'day' });
    await refreshRollups({ db: context.db, now: () => new Date(), settleMs: 0, siteId });
    await expectSameAsRaw(scope, breakdownGrouping('page'), 'visitors:desc');
  });

  it('count conversions of a new goal on raw events until the job recomputes the days', async () => {
    const response = await context.app.inject({
      method: 'POST',
      url: `/api/sites/${siteId}/goals`,
      headers: tenant.auth,
      payload: { pagePattern: '/pricing' },
    });
    expect(response.statusCode, response.body).toBe(201);
    const scope = await scopeOf(0, 5);
    await expectSameAsRaw(scope, { by: 'all' });
    await expectSameAsRaw(scope, breakdownGrouping('goal'), 'visitors:desc');
    await refreshRollups({ db: context.db, now: () => new Date(), settleMs: 0, siteId });
    await expectSameAsRaw(scope, { by: 'all' });
    await expectSameAsRaw(scope, breakdownGrouping('goal'), 'visitors:desc');
  });
});

beforeAll(async () => {
  tenant = await createTenant(context);
  const created = await context.app.inject({
    method: 'POST',
    url: '/api/sites',
    headers: tenant.auth,
    payload: { name: 'Rolled up', domain: 'rollups.example' },
  });
  expect(created.statusCode, created.body).toBe(201);
  ({ id: siteId, siteKey } = created.json());
  const zoned = await context.app.inject({
    method: 'PATCH',
    url: `/api/sites/${siteId}`,
    headers: tenant.auth,
    payload: { timezone: TIMEZONE },
  });
  expect(zoned.statusCode, zoned.body).toBe(200);
  for (const goal of [{ eventName: 'purchase' }, { pagePattern: '/blog/*' }, { eventName: 'signup' }]) {
    const response = await context.app.inject({
      method: 'POST',
      url: `/api/sites/${siteId}/goals`,
      headers: tenant.auth,
      payload: goal,
    });
    expect(response.statusCode, response.body).toBe(201);
  }
  days = [-6, -5, -4, -3, -2, -1].map(localDay);
  for (const [index, day] of days.entries()) await track(trafficOf(day, index));
  await refreshRollups({ db: context.db, now: () => new Date(), settleMs: 0, siteId });
  const { rows } = await context.db.query(
    'SELECT count(*)::int AS marks FROM rollup_dirty WHERE site_id = $1',
    [siteId],
  );
  expect(rows[0].marks).toBe(0);
});
