import type { Queryable } from '../db/pool.ts';
import type { JobContext } from '../jobs/definitions.ts';
import { lastEndedPeriod, type ScheduledFrequency } from './report-periods.ts';

/**
 * Queues the mails of every scheduled site whose latest period has ended and was not queued yet:
 * the period's row in report_periods and a mail per recipient, in one statement, so a period is
 * queued once across instances and restarts (its primary key) and never without its mails. Only
 * the latest period counts: after a long outage the missed ones are not sent late, and a period
 * that ended before the schedule was switched on is never sent.
 */
export async function queueDueReports({
  db,
  now,
  siteIds,
}: Pick<JobContext, 'now'> & {
  db: Queryable;
  /** Only these sites (tests scope the job to their own). */
  siteIds?: readonly string[];
}): Promise<{ queuedPeriods: number }> {
  const at = now();
  const { rows } = await db.query<{
    site_id: string;
    frequency: ScheduledFrequency;
    weekday: number;
    timezone: string;
    active_since: Date;
  }>(
    `SELECT r.site_id, r.frequency, r.weekday, s.timezone, r.active_since
     FROM report_settings r JOIN sites s ON s.id = r.site_id
     WHERE r.frequency <> 'off' AND cardinality(r.recipients) > 0 AND s.deleted_at IS NULL
       AND ($1::text[] IS NULL OR r.site_id = ANY($1::text[]))`,
    [siteIds ?? null],
  );
  const due = rows.flatMap((row) => {
    const period = lastEndedPeriod(row, at, row.timezone);
    return period.endedAt.getTime() >= row.active_since.getTime() ? [{ siteId: row.site_id, ...period }] : [];
  });
  if (due.length === 0) return { queuedPeriods: 0 };
  const { rows: queued } = await db.query<{ count: string }>(
    `WITH periods AS (
       INSERT INTO report_periods (site_id, period_start, period_end, queued_at)
       SELECT site_id, period_start, period_end, $4
       FROM unnest($1::text[], $2::date[], $3::date[]) AS due (site_id, period_start, period_end)
       ON CONFLICT DO NOTHING
       RETURNING site_id, period_start, period_end
     ), mails AS (
       INSERT INTO report_mails (site_id, period_start, period_end, recipient, next_attempt_at)
       SELECT p.site_id, p.period_start, p.period_end, recipient, $4
       FROM periods p JOIN report_settings r ON r.site_id = p.site_id, unnest(r.recipients) AS recipient
     )
     SELECT count(*) FROM periods`,
    [
      due.map((period) => period.siteId),
      due.map((period) => period.from),
      due.map((period) => period.to),
      at,
    ],
  );
  return { queuedPeriods: Number(queued[0]!.count) };
}
