import { afterAll, describe, expect, inject, it } from 'vitest';
import { createPool } from '../db/pool.ts';
import { newId } from '../lib/ids.ts';
import { pruneEventIds } from './prune-event-ids.ts';

const db = createPool({ connectionString: inject('databaseUrl'), max: 2 });
afterAll(() => db.end());

async function remember(siteId: string, count: number, receivedAt: string) {
  await db.query(
    `INSERT INTO event_ids (site_id, event_id, received_at, row_id)
     SELECT $1, $1 || '-' || $3 || '-' || n, $3::timestamptz, NULL FROM generate_series(1, $2) AS n`,
    [siteId, count, receivedAt],
  );
}

async function remembered(siteId: string): Promise<string[]> {
  const { rows } = await db.query<{ received_at: Date }>(
    'SELECT received_at FROM event_ids WHERE site_id = $1 ORDER BY received_at',
    [siteId],
  );
  return [...new Set(rows.map((row) => row.received_at.toISOString()))];
}

describe('pruneEventIds', () => {
  // Dates far in the past, so that pruning here never touches what other suites store now.
  it('forgets eventIds received before the cutoff, in batches, and keeps the later ones', async () => {
    const siteId = newId('site');
    await remember(siteId, 25, '1999-12-30T00:00:00Z');
    await remember(siteId, 3, '2000-01-02T00:00:00Z');
    const removed = await pruneEventIds(db, new Date('2000-01-01T00:00:00Z'), 10);
    expect(removed).toBeGreaterThanOrEqual(25);
    expect(await remembered(siteId)).toEqual(['2000-01-02T00:00:00.000Z']);
  });

  it('forgets nothing when nothing is older than the cutoff', async () => {
    const siteId = newId('site');
    await remember(siteId, 2, '1990-01-02T00:00:00Z');
    expect(await pruneEventIds(db, new Date('1990-01-01T00:00:00Z'))).toBe(0);
    expect(await remembered(siteId)).toEqual(['1990-01-02T00:00:00.000Z']);
  });
});
