import { rollupsCover, visitorsOverDays, type RollupRange } from './rollup-range.ts';

export interface RollupTotals {
  /** Distinct visitors: exact for one day, else merged day sketches (README: error bound). */
  visitors: number;
  visitorsEstimated: boolean;
  /** Sessions that started in the range; bounces and duration are theirs. */
  sessions: number;
  bounces: number;
  durationSeconds: number;
  /** Page views and custom events that happened in the range. */
  pageviews: number;
  events: number;
}

/** The range's totals from roll-ups; undefined when roll-ups do not cover it (take the raw path). */
export async function rollupOverview(range: RollupRange): Promise<RollupTotals | undefined> {
  if (!(await rollupsCover(range))) return undefined;
  const { rows } = await range.db.query<{
    visitors: number;
    sketch: Buffer;
    sessions: number;
    bounces: number;
    duration_s: number;
    pageviews: number;
    events: number;
  }>(
    `SELECT visitors, visitor_sketch AS sketch, sessions, bounces, duration_s, pageviews, events
     FROM rollup_days
     WHERE site_id = $1 AND day BETWEEN $2 AND $3 AND timezone = $4`,
    [range.siteId, range.fromDay, range.toDay, range.timezone],
  );
  const { visitors, estimated } = visitorsOverDays(rows);
  const sum = (pick: (row: (typeof rows)[number]) => number) =>
    rows.reduce((total, row) => total + pick(row), 0);
  return {
    visitors,
    visitorsEstimated: estimated,
    sessions: sum((row) => row.sessions),
    bounces: sum((row) => row.bounces),
    durationSeconds: sum((row) => row.duration_s),
    pageviews: sum((row) => row.pageviews),
    events: sum((row) => row.events),
  };
}
