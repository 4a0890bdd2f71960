import { randomUUID } from 'node:crypto';
import type { Pool } from '../db/pool.ts';
import { retryDelayMs } from './backoff.ts';
import {
  assertValidQueue,
  type JobCatalog,
  type JobContext,
  type JobOutcome,
  type PeriodicJob,
  type Queue,
  type QueuedJob,
} from './definitions.ts';
import { claimJobs, recordOutcomes, releaseJobs, type RecordedOutcome } from './outbox.ts';
import {
  claimDueSchedules,
  ensureSchedules,
  finishSchedule,
  releaseSchedule,
  renewScheduleLease,
  type ClaimedSchedule,
} from './schedules.ts';

export interface JobRunner {
  /** Runs jobs as they come due until stop(). */
  start(): void;
  /**
   * Starts what is due now and waits for it to finish: one step of the loop, which tests drive
   * with their own clock. Jobs already running on this instance are left alone.
   */
  runDue(): Promise<void>;
  /**
   * Stops taking work, tells running jobs to stop (their signal aborts), waits up to `drainMs` for
   * them, then gives back what is still running: queued jobs become due again at once, exclusive
   * schedules lose their lease. Resolves when done; safe to call twice.
   */
  stop(): Promise<void>;
}

export interface JobRunnerOptions {
  db: Pool;
  catalog: JobCatalog;
  log: { error(object: object, message: string): void };
  now?: () => Date;
  random?: () => number;
  /** Lease of a running exclusive periodic job, renewed every third of it. */
  scheduleLeaseMs?: number;
  drainMs?: number;
  /** An idle runner looks at the schedules at least this often. */
  maxSleepMs?: number;
}

const DEFAULT_SCHEDULE_LEASE_MS = 60_000;
const DEFAULT_DRAIN_MS = 5_000;
const DEFAULT_MAX_SLEEP_MS = 60_000;
/** After the database failed to answer a claim, the next try comes this much later. */
const AFTER_ERROR_MS = 5_000;

interface RunningClaim {
  controller: AbortController;
  /** Gives the work back to the database; absent for jobs that hold nothing there. */
  release?: () => Promise<unknown>;
  released: boolean;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 500);

/**
 * The one runner for Beacon's periodic and queued work (docs/adr/004-job-runner.md). Exclusive
 * periodic jobs are coordinated through job_schedules leases, queues through their outbox tables
 * (SKIP LOCKED claims that are leases); nothing is held in memory that a crash could lose.
 */
