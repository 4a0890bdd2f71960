import fc from 'fast-check';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createPool } from '../../db/pool.ts';
import { parseSketch, serializeSketch, sketchOfEntries } from './hll.ts';
import { visitorEntry } from './visitor-entry.ts';

const db = createPool({ connectionString: inject('databaseUrl'), max: 2 });
afterAll(() => db.end());

async function entriesInSql(ids: readonly string[]): Promise<number[]> {
  const { rows } = await db.query<{ entry: number }>(
    'SELECT rollup_visitor_entry(id) AS entry FROM unnest($1::text[]) WITH ORDINALITY AS t(id, n) ORDER BY n',
    [ids],
  );
  return rows.map((row) => row.entry);
}

/** Text PostgreSQL can store: anything but NUL. */
const storableText = fc
  .string({ unit: 'binary', maxLength: 60 })
  .map((text) => text.replaceAll('\u0000', ''));

describe('rollup_visitor_entry (SQL) and visitorEntry (Node)', () => {
  it.each([
    [''],
    ['a'],
    ['visitor-1'],
    ['v_9f86d081884c7d659a2feaa0c55ad015'],
    ['Ünïcødé 🚀 \u2028 tab\tquote\'"'],
    ['x'.repeat(5_000)],
  ])('hash %j to the same entry', async (id) => {
    expect(await entriesInSql([id])).toEqual([visitorEntry(id)]);
  });

  it('hash any text to the same entry', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(storableText, { minLength: 1, maxLength: 50 }), async (ids) => {
        expect(await entriesInSql(ids)).toEqual(ids.map(visitorEntry));
      }),
      { numRuns: 30 },
    );
  });

  it('answer NULL for a NULL visitor', async () => {
    const { rows } = await db.query('SELECT rollup_visitor_entry(NULL) AS entry');
    expect(rows[0].entry).toBeNull();
  });
});

describe('rollup_visitor_sketch (SQL)', () => {
  async function sketchInSql(ids: ReadonlyArray<string | null>): Promise<Buffer> {
    const { rows } = await db.query<{ sketch: Buffer }>(
      'SELECT rollup_visitor_sketch($1::text[]) AS sketch',
      [ids],
    );
    return rows[0]!.sketch;
  }

  it.each<[string, Array<string | null>]>([
    ['no visitors', []],
    ['only nulls', [null, null]],
    ['one visitor seen three times', ['v1', 'v1', 'v1']],
    ['a few visitors and a null', ['a', 'b', null, 'c', 'b']],
    ['5,000 visitors', Array.from({ length: 5_000 }, (_, at) => `visitor-${at}`)],
  ])('writes the bytes serializeSketch writes for %s', async (_, ids) => {
    const expected = serializeSketch(sketchOfEntries(ids.filter((id) => id !== null).map(visitorEntry)));
    expect((await sketchInSql(ids)).equals(expected)).toBe(true);
  });

  it('writes sets past the sparse limit sparse, which parseSketch reads as the dense sketch', async () => {
    const ids = Array.from({ length: 20_000 }, (_, at) => `visitor-${at}`);
    expect(parseSketch(await sketchInSql(ids))).toEqual(sketchOfEntries(ids.map(visitorEntry)));
  });
});
