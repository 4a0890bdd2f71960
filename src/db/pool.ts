import type { Socket } from 'node:net';
import pg from 'pg';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

// int8 and numeric come back as strings by default; our counts and money fit in a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value));

/**
 * How long a connection may keep its caller waiting. pg itself waits forever for an answer, so
 * without these one stalled connection (a frozen server, a half-open TCP connection, a lock held by
 * a crashed client) blocks whatever waits on it. 0 turns a bound off.
 */
export interface ConnectionBounds {
  /** Server side: a statement running longer is cancelled (57014); the connection stays usable. */
  statementTimeoutMs: number;
  /** Server side: a session idle inside a transaction this long is ended, and its locks freed. */
  idleInTransactionTimeoutMs: number;
  /**
   * Client side: a query with no answer this long means the connection is stalled; it is destroyed,
   * its queries fail at once, and the pool replaces it. Longer than the statement timeout, so a
   * merely slow statement is cancelled by the server first and its connection kept.
   */
  stallTimeoutMs: number;
  /** Client side: waiting for a free connection, or for a new one to be established. */
  connectTimeoutMs: number;
}

export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;
/** Time the server gets to cancel a statement at its timeout before the client gives the connection up. */
const STALL_GRACE_MS = 2_000;

/** Bounds for a pool whose statements may run up to `statementTimeoutMs`. */
export function connectionBounds(statementTimeoutMs: number): ConnectionBounds {
  return {
    statementTimeoutMs,
    idleInTransactionTimeoutMs: 60_000,
    stallTimeoutMs: statementTimeoutMs + STALL_GRACE_MS,
    connectTimeoutMs: 5_000,
  };
}

/** A connection that sent no answer within its bound; its queries fail with this. */
export class ConnectionStalledError extends Error {
  constructor(ms: number) {
    super(`PostgreSQL sent no answer within ${ms} ms; the connection was closed`);
    this.name = 'ConnectionStalledError';
  }
}

export function createPool(options: {
  connectionString: string;
  max: number;
  /** Server settings for every connection of this pool (`-c name=value` at connect). */
  settings?: Record<string, string>;
  /** Default: `connectionBounds(DEFAULT_STATEMENT_TIMEOUT_MS)`. */
  bounds?: ConnectionBounds;
}): Pool {
  const bounds = options.bounds ?? connectionBounds(DEFAULT_STATEMENT_TIMEOUT_MS);
  const settings = {
    statement_timeout: String(bounds.statementTimeoutMs),
    idle_in_transaction_session_timeout: String(bounds.idleInTransactionTimeoutMs),
    ...options.settings,
  };
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max,
    options: Object.entries(settings)
      .map(([name, value]) => `-c ${name}=${value}`)
      .join(' '),
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: bounds.connectTimeoutMs,
    // Probes idle connections, so a peer that vanished (failover, a dropped NAT entry) is found
    // before a query waits on it, and keeps middleboxes from dropping quiet connections.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    application_name: 'beacon',
  });
  // An idle client losing its connection (database restart) must not crash the process;
  // the pool discards it and the next checkout reconnects.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => {
    // A connection that dies while checked out (server restart, idle_in_transaction_session_timeout,
    // a stall below) emits 'error' on its client, and an 'error' nobody listens to crashes the
    // process. Its queries fail with the error all the same, and release() then drops the client.
    client.on('error', () => undefined);
    if (bounds.stallTimeoutMs > 0) destroyWhenStalled(client, bounds.stallTimeoutMs);
  });
  return pool;
}

/** The parts of pg's client the stall watch uses: its query method, socket and protocol messages. */
interface WatchedClient {
  query: (...args: unknown[]) => unknown;
  connection: { stream: Socket; on(event: 'readyForQuery', listener: () => void): unknown };
  on(event: 'drain' | 'end', listener: () => void): unknown;
}

/**
 * Destroys the client's connection when a query gets no answer (ReadyForQuery) within `ms`. pg's own
 * query_timeout is not used: it leaves the stalled query on the connection, so a pooled client
 * would go back to the pool still stuck, and it never fires for custom queries (the writer's COPY
 * script). Destroying the socket fails every query of the client at once, ROLLBACK included, and
 * makes release() drop it.
 */
function destroyWhenStalled(client: PoolClient, ms: number) {
  const watched = client as unknown as WatchedClient;
  const query = watched.query.bind(client);
  let timer: NodeJS.Timeout | undefined;
  const stop = () => {
    clearTimeout(timer);
    timer = undefined;
  };
  const start = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      watched.connection.stream.destroy(new ConnectionStalledError(ms));
    }, ms);
    timer.unref();
  };
  watched.query = (...args) => {
    if (timer === undefined) start();
    return query(...args);
  };
  // pg handles ReadyForQuery first: it settles the query and emits 'drain' when none is left (which
  // stops the watch); otherwise the next queued query gets the whole bound again.
  watched.connection.on('readyForQuery', () => {
    if (timer !== undefined) start();
  });
  watched.on('drain', stop);
  watched.on('end', stop);
}

/**
 * Runs `work` in a transaction on one connection, rolling back on any error; `REPEATABLE READ` for
 * work that must read one snapshot throughout.
 */
export async function withTransaction<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
  isolation: 'READ COMMITTED' | 'REPEATABLE READ' = 'READ COMMITTED',
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(`BEGIN ISOLATION LEVEL ${isolation}`);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** Whether PostgreSQL answers `SELECT 1` within `timeoutMs`, waiting for a connection included. */
export async function pingDatabase(pool: Pool, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    // On query_timeout the pool drops the ping's connection. pg reads it per query; its types omit it.
    const ping = { text: 'SELECT 1', query_timeout: timeoutMs } as pg.QueryConfig;
    const answered = pool.query(ping).then(
      () => true,
      () => false,
    );
    return await Promise.race([answered, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** SQLSTATEs that say the server cannot serve now, not that the statement is wrong. */
const UNAVAILABLE_SQLSTATES = new Set(['57014', '57P01', '57P02', '57P03']);
/** pg and pg-pool report a lost or unobtainable connection with messages, not codes. */
const CONNECTION_LOST_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'Client has encountered a connection error and is not queryable',
];

/**
 * Whether an error means PostgreSQL is unreachable, stalled or refusing work for now (a retry later
 * can succeed), as opposed to a fault of the statement or its data.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof ConnectionStalledError) return true;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (CONNECTION_ERROR_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code)) return true;
    // Class 08: connection exception; class 53: insufficient resources (too many connections, disk full).
    if (/^(08|53)[0-9A-Z]{3}$/.test(code)) return true;
  }
  return CONNECTION_LOST_MESSAGES.some((message) => error.message.startsWith(message));
}

/** Anything that runs a query: the pool, or one client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'>;
