import fs from 'node:fs/promises';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { migrate, readMigrations } from './migrate.ts';
import { ensureEventPartitions, PARTITION_DAYS_AHEAD } from './partitions.ts';
import { createPool } from './pool.ts';

const pool = createPool({ connectionString: inject('databaseUrl'), max: 2 });
afterAll(() => pool.end());

function utcDay(offsetDays: number): string {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + offsetDays))
    .toISOString()
    .slice(0, 10)
    .replaceAll('-', '');
}

describe('migrations', () => {
  // Numbers are handed out to work done in parallel, so a branch may hold 020 before 017 is merged.
  it('are numbered in order without repeats', async () => {
    const versions = (await readMigrations()).map((migration) => migration.version);
    expect(versions).toEqual([...new Set(versions)].sort((a, b) => a - b));
    expect(versions[0]).toBe(1);
  });

  it('apply nothing the second time (the suite already migrated this database)', async () => {
    await expect(migrate(pool)).resolves.toEqual([]);
    const { rows } = await pool.query('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((row) => row.version)).toEqual((await readMigrations()).map((m) => m.version));
  });

  it('serialise concurrent runs from several instances', async () => {
    const results = await Promise.all([migrate(pool), migrate(pool), migrate(pool)]);
    expect(results.flat()).toEqual([]);
  });
});

describe('events table', () => {
  it('has exactly the 67 data points documented in docs/events.md, in order', async () => {
    const doc = await fs.readFile(new URL('../../docs/events.md', import.meta.url), 'utf8');
    const documented = [...doc.matchAll(/^\| (\d+) \| `(\w+)` \| ([^|]+) \|/gm)].map((match) => ({
      column: match[2],
      type: match[3]!.trim(),
    }));
    const { rows } = await pool.query<{ column_name: string; data_type: string }>(
      `SELECT column_name, data_type FROM information_schema.columns
       WHERE table_schema = current_schema() AND table_name = 'events' ORDER BY ordinal_position`,
    );
    expect(documented).toHaveLength(67);
    expect(rows.map((row) => row.column_name)).toEqual(documented.map((entry) => entry.column));
    const shortType: Record<string, string> = {
      'timestamp with time zone': 'timestamptz',
      numeric: 'numeric(18,4)',
    };
    expect(rows.map((row) => shortType[row.data_type] ?? row.data_type)).toEqual(
      documented.map((entry) => entry.type),
    );
  });

  it('is partitioned by day with partitions ready from yesterday to a week ahead', async () => {
    await ensureEventPartitions(pool);
    const { rows } = await pool.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'events'::regclass`,
    );
    const names = new Set(rows.map((row) => row.name));
    for (let offset = -1; offset <= PARTITION_DAYS_AHEAD; offset++) {
      expect(names, `events_${utcDay(offset)}`).toContain(`events_${utcDay(offset)}`);
    }
  });

  it('creates partitions idempotently and for a given day', async () => {
    const future = new Date(Date.UTC(2031, 0, 15));
    const first = await ensureEventPartitions(pool, future);
    const again = await ensureEventPartitions(pool, future);
    expect(first).toBeGreaterThanOrEqual(0);
    expect(again).toBe(0);
    const { rows } = await pool.query(`SELECT to_regclass('events_20310115') AS name`);
    expect(rows[0].name).toBe('events_20310115');
  });

  it('routes a row to the partition of its received day', async () => {
    const receivedAt = new Date();
    const id = `evt_schema_test_${Date.now()}`;
    await pool.query(
      `INSERT INTO events (id, site_id, type, received_at, occurred_at) VALUES ($1, 'site_schema_test', 'pageview', $2, $2)`,
      [id, receivedAt],
    );
    const { rows } = await pool.query(
      `SELECT tableoid::regclass::text AS partition FROM events WHERE id = $1`,
      [id],
    );
    expect(rows[0].partition).toBe(`events_${utcDay(0)}`);
    await pool.query(`DELETE FROM events WHERE id = $1`, [id]);
  });
});
