import type { PoolClient } from './pool.ts';

const NEEDS_ESCAPE = /[\\\n\r\t]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeText(text: string): string {
  return NEEDS_ESCAPE.test(text) ? text.replace(/[\\\n\r\t]/g, (char) => ESCAPES[char]!) : text;
}

/**
 * A value as PostgreSQL's text input for it, or null for SQL NULL. What JSON would turn into null
 * (an invalid date, a non-finite number) is NULL here too, so a NOT NULL column refuses it as a
 * data error.
 */
function pgText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      return Number.isFinite(value) ? String(value) : null;
    case 'boolean':
      return value ? 't' : 'f';
    case 'bigint':
      return String(value);
    default:
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
      return JSON.stringify(value);
  }
}

/** One value in PostgreSQL's COPY text format. */
export function copyTextField(value: unknown): string {
  const text = pgText(value);
  return text === null ? '\\N' : escapeText(text);
}

/** Rows as COPY text: tab-separated fields in `columns` order, one line each. */
export function copyTextLines<Row>(rows: readonly Row[], columns: ReadonlyArray<keyof Row>): string {
  let text = '';
  for (const row of rows) {
    let line = '';
    for (let index = 0; index < columns.length; index++) {
      if (index > 0) line += '\t';
      line += copyTextField(row[columns[index]!]);
    }
    text += `${line}\n`;
  }
  return text;
}

/**
 * The types a literal may be cast to: a closed set, because the name is spliced into SQL as it is.
 * Add a type here when a statement needs it.
 */
export type SqlType = 'text' | 'integer' | 'boolean' | 'timestamptz';

/**
 * One value as an SQL literal of `type`, for statements of a script, which take no parameters.
 * Every value is an E'' literal, so the result is the same whatever standard_conforming_strings says;
 * a NUL character becomes an escape that PostgreSQL refuses as a data error (22021) instead of a
 * byte that would end the query message early.
 */
export function sqlLiteral(value: unknown, type: SqlType): string {
  const text = pgText(value);
  if (text === null) return `NULL::${type}`;
  const escaped = text.replace(/[\\'\0]/g, (char) =>
    char === '\0' ? '\\000' : char === "'" ? "''" : '\\\\',
  );
  return `E'${escaped}'::${type}`;
}

/** `VALUES (…), (…)` of rows, each value a literal of its column's type (see sqlLiteral). */
export function sqlValues<Row>(
  rows: readonly Row[],
  columns: ReadonlyArray<readonly [keyof Row & string, SqlType]>,
): string {
  const tuples = rows.map(
    (row) => `(${columns.map(([name, type]) => sqlLiteral(row[name], type)).join(', ')})`,
  );
  return `VALUES ${tuples.join(',\n')}`;
}

/** The part of pg's connection a custom query writes to (pg calls `submit` with it). */
interface Connection {
  stream: { cork(): void; uncork(): void };
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

/**
 * A simple-protocol query whose statements may include `COPY … FROM STDIN`, as a pg custom query.
 * The statements, every COPY's data and CopyDone leave in one write, without waiting for the
 * server's CopyInResponse: the protocol allows it (when a statement fails, the server skips the rest
 * of the query and drops the CopyData that follows). Collects the first column of every row.
 */
class ScriptWithCopies {
  private readonly values: string[] = [];

  constructor(
    private readonly script: string,
    private readonly copies: readonly Buffer[],
    private readonly settle: (error: Error | undefined, values: string[]) => void,
  ) {}

  submit(connection: Connection) {
    connection.stream.cork();
    connection.query(this.script);
    for (const data of this.copies) {
      connection.sendCopyFromChunk(data);
      connection.endCopyFrom();
    }
    connection.stream.uncork();
  }

  handleCopyInResponse() {}
  handleRowDescription() {}
  handleDataRow(message: { fields: Array<string | null> }) {
    const value = message.fields[0];
    if (typeof value === 'string') this.values.push(value);
  }
  handleCommandComplete() {}
  handleEmptyQuery() {}
  handleError(error: Error) {
    this.settle(error, this.values);
  }
  handleReadyForQuery() {
    this.settle(undefined, this.values);
  }
  /** pg wraps this when a query timeout is configured. */
  callback() {}
}

/** One statement of a script; a `COPY … FROM STDIN` carries its rows as COPY text. */
export interface ScriptStatement {
  sql: string;
  copyText?: string;
}

/** `COPY table (columns) FROM STDIN` with its rows, for runScript. */
export function copyInto<Row>(
  table: string,
  columns: ReadonlyArray<keyof Row & string>,
  rows: readonly Row[],
): ScriptStatement {
  return { sql: `COPY ${table} (${columns.join(', ')}) FROM STDIN`, copyText: copyTextLines(rows, columns) };
}

/**
 * Runs statements that take no parameters in one round trip (one simple-protocol query), COPY data
 * included. PostgreSQL parses COPY text several times faster per row than json_to_recordset or
 * unnest of arrays. Resolves with the first column of every row the statements returned, as text.
 * After a failure inside a transaction the caller must roll back.
 */
export function runScript(client: PoolClient, statements: readonly ScriptStatement[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const query = new ScriptWithCopies(
      statements.map((statement) => statement.sql).join(';\n'),
      statements.flatMap((statement) =>
        statement.copyText === undefined ? [] : [Buffer.from(statement.copyText, 'utf8')],
      ),
      (error, values) => (error ? reject(error) : resolve(values)),
    );
    (client as unknown as { query(submittable: ScriptWithCopies): void }).query(query);
  });
}
