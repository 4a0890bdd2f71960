import type { Queryable } from '../../db/pool.ts';
import { estimateVisitors, mergeSketches, parseSketch } from './hll.ts';

/** What every roll-up query takes: a site and a range of whole local days in its timezone. */
export interface RollupRange {
  db: Queryable;
  siteId: string;
  /** The site's timezone: days computed in another one do not count. */
  timezone: string;
  /** First and last local day of the range, YYYY-MM-DD, both included. */
  fromDay: string;
  toDay: string;
  /**
   * How far roll-ups may trail the events: a change the job has not taken in after this long sends
   * the caller to the raw path. The job runs every 30 s; default 2 minutes.
   */
  maxLagMs?: number;
}

export const DEFAULT_MAX_LAG_MS = 2 * 60_000;

/**
 * Whether roll-ups answer for the range. Not when a day around it (an offset away) was computed
 * in another timezone, nor when a change to it has waited for the job longer than maxLagMs: a
 * day the job has not computed since the migration, or since a timezone change, carries such a
 * change from the start. A day without any row and without such a change has no events.
 */
const COVERAGE = `SELECT
    NOT EXISTS (
      SELECT 1 FROM rollup_days
      WHERE site_id = $1 AND day BETWEEN $2::date - 2 AND $3::date + 2 AND timezone <> $4
    )
    AND NOT EXISTS (
      SELECT 1 FROM rollup_dirty
      WHERE site_id = $1
        AND hour > $2::date::timestamp AT TIME ZONE $4 - interval '1 hour'
        AND hour < ($3::date + 1)::timestamp AT TIME ZONE $4
        AND marked_at < now() - $5 * interval '1 millisecond'
    ) AS covered`;

export async function rollupsCover(range: RollupRange): Promise<boolean> {
  const { rows } = await range.db.query<{ covered: boolean }>(COVERAGE, [
    range.siteId,
    range.fromDay,
    range.toDay,
    range.timezone,
    range.maxLagMs ?? DEFAULT_MAX_LAG_MS,
  ]);
  return rows[0]!.covered;
}

/**
 * Distinct visitors over several days from each day's exact count and sketch. The estimate is kept
 * between what the days prove: at least the busiest day's count, at most their sum; so one day (or
 * one day with visitors) is exact.
 */
export function visitorsOverDays(days: ReadonlyArray<{ visitors: number; sketch: Uint8Array }>): {
  visitors: number;
  estimated: boolean;
} {
  const withVisitors = days.filter((day) => day.visitors > 0);
  if (withVisitors.length <= 1) return { visitors: withVisitors[0]?.visitors ?? 0, estimated: false };
  const least = Math.max(...withVisitors.map((day) => day.visitors));
  const most = withVisitors.reduce((sum, day) => sum + day.visitors, 0);
  const estimate = Math.round(
    estimateVisitors(mergeSketches(withVisitors.map((day) => parseSketch(day.sketch)))),
  );
  return { visitors: Math.min(most, Math.max(least, estimate)), estimated: true };
}