export function createJobRunner(options: JobRunnerOptions): JobRunner {
  const { db, log } = options;
  const now = options.now ?? (() => new Date());
  const random = options.random ?? Math.random;
  const scheduleLeaseMs = options.scheduleLeaseMs ?? DEFAULT_SCHEDULE_LEASE_MS;
  const drainMs = options.drainMs ?? DEFAULT_DRAIN_MS;
  const maxSleepMs = options.maxSleepMs ?? DEFAULT_MAX_SLEEP_MS;
  for (const queue of options.catalog.queues) assertValidQueue(queue);
  const names = [
    ...options.catalog.periodic.map((job) => job.name),
    ...options.catalog.queues.map((q) => q.name),
  ];
  const repeated = names.find((name, index) => names.indexOf(name) !== index);
  if (repeated !== undefined) throw new Error(`job ${repeated} is defined twice`);

  const exclusive = options.catalog.periodic.filter((job) => job.exclusive);
  const local = new Map(
    options.catalog.periodic
      .filter((job) => !job.exclusive)
      .map((job) => [job.name, { job, nextRunAt: 0, failures: 0 }]),
  );
  const nextPoll = new Map(options.catalog.queues.map((queue) => [queue.name, 0]));
  let nextScheduleCheck = 0;
  let schedulesEnsured = false;
  let checkingSchedules = false;
  const running = new Set<string>();
  const inFlight = new Set<Promise<unknown>>();
  const claims = new Set<RunningClaim>();
  let stopping = false;
  let loop: Promise<void> | undefined;
  let stopped: Promise<void> | undefined;
  /** stop() gave back what was still running: what those jobs do now no longer matters. */
  let abandoned = false;
  let wake: (() => void) | undefined;

  const wakeUp = () => wake?.();

  function track<T>(work: Promise<T>): Promise<T> {
    inFlight.add(work);
    void work.finally(() => {
      inFlight.delete(work);
      wakeUp();
    });
    return work;
  }

  /** Runs `work` as `key` unless that is running here already; errors are logged, never thrown. */
  function runAs(key: string, work: () => Promise<void>): Promise<void> {
    running.add(key);
    return track(
      work()
        .catch((error: unknown) => {
          if (!abandoned) log.error({ err: error, job: key }, 'job runner failed');
        })
        .finally(() => running.delete(key)),
    );
  }

  function claim(release?: () => Promise<unknown>): RunningClaim {
    const entry: RunningClaim = { controller: new AbortController(), release, released: false };
    if (stopping) entry.controller.abort();
    claims.add(entry);
    return entry;
  }

  function context(entry: RunningClaim): JobContext {
    return { now, signal: entry.controller.signal };
  }

  function nextRunDelay(job: PeriodicJob, failures: number): number {
    return failures === 0 ? job.everyMs : Math.min(job.everyMs, retryDelayMs(job.retry, failures, random));
  }

  async function runLocal(state: { job: PeriodicJob; nextRunAt: number; failures: number }) {
    const entry = claim();
    try {
      await state.job.run(context(entry));
      state.failures = 0;
    } catch (error) {
      state.failures += 1;
      log.error({ err: error, job: state.job.name, failures: state.failures }, 'job failed');
    } finally {
      claims.delete(entry);
    }
    state.nextRunAt = now().getTime() + nextRunDelay(state.job, state.failures);
  }

  async function runExclusive(job: PeriodicJob, schedule: ClaimedSchedule) {
    const entry = claim(() => releaseSchedule(db, schedule));
    const renewal = setInterval(() => {
      renewScheduleLease(db, schedule, new Date(now().getTime() + scheduleLeaseMs)).then(
        (held) => {
          if (!held) entry.controller.abort(new Error(`lease of ${job.name} lost`));
        },
        (error: unknown) => log.error({ err: error, job: job.name }, 'could not renew a job lease'),
      );
    }, scheduleLeaseMs / 3);
    renewal.unref();
    let failure: unknown;
    try {
      await job.run(context(entry));
    } catch (error) {
      failure = error ?? new Error('failed');
    } finally {
      clearInterval(renewal);
      claims.delete(entry);
    }
    if (entry.released) return;
    const failures = failure === undefined ? 0 : schedule.failures + 1;
    if (failure !== undefined) log.error({ err: failure, job: job.name, failures }, 'job failed');
    const finishedAt = now();
    const nextRunAt = new Date(finishedAt.getTime() + nextRunDelay(job, failures));
    await finishSchedule(db, schedule, {
      nextRunAt,
      failures,
      error: failure === undefined ? null : message(failure),
      finishedAt,
    });
    nextScheduleCheck = Math.min(nextScheduleCheck, nextRunAt.getTime());
  }

  async function checkSchedules(): Promise<void> {
    checkingSchedules = true;
    let runs: Array<Promise<void>> = [];
    try {
      if (!schedulesEnsured) {
        await ensureSchedules(
          db,
          exclusive.map((job) => job.name),
          now(),
        );
        schedulesEnsured = true;
      }
      const idle = exclusive.filter((job) => !running.has(job.name));
      if (idle.length === 0) return;
      const at = now();
      const { claimed, nextCheckAt } = await claimDueSchedules(
        db,
        idle.map((job) => job.name),
        { now: at, leaseMs: scheduleLeaseMs },
      );
      nextScheduleCheck = Math.min(nextCheckAt?.getTime() ?? Infinity, at.getTime() + maxSleepMs);
      runs = claimed.map((schedule) =>
        runAs(schedule.name, () =>
          runExclusive(
            exclusive.find((job) => job.name === schedule.name)!,
            schedule,
          ),
        ),
      );
    } catch (error) {
      log.error({ err: error }, 'could not read the job schedules');
      nextScheduleCheck = now().getTime() + AFTER_ERROR_MS;
    } finally {
      checkingSchedules = false;
    }
    await Promise.all(runs);
  }

  function outcomeToRecord(
    queue: Queue,
    job: QueuedJob,
    outcome: JobOutcome,
    finishedAt: Date,
  ): RecordedOutcome {
    const base = { id: job.id, record: outcome.record, nextAttemptAt: null, finishedAt };
    switch (outcome.kind) {
      case 'done':
        return { ...base, status: 'done', error: null };
      case 'cancelled':
        return { ...base, status: 'cancelled', error: outcome.reason };
      case 'failed':
        return { ...base, status: 'failed', error: outcome.error };
      case 'retry':
        if (job.attempts >= queue.retry.maxAttempts)
          return { ...base, status: 'failed', error: outcome.error };
        return {
          ...base,
          status: 'pending',
          error: outcome.error,
          finishedAt: null,
          nextAttemptAt: new Date(
            finishedAt.getTime() + retryDelayMs(queue.retry, job.attempts, random, outcome.retryAfterMs),
          ),
        };
    }
  }

  /**
   * Claims, handles and records batches while full ones come back, in `concurrency` loops side by
   * side (SKIP LOCKED keeps their claims apart), so one batch's waits overlap the next one's work.
   */
  async function drainQueue(queue: Queue): Promise<void> {
    try {
      await Promise.all(Array.from({ length: queue.concurrency ?? 1 }, () => drainBatches(queue)));
      nextPoll.set(queue.name, now().getTime() + queue.pollMs);
    } catch (error) {
      nextPoll.set(queue.name, now().getTime() + Math.max(queue.pollMs, AFTER_ERROR_MS));
      throw error;
    }
  }

  async function drainBatches(queue: Queue): Promise<void> {
    while (!stopping) {
      const token = randomUUID();
      const jobs = await claimJobs(db, queue, { now: now(), token });
      if (jobs.length === 0) break;
      const entry = claim(() => releaseJobs(db, queue, token, now()));
      // Attempts are counted at the claim: a job past its budget died with its worker last time.
      const live = jobs.filter((job) => job.attempts <= queue.retry.maxAttempts);
      let outcomes: ReadonlyMap<number, JobOutcome>;
      try {
        outcomes = live.length === 0 ? new Map() : await queue.handle(live, context(entry));
      } catch (error) {
        log.error({ err: error, queue: queue.name, jobs: live.length }, 'job handler failed');
        outcomes = new Map(live.map((job) => [job.id, { kind: 'retry', error: message(error) }]));
      } finally {
        claims.delete(entry);
      }
      if (entry.released) return;
      const finishedAt = now();
      await recordOutcomes(
        db,
        queue,
        token,
        jobs.map((job) =>
          outcomeToRecord(
            queue,
            job,
            job.attempts > queue.retry.maxAttempts
              ? { kind: 'failed', error: 'its worker stopped during the last attempt' }
              : (outcomes.get(job.id) ?? { kind: 'retry', error: 'the handler gave no outcome' }),
            finishedAt,
          ),
        ),
      );
      if (jobs.length < queue.batchSize) break;
    }
  }

  async function runDue(): Promise<void> {
    if (stopping) return;
    const at = now().getTime();
    const started: Array<Promise<void>> = [];
    for (const state of local.values()) {
      if (!running.has(state.job.name) && state.nextRunAt <= at) {
        started.push(runAs(state.job.name, () => runLocal(state)));
      }
    }
    if (exclusive.length > 0 && !checkingSchedules && nextScheduleCheck <= at) {
      started.push(track(checkSchedules()));
    }
    for (const queue of options.catalog.queues) {
      if (!running.has(queue.name) && (nextPoll.get(queue.name) ?? 0) <= at) {
        started.push(runAs(queue.name, () => drainQueue(queue)));
      }
    }
    await Promise.all(started);
  }

  function msUntilDue(): number {
    const times = [now().getTime() + maxSleepMs];
    for (const state of local.values()) if (!running.has(state.job.name)) times.push(state.nextRunAt);
    if (exclusive.length > 0 && !checkingSchedules) times.push(nextScheduleCheck);
    for (const queue of options.catalog.queues) {
      if (!running.has(queue.name)) times.push(nextPoll.get(queue.name) ?? 0);
    }
    return Math.max(5, Math.min(...times) - now().getTime());
  }

  return {
    start() {
      if (loop !== undefined || stopping) return;
      loop = (async () => {
        while (!stopping) {
          void runDue();
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, msUntilDue());
            timer.unref();
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wake = undefined;
        }
      })();
    },
    runDue,
    stop() {
      stopped ??= (async () => {
        stopping = true;
        for (const entry of claims) entry.controller.abort();
        wakeUp();
        await loop;
        let drainTimer: NodeJS.Timeout | undefined;
        const drained = await Promise.race([
          Promise.allSettled([...inFlight]).then(() => true),
          new Promise<boolean>((resolve) => (drainTimer = setTimeout(() => resolve(false), drainMs))),
        ]);
        clearTimeout(drainTimer);
        if (drained) return;
        abandoned = true;
        const unfinished = [...claims];
        for (const entry of unfinished) entry.released = true;
        await Promise.allSettled(unfinished.flatMap((entry) => (entry.release ? [entry.release()] : [])));
      })();
      return stopped;
    },
  };
}
