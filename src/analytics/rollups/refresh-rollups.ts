import type { Pool } from '../../db/pool.ts';
import { goalDefinitionsBySite } from '../goals/goals.ts';
import { ROLLUP_DIMENSIONS } from './dimensions.ts';
import { goalsKey } from './goals-key.ts';
import { recomputeDay } from './recompute-day.ts';

/**
 * Whether a local day still has all of its raw events: it begins no earlier than its site's
 * `events_kept_from` (`s`, the site's row; retention deletes what is older). A day that does not is
 * never recomputed or retired, whatever changed: recomputing it would replace its roll-ups, which
 * outlive the raw events, with the counts of what is left of them (zeros). Readers then refuse what
 * its roll-ups cannot answer (src/analytics/raw-events-kept.ts).
 */
const KEPT_DAY = (day: string, timezone: string) =>
  `(s.events_kept_from IS NULL OR ${day}::timestamp AT TIME ZONE ${timezone} >= s.events_kept_from)`;

/**
 * Days computed in a timezone the site no longer has become dirty hours again, with the oldest
 * possible mark: readers then take the raw path for them until they are recomputed (their rows are
 * gone, and a fresh mark would pass for a day merely a few seconds behind). Marks of sites that no
 * longer exist go too.
 */
const RETIRE_OTHER_TIMEZONES = `WITH moved AS (
    DELETE FROM rollup_days d USING sites s
    WHERE s.id = d.site_id AND d.timezone <> s.timezone AND ($2::text IS NULL OR d.site_id = $2)
      AND ${KEPT_DAY('d.day', 'd.timezone')}
    RETURNING d.site_id, d.day, d.timezone
  ),
  hours_gone AS (DELETE FROM rollup_hours h USING moved m WHERE h.site_id = m.site_id AND h.day = m.day),
  values_gone AS (
    DELETE FROM rollup_values v USING moved m
    WHERE v.site_id = m.site_id AND v.dimension = ANY($1::text[]) AND v.day = m.day
  ),
  orphans AS (
    DELETE FROM rollup_dirty r
    WHERE $2::text IS NULL AND NOT EXISTS (SELECT 1 FROM sites s WHERE s.id = r.site_id)
  ),
  marked AS (
    INSERT INTO rollup_dirty (site_id, hour, marked_at)
    SELECT m.site_id, hour, '-infinity'
    FROM moved m,
      generate_series(m.day::timestamp AT TIME ZONE m.timezone,
                      (m.day + 1)::timestamp AT TIME ZONE m.timezone - interval '1 microsecond',
                      interval '1 hour') AS hour
  )
  SELECT count(*) AS days FROM moved`;

/**
 * The local days to compute, newest first: those holding a dirty hour (an hour can reach into two
 * days) none newer than $6, those computed while enrichment was pending, again once `recheckBefore`
 * has passed, and those computed with goals other than the site's current ones ($3, $4: each site's
 * goals key; a site not listed has none, whose key is $5).
 */
const DUE_DAYS = `SELECT site_id, timezone, day::text AS day FROM (
    SELECT m.site_id, s.timezone, d.day
    FROM rollup_dirty m
    JOIN sites s ON s.id = m.site_id AND ($2::text IS NULL OR s.id = $2)
    CROSS JOIN LATERAL (VALUES ((m.hour AT TIME ZONE s.timezone)::date),
                              (((m.hour + interval '1 hour' - interval '1 microsecond') AT TIME ZONE s.timezone)::date))
      AS d(day)
    WHERE ${KEPT_DAY('d.day', 's.timezone')}
    GROUP BY m.site_id, s.timezone, d.day
    HAVING max(m.marked_at) < $6
    UNION
    SELECT r.site_id, s.timezone, r.day
    FROM rollup_days r JOIN sites s ON s.id = r.site_id AND ($2::text IS NULL OR s.id = $2)
    WHERE r.pending_enrichment AND r.computed_at < $1 AND ${KEPT_DAY('r.day', 's.timezone')}
    UNION
    SELECT r.site_id, s.timezone, r.day
    FROM rollup_days r
    JOIN sites s ON s.id = r.site_id AND ($2::text IS NULL OR s.id = $2)
    LEFT JOIN unnest($3::text[], $4::text[]) AS current(site_id, goals_key) ON current.site_id = r.site_id
    WHERE r.goals_key <> coalesce(current.goals_key, $5) AND ${KEPT_DAY('r.day', 's.timezone')}
  ) AS due
  ORDER BY day DESC, site_id`;

export interface RefreshRollupsResult {
  /** Days recomputed in this run. */
  days: number;
  /** Days found computed in a timezone their site no longer has, now dirty again. */
  retired: number;
  /** Days still due when the run's time was up (or it was stopped); the next run takes them. */
  remaining: number;
  failed: number;
}

/**
 * Readers count a changed day on raw events until it is recomputed, so computing it sooner only
 * makes its reports faster, while computing it again and again as events keep coming costs a whole
 * day's aggregation each time (~7 s of work for a day of 100,000 events, measured): a day is
 * computed once its changes have stopped for this long. Today, on a busy site, is therefore
 * computed after its last event, and read raw until then.
 */
export const DEFAULT_SETTLE_MS = 5 * 60_000;

/**
 * The roll-up job: recomputes the local days that changed and then settled since it last ran, or
 * whose site's goals changed since they were computed, newest first, one transaction per day, until
 * nothing is due or `budgetMs` is spent. A day that fails (a timezone PostgreSQL does not know, a
 * serialization failure against a second run) is logged and left dirty.
 */
export async function refreshRollups({
  db,
  now,
  signal,
  log,
  budgetMs = 20_000,
  recheckPendingAfterMs = 5 * 60_000,
  settleMs = DEFAULT_SETTLE_MS,
  siteId,
}: {
  db: Pool;
  now: () => Date;
  signal?: AbortSignal;
  log?: { error(object: object, message: string): void };
  /** A run stops starting days after this long; the job runs again soon. */
  budgetMs?: number;
  /** A day computed while enrichment was pending is computed again after this long. */
  recheckPendingAfterMs?: number;
  /** A changed day waits until nothing has changed in it for this long. */
  settleMs?: number;
  /** Refresh one site's roll-ups only (tests). */
  siteId?: string;
}): Promise<RefreshRollupsResult> {
  const startedAt = performance.now();
  const {
    rows: [retired],
  } = await db.query<{ days: number }>(RETIRE_OTHER_TIMEZONES, [ROLLUP_DIMENSIONS, siteId ?? null]);
  const keys = [...(await goalDefinitionsBySite(db, siteId ?? null))].map(
    ([site, goals]) => [site, goalsKey(goals)] as const,
  );
  const { rows: due } = await db.query<{ site_id: string; timezone: string; day: string }>(DUE_DAYS, [
    new Date(now().getTime() - recheckPendingAfterMs),
    siteId ?? null,
    keys.map(([site]) => site),
    keys.map(([, key]) => key),
    goalsKey([]),
    new Date(now().getTime() - settleMs),
  ]);
  const result: RefreshRollupsResult = { days: 0, retired: retired!.days, remaining: 0, failed: 0 };
  for (const [at, { site_id: dueSite, timezone, day }] of due.entries()) {
    if (signal?.aborted || performance.now() - startedAt > budgetMs) {
      result.remaining = due.length - at;
      break;
    }
    try {
      await recomputeDay({ db, siteId: dueSite, timezone, day });
      result.days += 1;
    } catch (error) {
      result.failed += 1;
      log?.error({ err: error, siteId: dueSite, day }, 'roll-up of a day failed; it stays dirty');
    }
  }
  return result;
}
