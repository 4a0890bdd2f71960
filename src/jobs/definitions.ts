import type { Backoff, RetryPolicy } from './backoff.ts';

/** What every job is handed: the runner's clock, and a signal that says stop now (shutdown, lease lost). */
export interface JobContext {
  now: () => Date;
  signal: AbortSignal;
}

/** Work that runs every `everyMs`, counted from the end of the previous run. */
export interface PeriodicJob {
  /** Stable snake_case name: the key of its schedule in job_schedules, and its label in logs. */
  name: string;
  everyMs: number;
  /**
   * One instance at a time across every instance sharing the database (a lease on its row in
   * job_schedules, renewed while it runs); otherwise each instance runs its own.
   */
  exclusive: boolean;
  /** After a failure the next run comes after this backoff instead, never later than `everyMs`. */
  retry: Backoff;
  /** Should return soon after `signal` aborts; a long job checks it between pages. */
  run(context: JobContext): Promise<unknown>;
}

/** A claimed job as its handler gets it: the row's id, the attempt this is (1 for the first), its columns. */
export interface QueuedJob {
  id: number;
  attempts: number;
}

/**
 * What became of one job. `record` writes the queue's `recordColumns` (values not given are
 * written as null). A `retry` after the last attempt fails the job.
 */
export type JobOutcome =
  | { kind: 'done'; record?: Record<string, unknown> }
  | { kind: 'retry'; error: string; retryAfterMs?: number; record?: Record<string, unknown> }
  | { kind: 'failed'; error: string; record?: Record<string, unknown> }
  | { kind: 'cancelled'; reason: string; record?: Record<string, unknown> };

/** Types a record column may have (they become casts in the SQL, so the set is closed). */
export type RecordColumnType = 'integer' | 'bigint' | 'text' | 'jsonb' | 'timestamptz' | 'boolean';

/**
 * Queued work: rows of an outbox table, written in the transaction that makes them due (so they
 * survive a crash right after its commit) and taken by the runner in batches. The table has the
 * columns of src/jobs/README.md; `table`, `columns` and the filters' columns are SQL identifiers from
 * code, never from input.
 */
export interface Queue<Job extends QueuedJob = QueuedJob> {
  name: string;
  table: string;
  /** The row's own columns the handler reads (id and attempts always come). */
  columns: readonly string[];
  /** Only rows whose column equals the value (a destination's own deliveries; a test's own rows). */
  /** Only rows whose columns equal these values (a platform's deliveries; a test's own site). */
  filters?: ReadonlyArray<{ column: string; value: string }>;
  /** Columns an outcome may set besides the runner's own, with their types. */
  recordColumns?: Readonly<Record<string, RecordColumnType>>;
  batchSize: number;
  /** Batches in hand at once (default 1): a batch that waits on the network need not hold up the next. */
  concurrency?: number;
  /** How often an idle queue is looked at; a full batch is followed by the next at once. */
  pollMs: number;
  /** A claimed batch is invisible to other instances this long; if its worker dies, it comes back after. */
  leaseMs: number;
  retry: RetryPolicy;
  /**
   * Handles a batch and answers an outcome per job id; a job without one, or every job of a batch
   * whose handler throws, is retried. Jobs are at least once: a handler must tolerate a repeat.
   */
  handle(jobs: readonly Job[], context: JobContext): Promise<ReadonlyMap<number, JobOutcome>>;
}

/** Everything Beacon runs in the background, as src/jobs/catalog.ts lists it. */
export interface JobCatalog {
  periodic: readonly PeriodicJob[];
  queues: readonly Queue[];
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Refuses a definition whose SQL names are not plain identifiers, or whose numbers make no sense. */
export function assertValidQueue(queue: Queue): void {
  const names = [
    queue.table,
    ...queue.columns,
    ...(queue.filters ?? []).map((filter) => filter.column),
    ...Object.keys(queue.recordColumns ?? {}),
  ];
  const bad = names.find((name) => !IDENTIFIER.test(name));
  if (bad !== undefined)
    throw new Error(`queue ${queue.name}: ${JSON.stringify(bad)} is not an SQL identifier`);
  for (const [setting, value] of [
    ['batchSize', queue.batchSize],
    ['pollMs', queue.pollMs],
    ['leaseMs', queue.leaseMs],
    ['retry.maxAttempts', queue.retry.maxAttempts],
  ] as const) {
    if (!Number.isInteger(value) || value < 1)
      throw new Error(`queue ${queue.name}: ${setting} must be a positive integer`);
  }
}
