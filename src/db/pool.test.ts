import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTcpProxy, targetOf, throughProxy, type TcpProxy } from '../../test/fakes/tcp-proxy.ts';
import { runScript } from './copy.ts';
import {
  ConnectionStalledError,
  createPool,
  isDatabaseUnavailable,
  pingDatabase,
  type ConnectionBounds,
  type Pool,
} from './pool.ts';

const databaseUrl = inject('databaseUrl');

/** Bounds small enough for a test to wait them out, generous enough for a busy machine. */
const SHORT: ConnectionBounds = {
  statementTimeoutMs: 300,
  idleInTransactionTimeoutMs: 5_000,
  stallTimeoutMs: 800,
  connectTimeoutMs: 1_000,
};

async function elapsed<T>(work: () => Promise<T>): Promise<{ result: PromiseSettledResult<T>; ms: number }> {
  const started = performance.now();
  const [result] = await Promise.allSettled([work()]);
  return { result: result!, ms: performance.now() - started };
}

describe('isDatabaseUnavailable', () => {
  const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });
  it.each([
    ['a stalled connection', new ConnectionStalledError(100), true],
    ['connection refused', withCode('ECONNREFUSED'), true],
    ['connection reset', withCode('ECONNRESET'), true],
    ['a statement timeout (57014)', withCode('57014'), true],
    ['the server shutting down (57P01)', withCode('57P01'), true],
    ['the server starting up (57P03)', withCode('57P03'), true],
    ['a connection exception (08006)', withCode('08006'), true],
    ['too many connections (53300)', withCode('53300'), true],
    ['pg-pool waiting too long', new Error('timeout exceeded when trying to connect'), true],
    ['a connection lost', new Error('Connection terminated unexpectedly'), true],
    ['a connect that timed out', new Error('Connection terminated due to connection timeout'), true],
    [
      'a client that lost its connection',
      new Error('Client has encountered a connection error and is not queryable'),
      true,
    ],
    ['a unique violation (23505)', withCode('23505'), false],
    ['a syntax error (42601)', withCode('42601'), false],
    ['a deadlock (40P01)', withCode('40P01'), false],
    ['a bug', new TypeError('cannot read properties of undefined'), false],
  ])('%s → %s', (_name, error, expected) => {
    expect(isDatabaseUnavailable(error)).toBe(expected);
  });

  describe('robustness to invalid data', () => {
    it.each([
      ['undefined', undefined],
      ['null', null],
      ['a string', 'ECONNREFUSED'],
      ['a plain object with a code', { code: 'ECONNREFUSED', message: 'Connection terminated' }],
      ['an error with a numeric code', Object.assign(new Error('x'), { code: 57014 })],
      ['an error with a huge message', new Error('x'.repeat(1_000_000))],
      ['an error with an empty message', new Error('')],
    ])('%s is not taken for an outage', (_name, value) => {
      expect(isDatabaseUnavailable(value)).toBe(false);
    });
  });
});

describe('createPool', () => {
  it('sets the server-side timeouts on every connection, and the defaults when given none', async () => {
    const bounded = createPool({ connectionString: databaseUrl, max: 1, bounds: SHORT });
    const defaults = createPool({ connectionString: databaseUrl, max: 1 });
    try {
      const settings = async (pool: Pool) =>
        (
          await pool.query<{ statement: string; idle: string }>(
            `SELECT current_setting('statement_timeout') AS statement,
                    current_setting('idle_in_transaction_session_timeout') AS idle`,
          )
        ).rows[0];
      expect(await settings(bounded)).toEqual({ statement: '300ms', idle: '5s' });
      expect(await settings(defaults)).toEqual({ statement: '30s', idle: '1min' });
    } finally {
      await Promise.all([bounded.end(), defaults.end()]);
    }
  });

  it('has PostgreSQL cancel a statement past its timeout and keeps the connection', async () => {
    const pool = createPool({ connectionString: databaseUrl, max: 1, bounds: SHORT });
    try {
      const { result, ms } = await elapsed(() => pool.query('SELECT pg_sleep(5)'));
      expect(result.status).toBe('rejected');
      const error = (result as PromiseRejectedResult).reason;
      expect(error).toMatchObject({ code: '57014' });
      expect(isDatabaseUnavailable(error)).toBe(true);
      expect(ms).toBeLessThan(3_000);
      const client = await pool.connect();
      try {
        expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      } finally {
        client.release();
      }
    } finally {
      await pool.end();
    }
  });

  it('survives a checked-out connection being killed, and drops it on release', async () => {
    const pool = createPool({ connectionString: databaseUrl, max: 2, bounds: SHORT });
    const admin = createPool({ connectionString: databaseUrl, max: 1, bounds: SHORT });
    try {
      const client = await pool.connect();
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      // Without an error listener on the client, this is an uncaught 'error' event: the process dies.
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
      await expect
        .poll(() =>
          client.query('SELECT 1').then(
            () => 'answered',
            () => 'failed',
          ),
        )
        .toBe('failed');
      client.release();
      await expect.poll(() => pool.totalCount).toBe(0);
      expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await Promise.all([pool.end(), admin.end()]);
    }
  });
});

