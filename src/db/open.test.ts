import { describe, expect, inject, it } from 'vitest';
import { openDatabase } from './open.ts';

describe('openDatabase', () => {
  it('gives the ingestion writer connections with sequential scans off and leaves the main pool alone', async () => {
    const database = await openDatabase({
      databaseUrl: inject('databaseUrl'),
      poolSize: 2,
      dataDir: '/nonexistent',
      log: { info: () => undefined, warn: () => undefined },
    });
    try {
      const setting = async (pool: typeof database.pool) =>
        (await pool.query<{ enable_seqscan: string }>('SHOW enable_seqscan')).rows[0]!.enable_seqscan;
      expect(await setting(database.writerPool)).toBe('off');
      expect(await setting(database.pool)).toBe('on');
    } finally {
      await database.close();
    }
  });
});
