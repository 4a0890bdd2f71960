import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sqlLiteral } from './copy.ts';
import { openAnalyticsPool, openDatabase } from './open.ts';
import { createPool, type Pool } from './pool.ts';

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

describe('report queries', () => {
  // Estimated far above jit_above_cost, as a report over many daily partitions is.
  const costly = 'EXPLAIN (FORMAT JSON) SELECT count(*) FROM generate_series(1, 100000000) g';
  const jitOf = async (pool: Pool) =>
    (await pool.query<{ 'QUERY PLAN': Array<Record<string, unknown>> }>(costly)).rows[0]!['QUERY PLAN'][0]!
      .JIT;

  it('are never JIT-compiled on the main pool nor on the analytics replica’s', async () => {
    const database = await openTestDatabase();
    const replica = await openAnalyticsPool({ url: inject('databaseUrl'), poolSize: 1 });
    try {
      expect(await jitOf(database.pool)).toBeUndefined();
      expect(await jitOf(replica)).toBeUndefined();
    } finally {
      await replica.end();
      await database.close();
    }
  });
});

describe('client_encoding', () => {
  // A database of its own: a default set on the shared test database would reach every test file.
  const name = `beacon_encoding_${randomBytes(4).toString('hex')}`;
  const url = new URL(inject('databaseUrl'));
  url.pathname = `/${name}`;
  let admin: Pool;
  beforeAll(async () => {
    admin = createPool({ connectionString: inject('databaseUrl'), max: 1 });
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.query(`ALTER DATABASE ${name} SET client_encoding = 'SJIS'`);
    await admin.query(`ALTER ROLE CURRENT_USER IN DATABASE ${name} SET client_encoding = 'GBK'`);
  });
  afterAll(async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`ALTER ROLE CURRENT_USER IN DATABASE ${name} RESET ALL`).catch(() => undefined);
    await admin.end();
  });

  // In UTF-8, Ё is D0 81; 0x81 opens a two-byte character in Shift JIS and GBK, which would take
  // the backslash (5C) or quote (27) after it as its second byte: the E'' literal would be cut short.
  const hazard = "Ё\\Ё'表";

  it.each([
    ['the database and the role default to SJIS and GBK', url.toString(), {}],
    [
      'the URL asks for SJIS',
      `${url.toString()}?options=${encodeURIComponent('-c client_encoding=SJIS')}`,
      {},
    ],
    ['PGCLIENTENCODING says SJIS', url.toString(), { PGCLIENTENCODING: 'SJIS' }],
  ])('is UTF8 on every pool when %s', async (_case, databaseUrl, env: Record<string, string>) => {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    const database = await openDatabase({
      databaseUrl,
      poolSize: 1,
      dataDir: '/nonexistent',
      log: { info: () => undefined, warn: () => undefined },
    });
    try {
      for (const pool of [database.pool, database.writerPool]) {
        const { rows } = await pool.query<{ encoding: string; value: string }>(
          `SELECT current_setting('client_encoding') AS encoding, ${sqlLiteral(hazard, 'text')} AS value`,
        );
        expect(rows[0]).toEqual({ encoding: 'UTF8', value: hazard });
      }
    } finally {
      await database.close();
      process.env = saved;
    }
  });
});
