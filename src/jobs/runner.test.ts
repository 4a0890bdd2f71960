import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPool } from '../db/pool.ts';
import {
  assertValidQueue,
  type JobOutcome,
  type PeriodicJob,
  type Queue,
  type QueuedJob,
} from './definitions.ts';
import { replayFailedJobs } from './outbox.ts';
import { createJobRunner, type JobRunnerOptions } from './runner.ts';

const db = createPool({ connectionString: inject('databaseUrl'), max: 8 });
/** An outbox table of this file's own, so no other suite (or Beacon process on this database) claims its rows. */
const table = `test_jobs_${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  await db.query(`CREATE TABLE ${table} (
    id bigserial PRIMARY KEY,
    topic text NOT NULL,
    payload jsonb,
    status text NOT NULL DEFAULT 'pending',
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    lease_token uuid,
    last_error text,
    finished_at timestamptz,
    last_status integer
  )`);
});
afterAll(async () => {
  await db.query(`DROP TABLE ${table}`);
  await db.end();
});

const SECOND = 1000;
const MINUTE = 60 * SECOND;
/** Far ahead, so the rows and schedules here are never due for a runner on the real clock. */
const T0 = new Date('2100-01-01T00:00:00Z').getTime();

function testClock() {
  const clock = { at: T0, now: () => new Date(clock.at) };
  return clock;
}

const uniqueName = (prefix: string) => `${prefix}_${randomBytes(5).toString('hex')}`;

/** A promise the test resolves when it wants. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

function runner(options: Partial<JobRunnerOptions> & Pick<JobRunnerOptions, 'catalog' | 'now'>) {
  const errors: unknown[] = [];
  const jobs = createJobRunner({
    db,
    log: { error: (object) => void errors.push(object) },
    random: () => 0.5,
    ...options,
  });
  return Object.assign(jobs, { errors });
}

function periodic(overrides: Partial<PeriodicJob> & Pick<PeriodicJob, 'run'>): PeriodicJob {
  return {
    name: uniqueName('every_minute'),
    everyMs: MINUTE,
    exclusive: true,
    retry: { baseDelayMs: SECOND, maxDelayMs: 10 * SECOND, jitter: 0 },
    ...overrides,
  };
}

async function schedule(name: string) {
  const { rows } = await db.query('SELECT * FROM job_schedules WHERE name = $1', [name]);
  return rows[0];
}

interface TopicJob extends QueuedJob {
  payload: { n: number } | null;
}

function queue(
  topic: string,
  handle: (jobs: readonly TopicJob[]) => Promise<ReadonlyMap<number, JobOutcome>>,
  overrides: Partial<Queue<TopicJob>> = {},
): Queue<TopicJob> {
  return {
    name: uniqueName('queue'),
    table,
    columns: ['payload'],
    filters: [{ column: 'topic', value: topic }],
    recordColumns: { last_status: 'integer' },
    batchSize: 10,
    pollMs: SECOND,
    leaseMs: 2 * MINUTE,
    retry: { maxAttempts: 3, baseDelayMs: 30 * SECOND, maxDelayMs: 10 * MINUTE, jitter: 0.2 },
    handle,
    ...overrides,
  };
}

/** Queues `count` jobs of a topic, due at `at`. */
async function enqueue(topic: string, count = 1, at = T0): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO ${table} (topic, payload, next_attempt_at)
     SELECT $1, jsonb_build_object('n', n), $3 FROM generate_series(1, $2) AS n RETURNING id`,
    [topic, count, new Date(at)],
  );
  return rows.map((row) => row.id);
}

async function job(id: number) {
  const { rows } = await db.query(
    `SELECT status, attempts, next_attempt_at, lease_token, last_error, finished_at, last_status
     FROM ${table} WHERE id = $1`,
    [id],
  );
  return rows[0];
}

const allDone = (jobs: readonly QueuedJob[], outcome: JobOutcome = { kind: 'done' }) =>
  new Map(jobs.map((queued) => [queued.id, outcome]));

