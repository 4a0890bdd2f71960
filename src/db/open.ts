import path from 'node:path';
import { ConfigError } from '../config.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded.ts';
import { migrate } from './migrate.ts';
import { ensureEventPartitions } from './partitions.ts';
import { connectionBounds, createPool, DEFAULT_STATEMENT_TIMEOUT_MS, type Pool } from './pool.ts';

export interface Database {
  pool: Pool;
  /** The ingestion writer's own connections (see WRITER_SETTINGS). */
  writerPool: Pool;
  backend: 'postgres' | 'embedded';
  close(): Promise<void>;
}

/** Connections the group-commit writer keeps besides the main pool: one per lane and one spare. */
const WRITER_CONNECTIONS = 3;

/**
 * The writer's statements are index lookups prepared once per connection. Their generic plans are
 * made from the tables' sizes at that moment, and on a new, near-empty database a sequential scan
 * is cheapest; the plan would keep it as the tables grow, costing more with every row stored. With
 * sequential scans off, the planner takes an index whenever one serves; a table with none is
 * scanned regardless.
 *
 * JIT goes off with it: up to PostgreSQL 17 a disabled scan is costed at 1e10, far above
 * jit_above_cost, so LLVM compiled any statement with such a scan first (the session upsert, when
 * it read a temporary table: ~0.5 s a transaction on PostgreSQL 15; 18 counts disabled nodes apart
 * from cost). Short statements never gain from JIT.
 *
 * And the prepared lookup keeps its generic plan: left to choose, PostgreSQL planned it afresh for
 * every batch (~0.6 ms, twice its execution), as the custom plan never looked costlier.
 */
export const WRITER_SETTINGS = { enable_seqscan: 'off', jit: 'off', plan_cache_mode: 'force_generic_plan' };

/**
 * The API's and jobs' statements, report queries above all, are never JIT-compiled. A report reads
 * one partition per day of its range and LLVM compiles code for each partition's scan: with 99
 * partitions, a 30-day breakdown over 1 M events took 2.4 s, 0.9 s of it running and the rest
 * compiling; a `visitor_type` breakdown, whose subquery per row raised its estimated cost past
 * jit_optimize_above_cost, spent 28 s optimising code for a query that runs in 1.6 s.
 */
export const API_SETTINGS = { jit: 'off' };

/**
 * A writer transaction takes milliseconds; one that needs seconds means the database is in trouble,
 * and every event waiting in that lane waits with it. So the writer gives up after 5 s (the
 * connection after 7 s without an answer) and answers 503 with Retry-After, where the API's
 * statements get DATABASE_STATEMENT_TIMEOUT_MS.
 */
export const WRITER_BOUNDS = connectionBounds(5_000);

/**
 * Migrations may build indexes on big tables and wait for another instance's migration lock, for
 * as long as that takes; only connecting is bounded.
 */
const MIGRATION_BOUNDS = {
  statementTimeoutMs: 0,
  idleInTransactionTimeoutMs: 0,
  stallTimeoutMs: 0,
  connectTimeoutMs: 5_000,
};

/** The API's and jobs' pool and the writer's, each with its settings and bounds. */
export function createDatabasePools(options: {
  connectionString: string;
  poolSize: number;
  statementTimeoutMs?: number;
}): { pool: Pool; writerPool: Pool } {
  return {
    pool: createPool({
      connectionString: options.connectionString,
      max: options.poolSize,
      settings: API_SETTINGS,
      bounds: connectionBounds(options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS),
    }),
    writerPool: createPool({
      connectionString: options.connectionString,
      max: WRITER_CONNECTIONS,
      settings: WRITER_SETTINGS,
      bounds: WRITER_BOUNDS,
    }),
  };
}

/**
 * Connects to DATABASE_URL, or starts the embedded PostgreSQL under the data directory; then
 * applies pending migrations and makes sure the coming days' event partitions exist.
 */
export async function openDatabase(options: {
  databaseUrl: string | undefined;
  poolSize: number;
  /** DATABASE_STATEMENT_TIMEOUT_MS: the API's and jobs' statements. */
  statementTimeoutMs?: number;
  dataDir: string;
  log: { info(msg: string): void; warn(msg: string): void };
}): Promise<Database> {
  let embedded: EmbeddedPostgres | undefined;
  let connectionString = options.databaseUrl;
  if (connectionString === undefined) {
    embedded = await startEmbeddedPostgres({ dir: path.join(options.dataDir, 'postgres'), log: options.log });
    connectionString = embedded.connectionString;
  }
  const { pool, writerPool } = createDatabasePools({
    connectionString,
    poolSize: options.poolSize,
    statementTimeoutMs: options.statementTimeoutMs,
  });
  const migrationPool = createPool({ connectionString, max: 1, bounds: MIGRATION_BOUNDS });
  try {
    if (options.databaseUrl !== undefined) await checkConnection(pool, options.databaseUrl);
    const applied = await migrate(migrationPool).finally(() => migrationPool.end());
    if (applied.length > 0) options.log.info(`applied migrations: ${applied.join(', ')}`);
    await ensureEventPartitions(pool);
  } catch (error) {
    await pool.end().catch(() => undefined);
    await writerPool.end().catch(() => undefined);
    await embedded?.stop();
    throw error;
  }
  return {
    pool,
    writerPool,
    backend: embedded ? 'embedded' : 'postgres',
    async close() {
      await writerPool.end();
      await pool.end();
      await embedded?.stop();
    },
  };
}

/**
 * The pool report queries run on when ANALYTICS_DATABASE_URL names a read replica: no migrations
 * (the primary applies them and they replicate), the API's settings and statement timeout.
 */
export async function openAnalyticsPool(options: {
  url: string;
  poolSize: number;
  statementTimeoutMs?: number;
}): Promise<Pool> {
  const pool = createPool({
    connectionString: options.url,
    max: options.poolSize,
    settings: API_SETTINGS,
    bounds: connectionBounds(options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS),
  });
  try {
    await checkConnection(pool, options.url, 'ANALYTICS_DATABASE_URL');
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  return pool;
}

/** A database URL that does not work stops the start with its name and the reason, never the password. */
async function checkConnection(pool: Pool, databaseUrl: string, setting = 'DATABASE_URL'): Promise<void> {
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    const url = new URL(databaseUrl);
    const host = decodeURIComponent(url.hostname) || url.searchParams.get('host') || 'localhost';
    const { message, code } = error as NodeJS.ErrnoException;
    throw new ConfigError(
      setting,
      `could not connect to ${host}:${url.port || 5432}${url.pathname}: ${message || code}`,
    );
  }
}
