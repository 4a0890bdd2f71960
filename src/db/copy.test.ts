import { afterAll, describe, expect, inject, it } from 'vitest';
import { createPool } from './pool.ts';
import {
  copyInto,
  copyTextField,
  copyTextLines,
  runScript,
  sqlLiteral,
  sqlValues,
  type ScriptStatement,
} from './copy.ts';

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

describe('sqlLiteral', () => {
  it.each([
    ['null', null, 'text', 'NULL::text'],
    ['undefined', undefined, 'integer', 'NULL::integer'],
    ['plain text', 'Pricing – Acme', 'text', "E'Pricing – Acme'::text"],
    ['empty string is not null', '', 'text', "E''::text"],
    ['quote doubled', "it's", 'text', "E'it''s'::text"],
    ['backslash doubled', 'C:\\temp', 'text', "E'C:\\\\temp'::text"],
    [
      'an attempt to close the literal stays inside it',
      "x'); DROP TABLE sessions; --",
      'text',
      "E'x''); DROP TABLE sessions; --'::text",
    ],
    ['newline kept as is', 'a\nb', 'text', "E'a\nb'::text"],
    ['NUL as an escape PostgreSQL refuses', 'a\u0000b', 'text', "E'a\\000b'::text"],
    ['integer', 42, 'integer', "E'42'::integer"],
    ['negative', -3, 'integer', "E'-3'::integer"],
    ['NaN is null', Number.NaN, 'integer', 'NULL::integer'],
    ['true', true, 'boolean', "E't'::boolean"],
    ['date', new Date('2026-11-26T10:00:00.123Z'), 'timestamptz', "E'2026-11-26T10:00:00.123Z'::timestamptz"],
    ['invalid date is null', new Date(Number.NaN), 'timestamptz', 'NULL::timestamptz'],
    ['object as JSON', { a: "b'c" }, 'jsonb', `E'{"a":"b''c"}'::jsonb`],
  ])('%s', (_name, value, type, expected) => {
    expect(sqlLiteral(value, type)).toBe(expected);
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

describe('runScript', () => {
  const db = createPool({ connectionString: inject('databaseUrl'), max: 2 });
  afterAll(() => db.end());
  const columns = ['name', 'n', 'at'] as const;
  const at = new Date('2026-11-26T10:00:00Z');

  it('runs statements and COPYs in order in one transaction and returns the rows they select', async () => {
    const client = await db.connect();
    try {
      await client.query('CREATE TEMP TABLE copy_target (name text, n integer, at timestamptz)');
      const values = await runScript(client, [
        { sql: 'BEGIN' },
        copyInto('copy_target', columns, [{ name: 'a\tb', n: 1, at }]),
        copyInto('copy_target', columns, [{ name: null, n: 2, at }]),
        { sql: 'SELECT json_agg(t ORDER BY n)::text FROM copy_target t' },
        { sql: 'COMMIT' },
      ]);
      expect(values).toHaveLength(1);
      const stored = (JSON.parse(values[0]!) as Array<{ name: string | null; n: number; at: string }>).map(
        (row) => ({ ...row, at: new Date(row.at) }),
      );
      expect(stored).toEqual([
        { name: 'a\tb', n: 1, at },
        { name: null, n: 2, at },
      ]);
    } finally {
      client.release();
    }
  });

  it('fails on the first bad statement or row, keeps nothing of the transaction, and leaves the connection usable', async () => {
    const client = await db.connect();
    try {
      await client.query('CREATE TEMP TABLE copy_target2 (name text, n integer, at timestamptz)');
      const good = copyInto('copy_target2', columns, [{ name: 'kept?', n: 1, at }]);
      const bad = copyInto('copy_target2', columns, [{ name: 'x', n: 'not a number', at }]);
      const script = (first: ScriptStatement, second: ScriptStatement) => [
        { sql: 'BEGIN' },
        first,
        second,
        { sql: 'COMMIT' },
      ];
      await expect(runScript(client, script(good, bad))).rejects.toMatchObject({ code: '22P02' });
      await client.query('ROLLBACK');
      await expect(
        runScript(client, [
          { sql: 'BEGIN' },
          copyInto('no_such_table', ['name'], [{ name: 'x' }]),
          { sql: 'COMMIT' },
        ]),
      ).rejects.toMatchObject({ code: '42P01' });
      await client.query('ROLLBACK');
      await runScript(client, script(good, good));
      const { rows } = await client.query('SELECT count(*)::int AS n FROM copy_target2');
      expect(rows[0].n).toBe(2);
    } finally {
      client.release();
    }
  });

  it('reads VALUES literals back exactly as they were, and refuses a NUL as a data error', async () => {
    const rows = [
      { name: "it's C:\\temp\n\t{json} '); --", n: -7, at, flag: true },
      { name: null, n: null, at: null, flag: false },
    ];
    const valueColumns = [
      ['name', 'text'],
      ['n', 'integer'],
      ['at', 'timestamptz'],
      ['flag', 'boolean'],
    ] as const;
    const select = (values: string) => ({
      sql: `SELECT json_agg(v)::text FROM (${values}) AS v (name, n, at, flag)`,
    });
    const client = await db.connect();
    try {
      const [json] = await runScript(client, [select(sqlValues(rows, valueColumns))]);
      const stored = (JSON.parse(json!) as Array<Record<string, unknown>>).map((row) => ({
        ...row,
        at: row.at === null ? null : new Date(row.at as string),
      }));
      expect(stored).toEqual(rows);
      await expect(
        runScript(client, [select(sqlValues([{ ...rows[0]!, name: 'a\u0000b' }], valueColumns))]),
      ).rejects.toMatchObject({ code: '22021' });
    } finally {
      client.release();
    }
  });
});