describe('periodic jobs', () => {
  it.each([true, false])('run when due and then every interval (exclusive: %s)', async (exclusive) => {
    const clock = testClock();
    let runs = 0;
    const jobs = runner({
      now: clock.now,
      catalog: { periodic: [periodic({ exclusive, run: async () => void runs++ })], queues: [] },
    });
    await jobs.runDue();
    expect(runs).toBe(1);
    clock.at = T0 + 59 * SECOND;
    await jobs.runDue();
    expect(runs).toBe(1);
    clock.at = T0 + MINUTE;
    await jobs.runDue();
    expect(runs).toBe(2);
  });

  it('after a failure run again sooner, backing off, and keep their interval once they succeed', async () => {
    const clock = testClock();
    let fail = true;
    const definition = periodic({
      run: async () => {
        if (fail) throw new Error('disk full');
      },
    });
    const jobs = runner({ now: clock.now, catalog: { periodic: [definition], queues: [] } });
    await jobs.runDue();
    expect(await schedule(definition.name)).toMatchObject({
      failures: 1,
      last_error: 'disk full',
      next_run_at: new Date(T0 + SECOND),
      lease_token: null,
    });
    clock.at = T0 + SECOND;
    await jobs.runDue();
    expect(await schedule(definition.name)).toMatchObject({
      failures: 2,
      next_run_at: new Date(T0 + 3 * SECOND),
    });
    expect(jobs.errors).toHaveLength(2);
    fail = false;
    clock.at = T0 + 3 * SECOND;
    await jobs.runDue();
    expect(await schedule(definition.name)).toMatchObject({
      failures: 0,
      last_error: null,
      next_run_at: new Date(T0 + 3 * SECOND + MINUTE),
    });
  });

  it('run on one instance at a time when exclusive', async () => {
    const clock = testClock();
    const release = gate();
    let started = 0;
    const definition = periodic({
      run: async () => {
        started += 1;
        await release.opened;
      },
    });
    const first = runner({ now: clock.now, catalog: { periodic: [definition], queues: [] } });
    const second = runner({ now: clock.now, catalog: { periodic: [definition], queues: [] } });
    const firstRun = first.runDue();
    await expect.poll(() => started).toBe(1);
    await second.runDue();
    expect(started).toBe(1);
    release.open();
    await firstRun;
    // Due again a minute later: whichever instance looks first takes it.
    clock.at = T0 + MINUTE;
    await second.runDue();
    await first.runDue();
    expect(started).toBe(2);
  });

  it('are taken over by another instance when the one running them died (its lease ran out)', async () => {
    const clock = testClock();
    let started = 0;
    const definition = periodic({
      run: () => {
        started += 1;
        // The first instance "dies" in the middle: its run never ends and nothing is recorded.
        return started === 1 ? new Promise<never>(() => undefined) : Promise.resolve();
      },
    });
    const leaseMs = 30 * SECOND;
    const dead = runner({
      now: clock.now,
      scheduleLeaseMs: leaseMs,
      catalog: { periodic: [definition], queues: [] },
    });
    void dead.runDue();
    await expect.poll(() => started).toBe(1);
    const survivor = runner({
      now: clock.now,
      scheduleLeaseMs: leaseMs,
      catalog: { periodic: [definition], queues: [] },
    });
    clock.at = T0 + leaseMs - 1;
    await survivor.runDue();
    expect(started).toBe(1);
    clock.at = T0 + leaseMs;
    await survivor.runDue();
    expect(started).toBe(2);
    expect(await schedule(definition.name)).toMatchObject({
      lease_token: null,
      next_run_at: new Date(T0 + leaseMs + MINUTE),
    });
  });
});

