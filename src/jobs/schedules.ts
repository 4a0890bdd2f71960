import type { Queryable } from '../db/pool.ts';

/** A schedule this instance now runs: its lease token proves it when renewing and finishing. */
export interface ClaimedSchedule {
  name: string;
  token: string;
  failures: number;
}

/** Adds a row for each job that has none yet, due at once. */
export async function ensureSchedules(db: Queryable, names: readonly string[], now: Date): Promise<void> {
  await db.query(
    `INSERT INTO job_schedules (name, next_run_at)
     SELECT name, $2 FROM unnest($1::text[]) AS name
     ON CONFLICT (name) DO NOTHING`,
    [names, now],
  );
}

/**
 * Takes the lease of every named schedule that is due and not leased (or whose lease ran out: its
 * runner died). One row update per schedule, so of several instances exactly one wins. Also
 * answers when each schedule can next be taken, so an idle instance sleeps until then.
 */
export async function claimDueSchedules(
  db: Queryable,
  names: readonly string[],
  { now, leaseMs }: { now: Date; leaseMs: number },
): Promise<{ claimed: ClaimedSchedule[]; nextCheckAt: Date | undefined }> {
  const { rows } = await db.query<{
    name: string;
    token: string | null;
    failures: number | null;
    available_at: Date;
  }>(
    `WITH claimed AS (
       UPDATE job_schedules SET lease_token = gen_random_uuid(), lease_expires_at = $3, last_started_at = $2
       WHERE name = ANY($1::text[]) AND next_run_at <= $2 AND (lease_expires_at IS NULL OR lease_expires_at <= $2)
       RETURNING name, lease_token, failures
     )
     SELECT s.name, c.lease_token AS token, c.failures,
       GREATEST(s.next_run_at, COALESCE(s.lease_expires_at, s.next_run_at)) AS available_at
     FROM job_schedules s LEFT JOIN claimed c ON c.name = s.name
     WHERE s.name = ANY($1::text[])`,
    [names, now, new Date(now.getTime() + leaseMs)],
  );
  const claimed = rows.flatMap((row) =>
    row.token === null ? [] : [{ name: row.name, token: row.token, failures: row.failures ?? 0 }],
  );
  // A claimed row shows its state before the claim here; its runner learns its next time on finishing.
  const waiting = rows.filter((row) => row.token === null).map((row) => row.available_at.getTime());
  return { claimed, nextCheckAt: waiting.length > 0 ? new Date(Math.min(...waiting)) : undefined };
}

/** Extends a running job's lease; false when it is no longer this runner's (it ran out and was taken). */
export async function renewScheduleLease(
  db: Queryable,
  schedule: ClaimedSchedule,
  leaseExpiresAt: Date,
): Promise<boolean> {
  const { rowCount } = await db.query(
    'UPDATE job_schedules SET lease_expires_at = $3 WHERE name = $1 AND lease_token = $2',
    [schedule.name, schedule.token, leaseExpiresAt],
  );
  return rowCount === 1;
}

/** Records a run's end and its next time, and drops the lease; a runner that lost the lease writes nothing. */
export async function finishSchedule(
  db: Queryable,
  schedule: ClaimedSchedule,
  outcome: { nextRunAt: Date; failures: number; error: string | null; finishedAt: Date },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE job_schedules SET next_run_at = $3, failures = $4, last_error = $5, last_finished_at = $6,
       lease_token = NULL, lease_expires_at = NULL
     WHERE name = $1 AND lease_token = $2`,
    [schedule.name, schedule.token, outcome.nextRunAt, outcome.failures, outcome.error, outcome.finishedAt],
  );
  return rowCount === 1;
}

/** Drops the lease of a run that did not finish (shutdown): the job is due at once for another instance. */
export async function releaseSchedule(db: Queryable, schedule: ClaimedSchedule): Promise<void> {
  await db.query(
    'UPDATE job_schedules SET lease_token = NULL, lease_expires_at = NULL WHERE name = $1 AND lease_token = $2',
    [schedule.name, schedule.token],
  );
}
