import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPool } from '../../db/pool.ts';
import { ROLLUP_DIMENSIONS } from './dimensions.ts';
import { exactBetween, exactBreakdown, exactTotals, type ExactRange } from './exact-reports.ts';
import { refreshRollups } from './refresh-rollups.ts';
import { rollupBreakdown } from './rollup-breakdown.ts';
import { rollupOverview } from './rollup-overview.ts';
import { rollupTimeseries } from './rollup-timeseries.ts';
import { createRollupSite, syntheticVisits, writeVisits } from './test-traffic.ts';

const db = createPool({ connectionString: inject('databaseUrl'), max: 4 });
afterAll(() => db.end());

const TIMEZONE = 'Europe/Berlin';
/** Berlin leaves summer time on 2025-10-26: that day has 25 hours, two of them 02:00. */
const DAYS = ['2025-10-24', '2025-10-25', '2025-10-26', '2025-10-27'];
let siteId: string;
const range = (fromDay: string, toDay: string): ExactRange => ({
  db,
  siteId,
  timezone: TIMEZONE,
  fromDay,
  toDay,
});
const whole = () => range(DAYS[0]!, DAYS.at(-1)!);

beforeAll(async () => {
  siteId = await createRollupSite(db, TIMEZONE);
  // From 23:00 local before the first day to 01:00 after the last: visits cross both ends.
  await writeVisits(
    db,
    syntheticVisits({
      siteId,
      from: new Date('2025-10-23T21:00:00Z'),
      to: new Date('2025-10-28T00:00:00Z'),
      visits: 700,
      seed: 13,
    }),
  );
  expect(await refreshRollups({ db, now: () => new Date(), siteId })).toMatchObject({
    failed: 0,
    remaining: 0,
  });
});

/** Within 1 % of the exact count; small counts come out exact from the sparse sketches. */
function expectVisitorsNear(actual: number, exact: number) {
  expect(Math.abs(actual - exact), `${actual} visitors, exactly ${exact}`).toBeLessThanOrEqual(exact * 0.01);
}

describe('rollupOverview', () => {
  it.each([...DAYS.map((day) => [day, day]), [DAYS[0]!, DAYS.at(-1)!], [DAYS[1]!, DAYS[2]!]])(
    'equals the exact counts from %s to %s (visitors exact for a single day)',
    async (fromDay, toDay) => {
      const totals = await rollupOverview(range(fromDay, toDay));
      const exact = await exactTotals(range(fromDay, toDay));
      expect(exact.sessions).toBeGreaterThan(0);
      expect(totals).toEqual({
        ...exact,
        visitors: expect.any(Number),
        visitorsEstimated: fromDay !== toDay,
      });
      if (fromDay === toDay) expect(totals!.visitors).toBe(exact.visitors);
      else expectVisitorsNear(totals!.visitors, exact.visitors);
    },
  );

  it('answers zeros for days without events', async () => {
    expect(await rollupOverview(range('2025-11-10', '2025-11-12'))).toEqual({
      visitors: 0,
      visitorsEstimated: false,
      sessions: 0,
      bounces: 0,
      durationSeconds: 0,
      pageviews: 0,
      events: 0,
    });
  });

  it('does not answer for a timezone the days were not computed in', async () => {
    expect(await rollupOverview({ ...whole(), timezone: 'America/New_York' })).toBeUndefined();
  });
});

describe('rollupTimeseries', () => {
  it('has every local hour, 25 on the day summer time ends, each equal to the exact counts', async () => {
    const { points } = (await rollupTimeseries({ ...range('2025-10-26', '2025-10-26'), interval: 'hour' }))!;
    expect(points.map((point) => point.t.slice(11))).toEqual([
      '00:00+02:00',
      '01:00+02:00',
      '02:00+02:00',
      '02:00+01:00',
      ...Array.from({ length: 21 }, (_, hour) => `${String(hour + 3).padStart(2, '0')}:00+01:00`),
    ]);
    for (const point of points) {
      const from = new Date(point.t.replace(/(\d\d:\d\d)([+-])/, '$1:00$2'));
      const exact = await exactBetween(db, siteId, from, new Date(from.getTime() + 3_600_000));
      expect({ ...point, t: undefined }, point.t).toEqual({
        ...exact,
        t: undefined,
        visitorsEstimated: false,
      });
    }
  });

  it('has every day, with the exact counts of each', async () => {
    const { points } = (await rollupTimeseries({ ...range('2025-10-22', '2025-10-28'), interval: 'day' }))!;
    expect(points.map((point) => point.t)).toEqual([
      '2025-10-22',
      '2025-10-23',
      '2025-10-24',
      '2025-10-25',
      '2025-10-26',
      '2025-10-27',
      '2025-10-28',
    ]);
    for (const point of points) {
      expect(point, point.t).toEqual({
        ...(await exactTotals(range(point.t, point.t))),
        t: point.t,
        visitorsEstimated: false,
      });
    }
  });

  it.each([
    [
      'week',
      [
        ['2025-10-20', '2025-10-24', '2025-10-26'],
        ['2025-10-27', '2025-10-27', '2025-10-27'],
      ],
    ],
    ['month', [['2025-10-01', '2025-10-24', '2025-10-27']]],
  ] as const)('sums the days of each %s and merges their visitors', async (interval, buckets) => {
    const { points } = (await rollupTimeseries({ ...whole(), interval }))!;
    expect(points.map((point) => point.t)).toEqual(buckets.map(([t]) => t));
    for (const [at, [, fromDay, toDay]] of buckets.entries()) {
      const exact = await exactTotals(range(fromDay, toDay));
      expect(points[at]).toEqual({
        ...exact,
        t: buckets[at]![0],
        visitors: expect.any(Number),
        visitorsEstimated: fromDay !== toDay,
      });
      expectVisitorsNear(points[at]!.visitors, exact.visitors);
    }
  });

  it('does not answer for a timezone the days were not computed in', async () => {
    expect(await rollupTimeseries({ ...whole(), timezone: 'UTC', interval: 'day' })).toBeUndefined();
  });
});

