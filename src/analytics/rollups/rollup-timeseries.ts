import type { RollupTotals } from './rollup-overview.ts';
import { rollupsCover, visitorsOverDays, type RollupRange } from './rollup-range.ts';

export type RollupInterval = 'hour' | 'day' | 'week' | 'month';

export interface RollupPoint extends RollupTotals {
  /**
   * The bucket: for days, weeks (ISO, from Monday) and months their first local day, YYYY-MM-DD;
   * for hours the local time it begins with its UTC offset, e.g. 2025-10-26T02:00+01:00 (a day
   * that ends summer time has two 02:00 hours, told apart by their offsets).
   */
  t: string;
}

interface Counts {
  visitors: number;
  sessions: number;
  bounces: number;
  duration_s: number;
  pageviews: number;
  events: number;
}

/** Every local hour of the range, with the hour's counts (zeros where it has none). */
const HOURS = `WITH instants AS (
    SELECT t - ((t AT TIME ZONE $4) - date_trunc('hour', t AT TIME ZONE $4)) AS hour
    FROM generate_series($2::date::timestamp AT TIME ZONE $4,
                         ($3::date + 1)::timestamp AT TIME ZONE $4 - interval '1 second',
                         interval '15 minutes') AS t
  ),
  buckets AS (SELECT DISTINCT hour FROM instants)
  SELECT to_char(b.hour AT TIME ZONE $4, 'YYYY-MM-DD"T"HH24:MI') AS local,
    extract(epoch FROM (b.hour AT TIME ZONE $4) - (b.hour AT TIME ZONE 'UTC'))::integer / 60 AS offset_minutes,
    coalesce(h.visitors, 0) AS visitors, coalesce(h.sessions, 0) AS sessions, coalesce(h.bounces, 0) AS bounces,
    coalesce(h.duration_s, 0) AS duration_s, coalesce(h.pageviews, 0) AS pageviews, coalesce(h.events, 0) AS events
  FROM buckets b
  LEFT JOIN rollup_hours h ON h.site_id = $1 AND h.hour = b.hour AND h.day BETWEEN $2 AND $3
  ORDER BY b.hour`;

/** Every local day of the range in its bucket, with the day's counts and sketch (none where it has no row). */
const DAYS = `SELECT to_char(date_trunc($4, d)::date, 'YYYY-MM-DD') AS bucket,
    coalesce(r.visitors, 0) AS visitors, r.visitor_sketch AS sketch, coalesce(r.sessions, 0) AS sessions,
    coalesce(r.bounces, 0) AS bounces, coalesce(r.duration_s, 0) AS duration_s,
    coalesce(r.pageviews, 0) AS pageviews, coalesce(r.events, 0) AS events
  FROM generate_series($2::date::timestamp, $3::date::timestamp, interval '1 day') AS d
  LEFT JOIN rollup_days r ON r.site_id = $1 AND r.day = d::date AND r.timezone = $5
  ORDER BY d`;

function offsetText(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const magnitude = Math.abs(minutes);
  return `${sign}${String(Math.floor(magnitude / 60)).padStart(2, '0')}:${String(magnitude % 60).padStart(2, '0')}`;
}

const point = (t: string, counts: Counts, visitors: number, estimated: boolean): RollupPoint => ({
  t,
  visitors,
  visitorsEstimated: estimated,
  sessions: counts.sessions,
  bounces: counts.bounces,
  durationSeconds: counts.duration_s,
  pageviews: counts.pageviews,
  events: counts.events,
});

/**
 * The range's counts per bucket from roll-ups, every bucket present (zeros included); undefined
 * when roll-ups do not cover the range. Hours and days count visitors exactly; weeks and months
 * merge their days' sketches.
 */
export async function rollupTimeseries(
  range: RollupRange & { interval: RollupInterval },
): Promise<{ points: RollupPoint[] } | undefined> {
  if (!(await rollupsCover(range))) return undefined;
  const { db, siteId, fromDay, toDay, timezone, interval } = range;
  if (interval === 'hour') {
    const { rows } = await db.query<Counts & { local: string; offset_minutes: number }>(HOURS, [
      siteId,
      fromDay,
      toDay,
      timezone,
    ]);
    return {
      points: rows.map((row) =>
        point(`${row.local}${offsetText(row.offset_minutes)}`, row, row.visitors, false),
      ),
    };
  }
  const { rows } = await db.query<Counts & { bucket: string; sketch: Buffer | null }>(DAYS, [
    siteId,
    fromDay,
    toDay,
    interval,
    timezone,
  ]);
  const buckets = new Map<string, typeof rows>();
  for (const row of rows) buckets.set(row.bucket, [...(buckets.get(row.bucket) ?? []), row]);
  return {
    points: [...buckets].map(([bucket, days]) => {
      const { visitors, estimated } = visitorsOverDays(
        days.flatMap((day) => (day.sketch === null ? [] : [{ visitors: day.visitors, sketch: day.sketch }])),
      );
      const sum = (pick: (day: Counts) => number) => days.reduce((total, day) => total + pick(day), 0);
      return point(
        bucket,
        {
          visitors,
          sessions: sum((day) => day.sessions),
          bounces: sum((day) => day.bounces),
          duration_s: sum((day) => day.duration_s),
          pageviews: sum((day) => day.pageviews),
          events: sum((day) => day.events),
        },
        visitors,
        estimated,
      );
    }),
  };
}
