import type { RollupDimension } from './dimensions.ts';
import { NONE } from './dimensions.ts';
import type { RollupTotals } from './rollup-overview.ts';
import { rollupsCover, visitorsOverDays, type RollupRange } from './rollup-range.ts';

/** The additive counts a breakdown may be sorted by besides visitors; the SQL of each is code, never input. */
const SORT_SQL = {
  sessions: 'sessions',
  pageviews: 'pageviews',
  events: 'events',
  bounces: 'bounces',
  duration: 'duration_s',
  entries: 'entries',
  exits: 'exits',
} as const;
export type BreakdownSortKey = 'visitors' | keyof typeof SORT_SQL;

export interface BreakdownSort {
  by: BreakdownSortKey;
  direction: 'asc' | 'desc';
}

/**
 * One value of the dimension over the range. For a session dimension, the sessions that started
 * in the range with the value and the page views and events they hold; for `page`, `hostname` and
 * `event`, their events, and per day the distinct sessions that sent them (a session across
 * midnight counts on both days); a page's bounces and duration are those of the sessions that
 * entered on it (`entries`), so its bounce rate is bounces / entries.
 */
export interface RollupBreakdownRow extends RollupTotals {
  /** null for events or sessions without a value. */
  value: string | null;
  entries: number;
  exits: number;
}

interface Grouped {
  value: string;
  visitors_sum: number;
  visitors_max: number;
  sessions: number;
  pageviews: number;
  events: number;
  bounces: number;
  duration_s: number;
  entries: number;
  exits: number;
  total: number;
}

const GROUPED = `WITH grouped AS (
    SELECT value, sum(visitors)::bigint AS visitors_sum, max(visitors) AS visitors_max, sum(sessions)::bigint AS sessions,
      sum(pageviews)::bigint AS pageviews, sum(events)::bigint AS events, sum(bounces)::bigint AS bounces,
      sum(duration_s)::bigint AS duration_s, sum(entries)::bigint AS entries, sum(exits)::bigint AS exits
    FROM rollup_values
    WHERE site_id = $1 AND dimension = $2 AND day BETWEEN $3 AND $4
    GROUP BY value
  )`;

/** A page of values ranked by an additive count, and how many values there are. */
const rankedBy = (column: string, direction: 'asc' | 'desc') => `${GROUPED}
  SELECT *, count(*) OVER () AS total FROM grouped
  ORDER BY ${column} ${direction}, value
  LIMIT $5 OFFSET $6`;

/**
 * The values that can be among the first `$5` by distinct visitors: a value's visitors lie between
 * its busiest day's count and the sum of its days' counts, so one whose sum falls short of the
 * `$5`-th highest busiest-day count cannot place (and, by its estimate, which stays in those bounds,
 * does not). Ascending, the same with the roles swapped.
 */
const VISITOR_CANDIDATES = {
  desc: `${GROUPED}
    SELECT *, (SELECT count(*) FROM grouped) AS total FROM grouped
    WHERE visitors_sum >= coalesce((SELECT visitors_max FROM grouped ORDER BY visitors_max DESC LIMIT 1 OFFSET $5 - 1), 0)`,
  asc: `${GROUPED}
    SELECT *, (SELECT count(*) FROM grouped) AS total FROM grouped
    WHERE visitors_max <= coalesce((SELECT visitors_sum FROM grouped ORDER BY visitors_sum LIMIT 1 OFFSET $5 - 1),
                                   (SELECT max(visitors_sum) FROM grouped))`,
};

const SKETCHES = `SELECT value, visitors, visitor_sketch AS sketch FROM rollup_values
  WHERE site_id = $1 AND dimension = $2 AND day BETWEEN $3 AND $4 AND value = ANY($5::text[])`;

/**
 * A page of the dimension's values over the range from roll-ups, with the number of values;
 * undefined when roll-ups do not cover the range. Ties go to the value in ascending order.
 * Visitors are merged from the day sketches of the rows returned only.
 */
export async function rollupBreakdown(
  range: RollupRange & {
    dimension: RollupDimension;
    /** Positive integer. */
    limit: number;
    /** Non-negative integer. */
    offset: number;
    sort?: BreakdownSort;
  },
): Promise<{ rows: RollupBreakdownRow[]; total: number } | undefined> {
  if (!(await rollupsCover(range))) return undefined;
  const { db, siteId, dimension, fromDay, toDay, limit, offset } = range;
  const sort = range.sort ?? { by: 'visitors', direction: 'desc' };
  const scope = [siteId, dimension, fromDay, toDay];
  const { rows: grouped } =
    sort.by === 'visitors'
      ? await db.query<Grouped>(VISITOR_CANDIDATES[sort.direction], [...scope, offset + limit])
      : await db.query<Grouped>(rankedBy(SORT_SQL[sort.by], sort.direction), [...scope, limit, offset]);
  const total = grouped[0]?.total ?? 0;
  if (grouped.length === 0) {
    // An offset past the end still says how many values there are.
    const { rows } = await db.query<{ total: number }>(
      `${GROUPED} SELECT count(*) AS total FROM grouped`,
      scope,
    );
    return { rows: [], total: rows[0]!.total };
  }

  const { rows: days } = await db.query<{ value: string; visitors: number; sketch: Buffer }>(SKETCHES, [
    ...scope,
    grouped.map((row) => row.value),
  ]);
  const daysOf = new Map<string, Array<{ visitors: number; sketch: Buffer }>>();
  for (const day of days) daysOf.set(day.value, [...(daysOf.get(day.value) ?? []), day]);
  let rows = grouped.map((row) => ({ row, ...visitorsOverDays(daysOf.get(row.value) ?? []) }));
  if (sort.by === 'visitors') {
    const sign = sort.direction === 'desc' ? -1 : 1;
    rows = rows
      .sort(
        (a, b) =>
          sign * (a.visitors - b.visitors) ||
          (a.row.value < b.row.value ? -1 : a.row.value > b.row.value ? 1 : 0),
      )
      .slice(offset, offset + limit);
  }
  return {
    rows: rows.map(({ row, visitors, estimated }) => ({
      value: row.value === NONE ? null : row.value,
      visitors,
      visitorsEstimated: estimated,
      sessions: row.sessions,
      pageviews: row.pageviews,
      events: row.events,
      bounces: row.bounces,
      durationSeconds: row.duration_s,
      entries: row.entries,
      exits: row.exits,
    })),
    total,
  };
}