describe('rollupBreakdown', () => {
  it.each(ROLLUP_DIMENSIONS)(
    'gives every value of %s with the exact counts, visitors within 1 percent',
    async (dimension) => {
      const exact = await exactBreakdown(whole(), dimension);
      const result = (await rollupBreakdown({ ...whole(), dimension, limit: 1000, offset: 0 }))!;
      expect(result.total).toBe(exact.size);
      expect(exact.size).toBeGreaterThan(0);
      for (const row of result.rows) {
        const expected = exact.get(row.value ?? '');
        expect(row, String(row.value)).toEqual({
          ...expected,
          visitors: expect.any(Number),
          visitorsEstimated: true,
        });
        expectVisitorsNear(row.visitors, expected!.visitors);
      }
    },
  );

  it('ranks by visitors as the exact counts do, and pages through the same order', async () => {
    const exact = [...(await exactBreakdown(whole(), 'city')).values()].sort(
      (a, b) => b.visitors - a.visitors || String(a.value).localeCompare(String(b.value)),
    );
    const all = (await rollupBreakdown({ ...whole(), dimension: 'city', limit: 100, offset: 0 }))!.rows;
    expect(all.map((row) => row.value)).toEqual(exact.map((row) => row.value));
    const pages = [];
    for (let offset = 0; offset < all.length; offset += 2) {
      pages.push(...(await rollupBreakdown({ ...whole(), dimension: 'city', limit: 2, offset }))!.rows);
    }
    expect(pages).toEqual(all);
    const ascending = (await rollupBreakdown({
      ...whole(),
      dimension: 'city',
      limit: 2,
      offset: 0,
      sort: { by: 'visitors', direction: 'asc' },
    }))!.rows;
    expect(ascending.map((row) => row.value)).toEqual(
      [...all]
        .sort((a, b) => a.visitors - b.visitors || String(a.value).localeCompare(String(b.value)))
        .slice(0, 2)
        .map((row) => row.value),
    );
  });

  it.each([
    ['sessions', 'desc'],
    ['pageviews', 'asc'],
    ['entries', 'desc'],
  ] as const)('sorts by %s %s, ties by value', async (by, direction) => {
    const exact = [...(await exactBreakdown(whole(), 'page')).values()];
    const metric = (row: { sessions: number; pageviews: number; entries: number }) => row[by];
    const sign = direction === 'desc' ? -1 : 1;
    exact.sort((a, b) => sign * (metric(a) - metric(b)) || String(a.value).localeCompare(String(b.value)));
    const { rows, total } = (await rollupBreakdown({
      ...whole(),
      dimension: 'page',
      limit: 3,
      offset: 1,
      sort: { by, direction },
    }))!;
    expect(rows.map((row) => row.value)).toEqual(exact.slice(1, 4).map((row) => row.value));
    expect(total).toBe(exact.length);
  });

  it('says how many values there are when the offset is past them', async () => {
    const exact = await exactBreakdown(whole(), 'device');
    expect(await rollupBreakdown({ ...whole(), dimension: 'device', limit: 5, offset: 50 })).toEqual({
      rows: [],
      total: exact.size,
    });
  });

  it('does not answer for a timezone the days were not computed in', async () => {
    expect(
      await rollupBreakdown({ ...whole(), timezone: 'UTC', dimension: 'page', limit: 5, offset: 0 }),
    ).toBeUndefined();
  });
});

describe('visitors past the sparse sketches', () => {
  it('come within 1 % of the exact count over days that each hold ~25,000 visitors', async () => {
    const bigSite = await createRollupSite(db, 'UTC');
    // Three days of one page view each from 25,000 visitors a day, 10,000 of them back every day.
    await db.query(
      `INSERT INTO events (id, site_id, type, received_at, occurred_at, visitor_id, session_id, path, enrichment_status)
       SELECT 'evt_' || day || '_' || n, $1, 'pageview', now(), $2::timestamptz + day * interval '1 day' + n * interval '1 second',
              'v' || CASE WHEN n < 10000 THEN n ELSE day * 100000 + n END, 's' || day || '-' || n, '/p' || (n % 7), 'done'
       FROM generate_series(0, 2) AS day, generate_series(0, 24999) AS n`,
      [bigSite, '2025-06-01T00:00:00Z'],
    );
    await db.query(
      `INSERT INTO rollup_dirty (site_id, hour) SELECT $1, $2::timestamptz + h * interval '1 hour' FROM generate_series(0, 71) AS h`,
      [bigSite, '2025-06-01T00:00:00Z'],
    );
    expect(await refreshRollups({ db, now: () => new Date(), siteId: bigSite })).toMatchObject({ failed: 0 });
    const big = { db, siteId: bigSite, timezone: 'UTC', fromDay: '2025-06-01', toDay: '2025-06-03' };
    const exact = await exactTotals(big);
    expect(exact.visitors).toBe(10_000 + 3 * 15_000);
    const totals = await rollupOverview(big);
    expectVisitorsNear(totals!.visitors, exact.visitors);
    const [page] = (await rollupBreakdown({ ...big, dimension: 'page', limit: 1, offset: 0 }))!.rows;
    const exactPage = (await exactBreakdown(big, 'page')).get(page!.value!)!;
    expectVisitorsNear(page!.visitors, exactPage.visitors);
  });
});
