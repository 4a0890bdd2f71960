import { afterAll, describe, expect, inject, it } from 'vitest';
import { createPool } from './pool.ts';
import { copyRows, copyTextField, copyTextLines } from './copy.ts';

describe('copyTextField', () => {
  it.each([
    ['null', null, '\\N'],
    ['undefined', undefined, '\\N'],
    ['plain text', 'Pricing – Acme', 'Pricing – Acme'],
    ['empty string is not null', '', ''],
    ['backslash', 'C:\\temp', 'C:\\\\temp'],
    ['newline, carriage return, tab', 'a\nb\rc\td', 'a\\nb\\rc\\td'],
    ['the end-of-data marker stays data', '\\.', '\\\\.'],
    ['integer', 1920, '1920'],
    ['decimal', 19.99, '19.99'],
    ['NaN is null', Number.NaN, '\\N'],
    ['infinity is null', Number.POSITIVE_INFINITY, '\\N'],
    ['true', true, 't'],
    ['false', false, 'f'],
    ['date', new Date('2026-11-26T10:00:00.123Z'), '2026-11-26T10:00:00.123Z'],
    ['invalid date is null', new Date(Number.NaN), '\\N'],
    [
      'object as JSON, escaped',
      { note: 'two\nlines', path: 'a\\b' },
      '{"note":"two\\\\nlines","path":"a\\\\\\\\b"}',
    ],
  ])('%s', (_name, value, expected) => {
    expect(copyTextField(value)).toBe(expected);
  });
});

describe('copyTextLines', () => {
  it('writes one tab-separated line per row in column order', () => {
    const rows = [
      { a: 'x', b: 1, c: null },
      { a: 'tab\there', b: 2, c: true },
    ];
    expect(copyTextLines(rows, ['c', 'a', 'b'])).toBe('\\N\tx\t1\nt\ttab\\there\t2\n');
  });

  it('writes nothing for no rows', () => {
    expect(copyTextLines([], ['a'])).toBe('');
  });
});

describe('copyRows', () => {
  const db = createPool({ connectionString: inject('databaseUrl'), max: 2 });
  afterAll(() => db.end());

  it('inserts every row and leaves the connection usable after a failed COPY', async () => {
    const client = await db.connect();
    try {
      await client.query('CREATE TEMP TABLE copy_target (name text, n integer, at timestamptz)');
      const at = new Date('2026-11-26T10:00:00Z');
      await copyRows(
        client,
        'copy_target',
        ['name', 'n', 'at'],
        [
          { name: 'a\tb', n: 1, at },
          { name: null, n: 2, at },
        ],
      );
      await expect(
        copyRows(client, 'copy_target', ['name', 'n', 'at'], [{ name: 'x', n: 'not a number', at }]),
      ).rejects.toMatchObject({ code: '22P02' });
      await expect(copyRows(client, 'no_such_table', ['name'], [{ name: 'x' }])).rejects.toMatchObject({
        code: '42P01',
      });
      const { rows } = await client.query('SELECT name, n, at FROM copy_target ORDER BY n');
      expect(rows).toEqual([
        { name: 'a\tb', n: 1, at },
        { name: null, n: 2, at },
      ]);
    } finally {
      client.release();
    }
  });
});
