import path from 'node:path';
import { ConfigError } from '../config.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded.ts';
import { migrate } from './migrate.ts';
import { ensureEventPartitions } from './partitions.ts';
import { createPool, type Pool } from './pool.ts';

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
 * Connects to DATABASE_URL, or starts the embedded PostgreSQL under the data directory; then
 * applies pending migrations and makes sure the coming days' event partitions exist.
 */
export async function openDatabase(options: {
  databaseUrl: string | undefined;
  poolSize: number;
  dataDir: string;
  log: { info(msg: string): void; warn(msg: string): void };
}): Promise<Database> {
  let embedded: EmbeddedPostgres | undefined;
  let connectionString = options.databaseUrl;
  if (connectionString === undefined) {
    embedded = await startEmbeddedPostgres({ dir: path.join(options.dataDir, 'postgres'), log: options.log });
    connectionString = embedded.connectionString;
  }
  const pool = createPool({ connectionString, max: options.poolSize });
  const writerPool = createPool({ connectionString, max: WRITER_CONNECTIONS, settings: WRITER_SETTINGS });
  try {
    if (options.databaseUrl !== undefined) await checkConnection(pool, options.databaseUrl);
    const applied = await migrate(pool);
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

/** A DATABASE_URL that does not work stops the start with its name and the reason, never the password. */
async function checkConnection(pool: Pool, databaseUrl: string): Promise<void> {
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    const url = new URL(databaseUrl);
    const host = decodeURIComponent(url.hostname) || url.searchParams.get('host') || 'localhost';
    const { message, code } = error as NodeJS.ErrnoException;
    throw new ConfigError(
      'DATABASE_URL',
      `could not connect to ${host}:${url.port || 5432}${url.pathname}: ${message || code}`,
    );
  }
}
