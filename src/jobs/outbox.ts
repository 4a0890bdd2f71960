import type { Queryable } from '../db/pool.ts';
import type { Queue, QueuedJob } from './definitions.ts';

/** The queue's filters as `AND column = $n …`, numbered from `first`. */
function filterSql(queue: Queue, first: number): string {
  return (queue.filters ?? []).map((filter, index) => `AND ${filter.column} = $${first + index}`).join(' ');
}

function filterValues(queue: Queue): string[] {
  return (queue.filters ?? []).map((filter) => filter.value);
}

/** What the runner writes for one job when its handler is done with it. */
export interface RecordedOutcome {
  id: number;
  status: 'pending' | 'done' | 'failed' | 'cancelled';
  /** For a retry: when it is due again. */
  nextAttemptAt: Date | null;
  error: string | null;
  finishedAt: Date | null;
  record: Record<string, unknown> | undefined;
}

/**
 * Claims up to a batch of due jobs for `token`: SKIP LOCKED, so instances never wait for each other
 * or take the same row, and the claim is the lease: it moves next_attempt_at to the lease's end,
 * so a job whose worker dies is due again then. Counting the attempt here makes a job that kills
 * its worker use up its attempts too.
 */
export async function claimJobs<Job extends QueuedJob>(
  db: Queryable,
  queue: Queue<Job>,
  { now, token }: { now: Date; token: string },
): Promise<Job[]> {
  const columns = queue.columns.map((column) => `, t.${column}`).join('');
  const { rows } = await db.query<Job>(
    `WITH due AS (
       SELECT id FROM ${queue.table}
       WHERE status = 'pending' AND next_attempt_at <= $1 ${filterSql(queue, 5)}
       ORDER BY next_attempt_at
       LIMIT $2
       FOR UPDATE SKIP LOCKED
     )
     UPDATE ${queue.table} t SET next_attempt_at = $3, attempts = t.attempts + 1, lease_token = $4
     FROM due WHERE t.id = due.id
     RETURNING t.id, t.attempts${columns}`,
    [now, queue.batchSize, new Date(now.getTime() + queue.leaseMs), token, ...filterValues(queue)],
  );
  return rows;
}

/**
 * Writes the outcomes of a claim in one statement, only to rows still pending under this claim's
 * token: a row cancelled meanwhile, or taken by another instance after the lease ran out, keeps
 * what it has. Returns how many rows were written.
 */
export async function recordOutcomes(
  db: Queryable,
  queue: Queue,
  token: string,
  outcomes: readonly RecordedOutcome[],
): Promise<number> {
  if (outcomes.length === 0) return 0;
  const recordColumns = Object.entries(queue.recordColumns ?? {});
  const recordArrays = recordColumns.map(([column]) =>
    outcomes.map((outcome) => {
      const value = outcome.record?.[column];
      return value === undefined ? null : value;
    }),
  );
  const { rowCount } = await db.query(
    `UPDATE ${queue.table} t SET status = u.status,
       next_attempt_at = COALESCE(u.next_attempt_at, t.next_attempt_at),
       last_error = u.last_error, finished_at = u.finished_at, lease_token = NULL
       ${recordColumns.map(([column]) => `, ${column} = u.${column}`).join('')}
     FROM unnest($2::bigint[], $3::text[], $4::timestamptz[], $5::text[], $6::timestamptz[]
       ${recordColumns.map(([, type], index) => `, $${7 + index}::${type}[]`).join('')})
       AS u(id, status, next_attempt_at, last_error, finished_at${recordColumns.map(([column]) => `, ${column}`).join('')})
     WHERE t.id = u.id AND t.status = 'pending' AND t.lease_token = $1`,
    [
      token,
      outcomes.map((outcome) => outcome.id),
      outcomes.map((outcome) => outcome.status),
      outcomes.map((outcome) => outcome.nextAttemptAt),
      outcomes.map((outcome) => outcome.error),
      outcomes.map((outcome) => outcome.finishedAt),
      ...recordArrays.map((values, index) =>
        recordColumns[index]![1] === 'jsonb'
          ? values.map((value) => (value === null ? null : JSON.stringify(value)))
          : values,
      ),
    ],
  );
  return rowCount ?? 0;
}

/**
 * Gives back the jobs of a claim whose handler did not finish (shutdown): due at once, the attempt
 * not counted. The handler may still be running, so the job may be done twice; jobs are at least once.
 */
export async function releaseJobs(db: Queryable, queue: Queue, token: string, now: Date): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE ${queue.table} SET next_attempt_at = $2, attempts = GREATEST(attempts - 1, 0), lease_token = NULL
     WHERE lease_token = $1 AND status = 'pending'`,
    [token, now],
  );
  return rowCount ?? 0;
}

/**
 * Dead-letter replay: failed jobs become pending again, due now, with a fresh retry budget.
 * Only rows of the queue's filter (a destination's, a site's) are touched. Returns the ids replayed.
 */
export async function replayFailedJobs(
  db: Queryable,
  queue: Queue,
  { ids, now }: { ids: readonly number[]; now: Date },
): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(
    `UPDATE ${queue.table} SET status = 'pending', attempts = 0, next_attempt_at = $2, last_error = NULL,
       finished_at = NULL, lease_token = NULL
     WHERE id = ANY($1::bigint[]) AND status = 'failed' ${filterSql(queue, 3)}
     RETURNING id`,
    [ids, now, ...filterValues(queue)],
  );
  return rows.map((row) => row.id).sort((a, b) => a - b);
}
