import { afterAll, describe, expect, inject, it } from 'vitest';
import { runScript } from '../../db/copy.ts';
import { createPool } from '../../db/pool.ts';
import { markDirtyHours } from './dirty-hours.ts';

const db = createPool({ connectionString: inject('databaseUrl'), max: 2 });
afterAll(() => db.end());

async function inserted(changes: Array<{ site_id: string; at: Date }>) {
  const statement = markDirtyHours(changes);
  if (statement === undefined) return [];
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    await runScript(client, [statement]);
    const { rows } = await client.query<{ site_id: string; hour: Date }>(
      'SELECT site_id, hour FROM rollup_dirty WHERE site_id = ANY($1) ORDER BY site_id, hour',
      [[...new Set(changes.map((change) => change.site_id))]],
    );
    return rows.map((row) => [row.site_id, row.hour.toISOString()]);
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
}

describe('markDirtyHours', () => {
  it.each<[string, Array<[string, string]>, Array<[string, string]>]>([
    [
      'one row per site and hour',
      [
        ['site_a', '2025-01-01T10:00:00.000Z'],
        ['site_a', '2025-01-01T10:59:59.999Z'],
        ['site_a', '2025-01-01T11:00:00.000Z'],
        ['site_b', '2025-01-01T10:30:00.000Z'],
      ],
      [
        ['site_a', '2025-01-01T10:00:00.000Z'],
        ['site_a', '2025-01-01T11:00:00.000Z'],
        ['site_b', '2025-01-01T10:00:00.000Z'],
      ],
    ],
    ['hours long past', [['site_a', '1999-12-31T23:59:00.000Z']], [['site_a', '1999-12-31T23:00:00.000Z']]],
    [
      'a site id with quotes and backslashes',
      [["site_'\\x", '2025-01-01T10:00:00Z']],
      [["site_'\\x", '2025-01-01T10:00:00.000Z']],
    ],
  ])('inserts %s', async (_, changes, expected) => {
    const rows = await inserted(changes.map(([site, at]) => ({ site_id: site, at: new Date(at) })));
    expect(rows).toEqual(expected);
  });

  describe('robustness to invalid data', () => {
    it('has nothing to insert for no changes', () => {
      expect(markDirtyHours([])).toBeUndefined();
    });

    it('skips a time that is not one', async () => {
      expect(markDirtyHours([{ site_id: 'site_a', at: new Date(Number.NaN) }])).toBeUndefined();
      expect(
        await inserted([
          { site_id: 'site_nan', at: new Date(Number.NaN) },
          { site_id: 'site_nan', at: new Date('2025-01-01T10:00:00Z') },
        ]),
      ).toEqual([['site_nan', '2025-01-01T10:00:00.000Z']]);
    });
  });
});