describe('a stalled PostgreSQL connection', () => {
  let proxy: TcpProxy;
  let pool: Pool;
  beforeAll(async () => {
    proxy = await startTcpProxy(targetOf(databaseUrl));
    pool = createPool({ connectionString: throughProxy(databaseUrl, proxy), max: 2, bounds: SHORT });
  });
  afterAll(async () => {
    proxy.restore();
    await pool.end();
    await proxy.close();
  });

  it('fails its query within the stall bound, fails the ROLLBACK after it at once, and is dropped', async () => {
    const client = await pool.connect();
    await client.query('BEGIN');
    proxy.freeze();
    const query = await elapsed(() => client.query('SELECT 1'));
    expect(query.result.status).toBe('rejected');
    expect((query.result as PromiseRejectedResult).reason).toBeInstanceOf(ConnectionStalledError);
    expect(query.ms).toBeGreaterThanOrEqual(SHORT.stallTimeoutMs - 50);
    expect(query.ms).toBeLessThan(SHORT.stallTimeoutMs + 2_000);
    const rollback = await elapsed(() => client.query('ROLLBACK'));
    expect(rollback.result.status).toBe('rejected');
    expect(rollback.ms).toBeLessThan(500);
    client.release();
    expect(pool.totalCount).toBe(0);
    proxy.restore();
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('fails a COPY script (the writer’s custom query) within the stall bound', async () => {
    const client = await pool.connect();
    proxy.freeze();
    const script = await elapsed(() => runScript(client, [{ sql: 'SELECT 1' }]));
    client.release();
    proxy.restore();
    expect((script.result as PromiseRejectedResult).reason).toBeInstanceOf(ConnectionStalledError);
    expect(script.ms).toBeLessThan(SHORT.stallTimeoutMs + 2_000);
    expect(pool.totalCount).toBe(0);
  });

  it('gives every query of a busy connection the whole bound, and never fires on an idle one', async () => {
    const client = await pool.connect();
    try {
      await client.query('SET statement_timeout = 0');
      // Three sleeps of 60% of the bound each: together longer than the bound, each well within it.
      const sleep = (SHORT.stallTimeoutMs * 0.6) / 1000;
      await Promise.all([1, 2, 3].map(() => client.query('SELECT pg_sleep($1)', [sleep])));
      await new Promise((resolve) => setTimeout(resolve, SHORT.stallTimeoutMs * 1.5));
      expect((await client.query('RESET statement_timeout')).command).toBe('RESET');
    } finally {
      client.release();
    }
  });

  it('reports it to a readiness ping within the ping bound, and recovers when it answers again', async () => {
    expect(await pingDatabase(pool, 1_000)).toBe(true);
    proxy.freeze();
    const frozen = await elapsed(() => pingDatabase(pool, 300));
    expect(frozen.result).toEqual({ status: 'fulfilled', value: false });
    expect(frozen.ms).toBeLessThan(1_500);
    proxy.restore();
    await expect.poll(() => pingDatabase(pool, 1_000), { timeout: 10_000 }).toBe(true);
  });

  it('refuses quickly while the server is gone, and reconnects without help once it is back', async () => {
    await pool.query('SELECT 1');
    proxy.cut();
    const cut = await elapsed(() => pool.query('SELECT 1'));
    expect(cut.result.status).toBe('rejected');
    expect(isDatabaseUnavailable((cut.result as PromiseRejectedResult).reason)).toBe(true);
    expect(cut.ms).toBeLessThan(SHORT.connectTimeoutMs + 1_000);
    proxy.restore();
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });
});