describe('queues', () => {
  it('deliver each job once when several instances claim at the same time', async () => {
    const topic = uniqueName('topic');
    const ids = await enqueue(topic, 30);
    const clock = testClock();
    const handled: number[] = [];
    const definition = queue(
      topic,
      async (jobs) => {
        handled.push(...jobs.map((queued) => queued.id));
        return allDone(jobs);
      },
      { batchSize: 4 },
    );
    const instances = [1, 2, 3].map(() =>
      runner({ now: clock.now, catalog: { periodic: [], queues: [definition] } }),
    );
    await Promise.all(instances.map((instance) => instance.runDue()));
    expect(handled.sort((a, b) => a - b)).toEqual(ids);
    for (const id of ids)
      expect(await job(id)).toMatchObject({ status: 'done', attempts: 1, lease_token: null });
  });

  it('retry with exponential backoff and jitter, honour Retry-After, and fail after the last attempt', async () => {
    const topic = uniqueName('topic');
    const [id] = await enqueue(topic);
    const clock = testClock();
    const answers: JobOutcome[] = [
      { kind: 'retry', error: 'HTTP 503', record: { last_status: 503 } },
      { kind: 'retry', error: 'HTTP 429', retryAfterMs: 5 * MINUTE, record: { last_status: 429 } },
      { kind: 'retry', error: 'connection reset' },
    ];
    let calls = 0;
    const jobs = runner({
      now: clock.now,
      random: () => 1,
      catalog: { periodic: [], queues: [queue(topic, async (batch) => allDone(batch, answers[calls++]!))] },
    });
    await jobs.runDue();
    // 30 s, +20 % jitter at the top of the draw.
    expect(await job(id!)).toMatchObject({
      status: 'pending',
      attempts: 1,
      last_status: 503,
      last_error: 'HTTP 503',
      next_attempt_at: new Date(T0 + 36 * SECOND),
      lease_token: null,
    });
    clock.at = T0 + 35 * SECOND;
    await jobs.runDue();
    expect(calls).toBe(1);
    clock.at = T0 + 36 * SECOND;
    await jobs.runDue();
    // The backoff would be 72 s; the server asked for 5 minutes.
    expect(await job(id!)).toMatchObject({
      attempts: 2,
      last_status: 429,
      next_attempt_at: new Date(T0 + 36 * SECOND + 5 * MINUTE),
    });
    clock.at = T0 + 36 * SECOND + 5 * MINUTE;
    await jobs.runDue();
    expect(await job(id!)).toMatchObject({
      status: 'failed',
      attempts: 3,
      last_status: null,
      last_error: 'connection reset',
      finished_at: new Date(clock.at),
    });
    clock.at += 24 * 60 * MINUTE;
    await jobs.runDue();
    expect(calls).toBe(3);
  });

  it('record final and cancelled outcomes at once, and retry every job of a batch whose handler throws', async () => {
    const topic = uniqueName('topic');
    const [gone, cancelled, unanswered] = await enqueue(topic, 3);
    const clock = testClock();
    let throwing = false;
    const jobs = runner({
      now: clock.now,
      catalog: {
        periodic: [],
        queues: [
          queue(topic, async () => {
            if (throwing) throw new Error('bug in the handler');
            return new Map<number, JobOutcome>([
              [gone!, { kind: 'failed', error: 'HTTP 410', record: { last_status: 410 } }],
              [cancelled!, { kind: 'cancelled', reason: 'no longer configured' }],
            ]);
          }),
        ],
      },
    });
    await jobs.runDue();
    expect(await job(gone!)).toMatchObject({
      status: 'failed',
      attempts: 1,
      last_error: 'HTTP 410',
      last_status: 410,
    });
    expect(await job(cancelled!)).toMatchObject({ status: 'cancelled', last_error: 'no longer configured' });
    expect(await job(unanswered!)).toMatchObject({
      status: 'pending',
      last_error: 'the handler gave no outcome',
    });

    throwing = true;
    clock.at = T0 + 10 * MINUTE;
    await jobs.runDue();
    expect(await job(unanswered!)).toMatchObject({
      status: 'pending',
      attempts: 2,
      last_error: 'bug in the handler',
    });
    expect(jobs.errors).toHaveLength(1);
  });

  it('give a claimed job to another instance when its worker died, and ignore the dead worker if it wakes', async () => {
    const topic = uniqueName('topic');
    const [id] = await enqueue(topic);
    const clock = testClock();
    const stuck = gate();
    let deadCalls = 0;
    const dead = runner({
      now: clock.now,
      catalog: {
        periodic: [],
        queues: [
          queue(topic, async (batch) => {
            deadCalls += 1;
            await stuck.opened;
            return allDone(batch, { kind: 'done', record: { last_status: 999 } });
          }),
        ],
      },
    });
    const deadRun = dead.runDue();
    await expect.poll(() => deadCalls).toBe(1);
    expect(await job(id!)).toMatchObject({
      status: 'pending',
      attempts: 1,
      next_attempt_at: new Date(T0 + 2 * MINUTE),
    });

    const survivor = runner({
      now: clock.now,
      catalog: {
        periodic: [],
        queues: [
          queue(topic, async (batch) => allDone(batch, { kind: 'done', record: { last_status: 200 } })),
        ],
      },
    });
    await survivor.runDue();
    expect((await job(id!)).status).toBe('pending');
    clock.at = T0 + 2 * MINUTE;
    await survivor.runDue();
    expect(await job(id!)).toMatchObject({ status: 'done', attempts: 2, last_status: 200 });

    stuck.open();
    await deadRun;
    expect(await job(id!)).toMatchObject({ status: 'done', last_status: 200 });
  });

  it('fail a job whose worker died during its last attempt, without handling it again', async () => {
    const topic = uniqueName('topic');
    const [id] = await enqueue(topic);
    await db.query(`UPDATE ${table} SET attempts = 3 WHERE id = $1`, [id]);
    let calls = 0;
    const jobs = runner({
      now: testClock().now,
      catalog: { periodic: [], queues: [queue(topic, async (batch) => (calls++, allDone(batch)))] },
    });
    await jobs.runDue();
    expect(calls).toBe(0);
    expect(await job(id!)).toMatchObject({
      status: 'failed',
      last_error: 'its worker stopped during the last attempt',
    });
  });

  it('replay dead letters with a fresh budget, and only those of the queue', async () => {
    const topic = uniqueName('topic');
    const [id] = await enqueue(topic);
    const [otherTopics] = await enqueue(uniqueName('topic'));
    await db.query(
      `UPDATE ${table} SET status = 'failed', attempts = 3, last_error = 'HTTP 500' WHERE id = ANY($1)`,
      [[id, otherTopics]],
    );
    const clock = testClock();
    const definition = queue(topic, async (batch) => allDone(batch));
    expect(await replayFailedJobs(db, definition, { ids: [id!, otherTopics!], now: clock.now() })).toEqual([
      id,
    ]);
    expect(await job(id!)).toMatchObject({ status: 'pending', attempts: 0, last_error: null });
    expect((await job(otherTopics!)).status).toBe('failed');
    await runner({ now: clock.now, catalog: { periodic: [], queues: [definition] } }).runDue();
    expect(await job(id!)).toMatchObject({ status: 'done', attempts: 1 });
  });
});

