import path from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded.ts';
import { migrate } from './migrate.ts';
import { ensureEventPartitions } from './partitions.ts';
import { createPool, type Pool } from './pool.ts';

export interface Database {
  pool: Pool;
  backend: 'postgres' | 'embedded';
  close(): Promise<void>;
}

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
  try {
    const applied = await migrate(pool);
    if (applied.length > 0) options.log.info(`applied migrations: ${applied.join(', ')}`);
    await ensureEventPartitions(pool);
  } catch (error) {
    await pool.end().catch(() => undefined);
    await embedded?.stop();
    throw error;
  }
  return {
    pool,
    backend: embedded ? 'embedded' : 'postgres',
    async close() {
      await pool.end();
      await embedded?.stop();
    },
  };
}
