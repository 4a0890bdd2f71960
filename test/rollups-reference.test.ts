import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toRevenue } from '../src/analytics/conversions.ts';
import { dimensionOf } from '../src/analytics/dimensions.ts';
import { goalDefinitions } from '../src/analytics/goals/goals.ts';
import {
  EMPTY_METRICS,
  groupedMetrics,
  rate,
  type Grouping,
  type Metrics,
} from '../src/analytics/grouped-metrics.ts';
import { ROLLUP_DIMENSIONS } from '../src/analytics/rollups/dimensions.ts';
import { goalsKey } from '../src/analytics/rollups/goals-key.ts';
import { refreshRollups } from '../src/analytics/rollups/refresh-rollups.ts';
import { SITES, type SiteLabel } from './analytics-reference-data.ts';
import {
  ingestReferenceDataSet,
  referenceEnrichment,
  type IngestedReference,
} from './analytics-reference-ingest.ts';
import { useTestApp } from './helpers.ts';

/**
 * Roll-ups against the raw reports: the reference event set (sessions across midnight and DST,
 * late and duplicate events, bots, goals by event and page pattern with revenue properties, several
 * currencies) goes through real ingestion, the job computes every day, and each day's rows (its
 * total, each local hour, every value of every rolled-up dimension) must be what groupedMetrics
 * answers over that day's instants with the site's goals.
 */

const geo = referenceEnrichment();
const context = useTestApp({ enrichment: geo.enrichment });
afterAll(() => geo.cleanup());

let reference: IngestedReference;

beforeAll(async () => {
  reference = await ingestReferenceDataSet(context);
  for (const site of Object.values(reference.sites)) {
    expect(await refresh(site.id)).toMatchObject({ failed: 0, remaining: 0 });
  }
}, 180_000);

const refresh = (siteId: string, budgetMs?: number) =>
  refreshRollups({
    db: context.db,
    siteId,
    now: () => new Date(),
    settleMs: 0,
    budgetMs,
    log: {
      error: (object) => {
        throw (object as { err: Error }).err;
      },
    },
  });

interface Counted {
  visitors: number;
  sessions: number;
  pageviews: number;
  bounces: number;
  duration_s: string | number;
  conversions: number;
  converted_visitors: number;
  revenue: Record<string, number>;
}

/** The Metrics a reader makes of a roll-up row, conversion rate over `base` visitors. */
function metricsOf(row: Counted, base: number): Metrics {
  const duration = Number(row.duration_s);
  return {
    visitors: row.visitors,
    sessions: row.sessions,
    pageviews: row.pageviews,
    viewsPerSession: rate(row.pageviews, row.sessions, 2),
    bounceRate: rate(row.bounces * 100, row.sessions, 1),
    avgSessionSeconds: rate(duration, row.sessions, 0),
    conversions: row.conversions,
    conversionRate: rate(row.converted_visitors * 100, base, 1),
    revenue: toRevenue(Object.entries(row.revenue).map(([currency, amount]) => ({ currency, amount }))),
  };
}

interface Day {
  day: string;
  from: Date;
  to: Date;
  total: Counted;
}

async function computedDays(siteId: string): Promise<Day[]> {
  const { rows } = await context.db.query<Counted & { day: string; from: Date; to: Date }>(
    `SELECT r.*, r.day::text AS day, r.day::timestamp AT TIME ZONE r.timezone AS "from",
            (r.day + 1)::timestamp AT TIME ZONE r.timezone AS "to"
     FROM rollup_days r WHERE r.site_id = $1 ORDER BY r.day`,
    [siteId],
  );
  return rows.map((row) => ({ day: row.day, from: row.from, to: row.to, total: row }));
}