describe('stopping', () => {
  it('waits for a running batch to finish and records it', async () => {
    const topic = uniqueName('topic');
    const [id] = await enqueue(topic);
    const finish = gate();
    let calls = 0;
    const jobs = runner({
      now: testClock().now,
      catalog: {
        periodic: [],
        queues: [
          queue(topic, async (batch) => {
            calls += 1;
            await finish.opened;
            return allDone(batch);
          }),
        ],
      },
    });
    jobs.start();
    await expect.poll(() => calls).toBe(1);
    let stopped = false;
    const stopping = jobs.stop().then(() => (stopped = true));
    expect((await job(id!)).status).toBe('pending');
    expect(stopped).toBe(false);
    finish.open();
    await stopping;
    expect(await job(id!)).toMatchObject({ status: 'done', attempts: 1 });
  });

  it('gives back what is still running after the drain time: queued jobs due at once, schedules unleased', async () => {
    const topic = uniqueName('topic');
    const [id] = await enqueue(topic);
    const clock = testClock();
    const never = new Promise<never>(() => undefined);
    let running = 0;
    const definition = periodic({ run: () => (running++, never) });
    const jobs = runner({
      now: clock.now,
      drainMs: 50,
      catalog: { periodic: [definition], queues: [queue(topic, () => (running++, never))] },
    });
    jobs.start();
    await expect.poll(() => running).toBe(2);
    await jobs.stop();
    expect(await job(id!)).toMatchObject({
      status: 'pending',
      attempts: 0,
      lease_token: null,
      next_attempt_at: new Date(T0),
    });
    expect(await schedule(definition.name)).toMatchObject({ lease_token: null, next_run_at: new Date(T0) });
    expect(jobs.errors).toEqual([]);
  });

  it('tells running jobs to stop through their signal', async () => {
    let aborted = false;
    const jobs = runner({
      now: testClock().now,
      catalog: {
        periodic: [
          periodic({
            exclusive: false,
            run: ({ signal }) =>
              new Promise<void>((resolve) => {
                signal.addEventListener('abort', () => {
                  aborted = true;
                  resolve();
                });
              }),
          }),
        ],
        queues: [],
      },
    });
    void jobs.runDue();
    await jobs.stop();
    expect(aborted).toBe(true);
  });
});

describe('queue definitions', () => {
  const valid = queue('x', async () => new Map());
  it.each([
    ['a table name with a quote', { table: `jobs"; DROP TABLE sites; --` }],
    ['an upper-case column', { columns: ['Payload'] }],
    ['an empty filter column', { filters: [{ column: '', value: 'x' }] }],
    ['a record column with a space', { recordColumns: { 'last status': 'integer' as const } }],
    ['a zero batch', { batchSize: 0 }],
    ['a fractional lease', { leaseMs: 1.5 }],
    ['no attempts', { retry: { ...valid.retry, maxAttempts: 0 } }],
    ['a NaN poll', { pollMs: NaN }],
  ])('refuse %s', (_case, overrides) => {
    expect(() => assertValidQueue({ ...valid, ...overrides } as Queue)).toThrow();
  });

  it('refuse two jobs of one name', () => {
    const job = periodic({ run: async () => undefined });
    expect(() => runner({ now: testClock().now, catalog: { periodic: [job, job], queues: [] } })).toThrow(
      /defined twice/,
    );
  });
});
