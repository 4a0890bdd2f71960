import type { Pool, Queryable } from '../db/pool.ts';
import type { JobContext, JobOutcome, PeriodicJob, Queue, QueuedJob } from '../jobs/definitions.ts';
import type { Mailer } from '../tenancy/mailer.ts';
import { buildClientReport, type ClientReport } from './client-report.ts';
import { queueDueReports } from './queue-due-reports.ts';
import { reportLink, renderReportMail } from './report-mail.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

export interface ReportMailDeps {
  db: Pool;
  /** The replica reports read, when there is one. */
  analyticsDb?: Queryable;
  mailer: Mailer;
  /** `BEACON_PUBLIC_URL`: the base of the mail's links and of the logo's URL. */
  publicUrl: string;
  log: { warn(object: object, message: string): void };
}

interface MailRow {
  id: number;
  site_id: string;
  recipient: string;
  from: string;
  to: string;
  site_name: string | null;
  domain: string | null;
  timezone: string | null;
  agency_id: string | null;
  deleted_at: Date | null;
  frequency: 'off' | 'weekly' | 'monthly' | null;
  recipients: string[] | null;
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 500);

/**
 * Sends claimed report mails. Each row is reloaded with its site and the site's schedule now: a
 * deleted site, a schedule switched off or a recipient removed since the period was queued cancels
 * the mail. The report is computed once per site and period, then mailed to each recipient.
 * At least once: a crash after the mail server accepted a message and before its outcome was
 * recorded sends that one message again when the claim's lease runs out (a duplicate rather than
 * a lost report).
 */
export async function sendReportMails(
  jobs: readonly QueuedJob[],
  deps: ReportMailDeps,
  context: JobContext,
): Promise<Map<number, JobOutcome>> {
  const outcomes = new Map<number, JobOutcome>();
  const { rows } = await deps.db.query<MailRow>(
    `SELECT m.id, m.site_id, m.recipient, m.period_start::text AS from, m.period_end::text AS to,
       s.name AS site_name, s.domain, s.timezone, s.agency_id, s.deleted_at, r.frequency, r.recipients
     FROM report_mails m
     LEFT JOIN sites s ON s.id = m.site_id
     LEFT JOIN report_settings r ON r.site_id = m.site_id
     WHERE m.id = ANY($1::bigint[])`,
    [jobs.map((job) => job.id)],
  );
  const groups = new Map<string, MailRow[]>();
  for (const row of rows) {
    const key = `${row.site_id} ${row.from} ${row.to}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  for (const mails of groups.values()) {
    const first = mails[0]!;
    if (first.site_name === null || first.deleted_at !== null) {
      for (const mail of mails) outcomes.set(mail.id, { kind: 'cancelled', reason: 'the site was deleted' });
      continue;
    }
    if (first.frequency === null || first.frequency === 'off') {
      for (const mail of mails)
        outcomes.set(mail.id, { kind: 'cancelled', reason: 'reports were switched off' });
      continue;
    }
    let report: ClientReport;
    try {
      report = await buildClientReport(
        { db: deps.db, analyticsDb: deps.analyticsDb ?? deps.db },
        {
          id: first.site_id,
          name: first.site_name,
          domain: first.domain!,
          timezone: first.timezone!,
          agencyId: first.agency_id!,
        },
        { from: first.from, to: first.to },
      );
    } catch (error) {
      for (const mail of mails) outcomes.set(mail.id, { kind: 'retry', error: errorText(error) });
      continue;
    }
    const message = renderReportMail(report, { publicUrl: deps.publicUrl, frequency: first.frequency });
    const link = reportLink(deps.publicUrl, report);
    for (const mail of mails) {
      // Stopping: what is not sent yet is given back and sent by whoever claims it next.
      if (context.signal.aborted) break;
      if (!(first.recipients ?? []).includes(mail.recipient)) {
        outcomes.set(mail.id, { kind: 'cancelled', reason: 'the recipient was removed from the report' });
        continue;
      }
      try {
        await deps.mailer.send({
          to: mail.recipient,
          subject: message.subject,
          text: message.text,
          html: message.html,
          withoutMail: `set SMTP_URL to mail client reports; this one is in the dashboard at ${link}`,
        });
        outcomes.set(
          mail.id,
          deps.mailer.delivers
            ? { kind: 'done' }
            : { kind: 'cancelled', reason: 'no mail server is configured (SMTP_URL)' },
        );
      } catch (error) {
        outcomes.set(mail.id, { kind: 'retry', error: errorText(error) });
      }
    }
  }
  return outcomes;
}

/**
 * The report mails' jobs: a periodic one that queues each site's latest ended period once, and the
 * queue that mails them (retried from a minute up to an hour apart, for about a day).
 */
export function clientReportJobs(
  deps: ReportMailDeps,
  /** Only this site's mails (tests scope the jobs to their own site). */
  options: { siteId?: string } = {},
): { periodic: PeriodicJob; queue: Queue } {
  return {
    periodic: {
      name: 'queue_client_reports',
      everyMs: 5 * MINUTE,
      exclusive: true,
      retry: { baseDelayMs: 30 * SECOND, maxDelayMs: 5 * MINUTE, jitter: 0.2 },
      run: ({ now }) =>
        queueDueReports({
          db: deps.db,
          now,
          siteIds: options.siteId === undefined ? undefined : [options.siteId],
        }),
    },
    queue: {
      name: 'report_mails',
      table: 'report_mails',
      columns: ['site_id'],
      filters: options.siteId === undefined ? [] : [{ column: 'site_id', value: options.siteId }],
      batchSize: 20,
      pollMs: 5 * SECOND,
      leaseMs: 5 * MINUTE,
      retry: { maxAttempts: 30, baseDelayMs: MINUTE, maxDelayMs: HOUR, jitter: 0.2 },
      handle: (jobs, context) => sendReportMails(jobs, deps, context),
    },
  };
}
