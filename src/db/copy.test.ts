import fc from 'fast-check';
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
  type SqlType,
} from './copy.ts';

const db = createPool({ connectionString: inject('databaseUrl'), max: 2 });
afterAll(() => db.end());

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
  it.each<[string, unknown, SqlType, string]>([
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
    ['object as JSON', { a: "b'c" }, 'text', `E'{"a":"b''c"}'::text`],
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

describe('encoders, as PostgreSQL reads them (property-based)', () => {
  // Whole code points of the full range (no NUL, which the boundary refuses), weighted towards
  // what the encoders escape or PostgreSQL might misread.
  const storableUnit = fc.oneof(
    fc.constantFrom('\\', '\t', '\n', '\r', "'", '"', '\\N', '\\.', '{', ',', '🚀', 'é', '\u2028'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((unit) => unit !== '\u0000'),
  );
  const text = fc.string({ unit: storableUnit, maxLength: 40 });
  const int4 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
  const double = fc.double({ noNaN: true, noDefaultInfinity: true });
  const date = fc.date({
    min: new Date('0001-01-01T00:00:00Z'),
    max: new Date('9999-12-31T23:59:59.999Z'),
    noInvalidDate: true,
  });
  const json = fc.dictionary(text, fc.jsonValue({ stringUnit: storableUnit, maxDepth: 3 }), { maxKeys: 5 });
  /** Text has no negative zero: -0 is sent as "0". */
  const unsigned = (value: number | null) => (Object.is(value, -0) ? 0 : value);

  it('COPY text gives every row back as it was', async () => {
    const client = await db.connect();
    try {
      await client.query(
        `CREATE TEMP TABLE copied (position integer, t text, i integer, f double precision, n numeric,
                                   b boolean, at timestamptz, j jsonb)`,
      );
      const columns = ['position', 't', 'i', 'f', 'n', 'b', 'at', 'j'] as const;
      const row = fc.record({
        t: fc.option(text),
        i: fc.option(int4),
        f: fc.option(double),
        n: fc.option(double),
        b: fc.option(fc.boolean()),
        at: fc.option(date),
        j: fc.option(json),
      });
      await fc.assert(
        fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 20 }), async (rows) => {
          const numbered = rows.map((values, position) => ({ position, ...values }));
          await runScript(client, [{ sql: 'TRUNCATE copied' }, copyInto('copied', columns, numbered)]);
          const { rows: stored } = await client.query('SELECT * FROM copied ORDER BY position');
          expect(
            stored.map((values) => ({ ...values, n: values.n === null ? null : Number(values.n) })),
          ).toEqual(
            numbered.map((values) => ({
              ...values,
              f: unsigned(values.f),
              n: unsigned(values.n),
              j: values.j === null ? null : JSON.parse(JSON.stringify(values.j)),
            })),
          );
        }),
        { numRuns: 150 },
      );
    } finally {
      client.release();
    }
  });

  it('a literal of each type reads back as it was, whatever standard_conforming_strings says', async () => {
    const client = await db.connect();
    try {
      const values = fc.record({
        t: fc.option(text),
        i: fc.option(int4),
        b: fc.option(fc.boolean()),
        at: fc.option(date),
      });
      await fc.assert(
        fc.asyncProperty(values, fc.boolean(), async (value, conforming) => {
          await client.query(`SET standard_conforming_strings = ${conforming ? 'on' : 'off'}`);
          const { rows } = await client.query(
            `SELECT ${sqlLiteral(value.t, 'text')} AS t, ${sqlLiteral(value.i, 'integer')} AS i,
                    ${sqlLiteral(value.b, 'boolean')} AS b, ${sqlLiteral(value.at, 'timestamptz')} AS at`,
          );
          expect(rows[0]).toEqual(value);
        }),
        { numRuns: 300 },
      );
    } finally {
      await client.query('RESET standard_conforming_strings');
      client.release();
    }
  });
});