async function expectDaysEqualRaw(label: SiteLabel) {
  const site = reference.sites[label];
  const db = context.db;
  const goals = await goalDefinitions(db, site.id);
  const days = await computedDays(site.id);
  expect(days.length, 'days computed').toBeGreaterThan(3);
  let compared = 0;
  for (const { day, from, to, total } of days) {
    const scope = { siteId: site.id, from, to, filters: [], goals };
    const metrics = async (grouping: Grouping, window = scope) =>
      (await groupedMetrics(db, window, grouping)).rows;
    const [all] = await metrics({ by: 'all' });
    expect(metricsOf(total, total.visitors), `${label} ${day} total`).toEqual(all?.metrics ?? EMPTY_METRICS);

    // Every local hour of the day (25 or 23 where the clocks change), rows or none.
    const { rows: hours } = await db.query<{ hour: Date; next: Date }>(
      `SELECT hour, coalesce(lead(hour) OVER (ORDER BY hour), $2) AS next FROM (
         SELECT DISTINCT t - ((t AT TIME ZONE $3) - date_trunc('hour', t AT TIME ZONE $3)) AS hour
         FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 second', interval '15 minutes') AS t
       ) AS hours`,
      [from, to, SITES[label].timezone],
    );
    const { rows: hourRows } = await db.query<Counted & { hour: Date }>(
      'SELECT * FROM rollup_hours WHERE site_id = $1 AND day = $2',
      [site.id, day],
    );
    expect(hourRows.every((row) => hours.some((hour) => hour.hour.getTime() === row.hour.getTime()))).toBe(
      true,
    );
    for (const { hour, next } of hours) {
      const [raw] = await metrics({ by: 'all' }, { ...scope, from: hour, to: next });
      const row = hourRows.find((candidate) => candidate.hour.getTime() === hour.getTime());
      expect(
        row === undefined ? EMPTY_METRICS : metricsOf(row, row.visitors),
        `${label} ${hour.toISOString()}`,
      ).toEqual(raw?.metrics ?? EMPTY_METRICS);
    }

    for (const dimension of ROLLUP_DIMENSIONS) {
      const grouping: Grouping =
        dimension === 'goal' ? { by: 'goal' } : { by: 'dimension', dimension: dimensionOf(dimension)! };
      const raw = await metrics(grouping);
      const { rows } = await db.query<Counted & { value: string }>(
        'SELECT * FROM rollup_values WHERE site_id = $1 AND dimension = $2 AND day = $3 ORDER BY value',
        [site.id, dimension, day],
      );
      const rolled = new Map(
        rows.map((row) => [row.value, metricsOf(row, dimension === 'goal' ? total.visitors : row.visitors)]),
      );
      const expected = new Map(raw.map((row) => [row.key ?? '', row.metrics]));
      expect(rolled, `${label} ${day} ${dimension}`).toEqual(expected);
      compared += rows.length;
    }
  }
  return compared;
}

describe('roll-ups of the reference event set', () => {
  it.each(['A', 'B', 'C'] as const)(
    'equal, day by day, what the raw reports answer for site %s: total, hours and every dimension',
    async (label) => {
      expect(await expectDaysEqualRaw(label)).toBeGreaterThan(100);
    },
    120_000,
  );

  it('hold conversions, revenue in several currencies and every goal of the site', async () => {
    const { rows } = await context.db.query<{ conversions: number; currencies: string[]; goals: string[] }>(
      `SELECT (SELECT sum(conversions)::int FROM rollup_days WHERE site_id = $1) AS conversions,
              (SELECT array_agg(DISTINCT c ORDER BY c) FROM rollup_days, jsonb_object_keys(revenue) AS c WHERE site_id = $1) AS currencies,
              (SELECT array_agg(DISTINCT value ORDER BY value) FROM rollup_values WHERE site_id = $1 AND dimension = 'goal') AS goals`,
      [reference.sites.A.id],
    );
    expect(rows[0]!.conversions).toBeGreaterThan(10);
    expect(rows[0]!.currencies.length).toBeGreaterThanOrEqual(3);
    expect(rows[0]!.goals.length).toBeGreaterThanOrEqual(4);
  });

  it('computes every day again when the goals change, newest first within its budget, and then equals the raw reports with the new goals', async () => {
    const site = reference.sites.B;
    const days = (await computedDays(site.id)).length;
    expect(await refresh(site.id)).toMatchObject({ days: 0 });
    const created = await context.app.inject({
      method: 'POST',
      url: `/api/sites/${site.id}/goals`,
      headers: site.owner.auth,
      payload: { name: 'Pricing', pagePattern: '/pricing*' },
    });
    expect(created.statusCode, created.body).toBe(201);

    expect(await refresh(site.id, -1)).toMatchObject({ days: 0, remaining: days });
    expect(await refresh(site.id)).toMatchObject({ days, remaining: 0, failed: 0 });
    const { rows } = await context.db.query<{ goals_key: string }>(
      'SELECT DISTINCT goals_key FROM rollup_days WHERE site_id = $1',
      [site.id],
    );
    expect(rows).toEqual([{ goals_key: goalsKey(await goalDefinitions(context.db, site.id)) }]);
    expect(await refresh(site.id)).toMatchObject({ days: 0 });
    await expectDaysEqualRaw('B');
  }, 120_000);
});
