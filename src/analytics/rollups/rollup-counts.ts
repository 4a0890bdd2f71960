import type { Queryable } from '../../db/pool.ts';
import { NONE } from './dimensions.ts';
import type { LocalDay } from './rollup-split.ts';

/** A roll-up row's part of a group's distinct visitors: its exact count and its sketch. */
export interface VisitorPart {
  visitors: number;
  sketch: Buffer | null;
}

/** What roll-up rows give a group: additive counts, and per row its visitors and converted visitors. */
export interface RollupGroup {
  key: string | null;
  sessions: number;
  pageviews: number;
  bounces: number;
  duration: number;
  conversions: number;
  revenue: Record<string, number>;
  /** The busiest row's count and the sum over rows: the group's distinct visitors lie between. */
  visitorsMax: number;
  visitorsSum: number;
}

export interface RollupDays {
  siteId: string;
  fromDay: LocalDay;
  toDay: LocalDay;
}

interface SummedRow {
  key: string;
  sessions: number;
  pageviews: number;
  bounces: number;
  duration: number;
  conversions: number;
  revenues: Array<Record<string, number>> | null;
  visitors_max: number;
  visitors_sum: number;
}

const SUMS = `max(visitors)::int AS visitors_max, sum(visitors)::bigint AS visitors_sum,
  sum(sessions)::bigint AS sessions, sum(pageviews)::bigint AS pageviews, sum(bounces)::bigint AS bounces,
  sum(duration_s)::bigint AS duration, sum(conversions)::bigint AS conversions`;

/** Per currency, the sum of amounts over rows. */
function addRevenues(revenues: ReadonlyArray<Record<string, number>> | null): Record<string, number> {
  const total: Record<string, number> = {};
  for (const revenue of revenues ?? []) {
    for (const [currency, amount] of Object.entries(revenue))
      total[currency] = (total[currency] ?? 0) + amount;
  }
  return total;
}

const keyOf = (value: string) => (value === NONE ? null : value);

function groupOf(row: SummedRow): RollupGroup {
  return {
    key: keyOf(row.key),
    sessions: row.sessions,
    pageviews: row.pageviews,
    bounces: row.bounces,
    duration: row.duration,
    conversions: row.conversions,
    revenue: addRevenues(row.revenues),
    visitorsMax: row.visitors_max,
    visitorsSum: row.visitors_sum,
  };
}

/**
 * Every value of a dimension over the days, with its sums; `''` (no value) comes back as null.
 * Revenue is read apart, from the rows that have any (migration 021's index): gathered in the same
 * query it turned the hashed grouping into a sort of every row, twice as slow.
 */
export async function rollupValueSums(
  db: Queryable,
  days: RollupDays,
  dimension: string,
): Promise<RollupGroup[]> {
  const range = [days.siteId, dimension, days.fromDay, days.toDay];
  const [{ rows }, { rows: revenueRows }] = await Promise.all([
    db.query<Omit<SummedRow, 'revenues'>>(
      `SELECT value AS key, ${SUMS} FROM rollup_values
       WHERE site_id = $1 AND dimension = $2 AND day BETWEEN $3 AND $4
       GROUP BY value`,
      range,
    ),
    db.query<{ key: string; revenues: Array<Record<string, number>> }>(
      `SELECT value AS key, jsonb_agg(revenue) AS revenues FROM rollup_values
       WHERE site_id = $1 AND dimension = $2 AND day BETWEEN $3 AND $4 AND revenue <> '{}'::jsonb
       GROUP BY value`,
      range,
    ),
  ]);
  const revenues = new Map(revenueRows.map((row) => [row.key, row.revenues]));
  return rows.map((row) => groupOf({ ...row, revenues: revenues.get(row.key) ?? null }));
}

/** The visitor and converted-visitor parts of the given values, day by day. */
export async function rollupValueParts(
  db: Queryable,
  days: RollupDays,
  dimension: string,
  keys: ReadonlyArray<string | null>,
): Promise<Map<string | null, { visitors: VisitorPart[]; converted: VisitorPart[] }>> {
  const { rows } = await db.query<{
    key: string;
    visitors: number;
    visitor_sketch: Buffer;
    converted_visitors: number;
    converted_sketch: Buffer;
  }>(
    `SELECT value AS key, visitors, visitor_sketch, converted_visitors, converted_sketch FROM rollup_values
     WHERE site_id = $1 AND dimension = $2 AND day BETWEEN $3 AND $4 AND value = ANY($5::text[])`,
    [days.siteId, dimension, days.fromDay, days.toDay, keys.map((key) => key ?? NONE)],
  );
  const parts = new Map<string | null, { visitors: VisitorPart[]; converted: VisitorPart[] }>();
  for (const row of rows) {
    const key = keyOf(row.key);
    const entry = parts.get(key) ?? { visitors: [], converted: [] };
    entry.visitors.push({ visitors: row.visitors, sketch: row.visitor_sketch });
    entry.converted.push({ visitors: row.converted_visitors, sketch: row.converted_sketch });
    parts.set(key, entry);
  }
  return parts;
}

/** One roll-up day or hour, by the instant it begins, with its counts and (for days) sketches. */
export interface RollupPeriod {
  start: Date;
  group: RollupGroup;
  visitors: VisitorPart;
  converted: VisitorPart;
}

/** Each computed day of the range with its counts and sketches. */
export async function rollupDayRows(
  db: Queryable,
  days: RollupDays,
  timezone: string,
): Promise<RollupPeriod[]> {
  const { rows } = await db.query<
    SummedRow & { visitor_sketch: Buffer; converted_visitors: number; converted_sketch: Buffer; start: Date }
  >(
    `SELECT day::text AS key, (day::timestamp AT TIME ZONE $4) AS start,
       visitors AS visitors_max, visitors AS visitors_sum, sessions, pageviews, bounces, duration_s AS duration,
       conversions, CASE WHEN revenue = '{}'::jsonb THEN NULL ELSE jsonb_build_array(revenue) END AS revenues,
       visitor_sketch, converted_visitors, converted_sketch
     FROM rollup_days WHERE site_id = $1 AND day BETWEEN $2 AND $3
     ORDER BY day`,
    [days.siteId, days.fromDay, days.toDay, timezone],
  );
  return rows.map((row) => ({
    start: row.start,
    group: groupOf(row),
    visitors: { visitors: row.visitors_max, sketch: row.visitor_sketch },
    converted: { visitors: row.converted_visitors, sketch: row.converted_sketch },
  }));
}

/** Each local hour of the range with its counts: exact, an hour never merges with another. */
export async function rollupHourRows(db: Queryable, days: RollupDays): Promise<RollupPeriod[]> {
  const { rows } = await db.query<SummedRow & { converted_visitors: number; start: Date }>(
    `SELECT hour::text AS key, hour AS start, visitors AS visitors_max, visitors AS visitors_sum, sessions,
       pageviews, bounces, duration_s AS duration, conversions,
       CASE WHEN revenue = '{}'::jsonb THEN NULL ELSE jsonb_build_array(revenue) END AS revenues, converted_visitors
     FROM rollup_hours WHERE site_id = $1 AND day BETWEEN $2 AND $3
     ORDER BY hour`,
    [days.siteId, days.fromDay, days.toDay],
  );
  return rows.map((row) => ({
    start: row.start,
    group: groupOf(row),
    visitors: { visitors: row.visitors_max, sketch: null },
    converted: { visitors: row.converted_visitors, sketch: null },
  }));
}
