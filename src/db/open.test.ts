import { describe, expect, inject, it } from 'vitest';
import { openDatabase } from './open.ts';

/** The test database, as Beacon opens its own (migrations applied, writer pool set up). */
const openTestDatabase = () =>
  openDatabase({
    databaseUrl: inject('databaseUrl'),
    poolSize: 1,
    dataDir: '/nonexistent',
    log: { info: () => undefined, warn: () => undefined },
  });

describe('openDatabase', () => {
  it('gives the ingestion writer connections with sequential scans off and leaves the main pool alone', async () => {
    const database = await openTestDatabase();
    try {
      const setting = async (pool: typeof database.pool) =>
        (await pool.query<{ enable_seqscan: string }>('SHOW enable_seqscan')).rows[0]!.enable_seqscan;
      expect(await setting(database.writerPool)).toBe('off');
      expect(await setting(database.pool)).toBe('on');
    } finally {
      await database.close();
    }
  });

  it('never JIT-compiles a writer statement that has to scan a table without an index', async () => {
    const database = await openTestDatabase();
    const client = await database.writerPool.connect();
    try {
      // Up to PostgreSQL 17, a disabled sequential scan costs 1e10: far above jit_above_cost, so
      // every such statement was compiled by LLVM first (~0.5 s per write transaction).
      await client.query('CREATE TEMP TABLE jit_probe (count integer)');
      const { rows } = await client.query<{ 'QUERY PLAN': Array<Record<string, unknown>> }>(
        'EXPLAIN (FORMAT JSON) SELECT count + 1 FROM jit_probe WHERE count > 0',
      );
      expect(rows[0]!['QUERY PLAN'][0]!.Plan).toBeDefined();
      expect(rows[0]!['QUERY PLAN'][0]!.JIT).toBeUndefined();
    } finally {
      client.release();
      await database.close();
    }
  });
});
