import type { PoolClient } from './pool.ts';

const NEEDS_ESCAPE = /[\\\n\r\t]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeText(text: string): string {
  return NEEDS_ESCAPE.test(text) ? text.replace(/[\\\n\r\t]/g, (char) => ESCAPES[char]!) : text;
}

/**
 * One value in PostgreSQL's COPY text format. What JSON would turn into null (an invalid date, a
 * non-finite number) is NULL here too, so a NOT NULL column refuses it as a data error.
 */
export function copyTextField(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  switch (typeof value) {
    case 'string':
      return escapeText(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : '\\N';
    case 'boolean':
      return value ? 't' : 'f';
    case 'bigint':
      return String(value);
    default:
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? '\\N' : value.toISOString();
      return escapeText(JSON.stringify(value));
  }
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

/** The part of pg's connection a custom query writes to (pg calls `submit` with it). */
interface Connection {
  stream: { cork(): void; uncork(): void };
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

/**
 * COPY … FROM STDIN as a pg custom query. The statement, all its data and CopyDone leave in one
 * write, without waiting for the server's CopyInResponse: the protocol allows it (a server that
 * fails the statement first drops the CopyData that follows), and it saves a round trip and three
 * writes a batch against streaming the data once the server asks for it.
 */
class CopyIn {
  constructor(
    private readonly text: string,
    private readonly data: Buffer,
    private readonly settle: (error?: Error) => void,
  ) {}

  submit(connection: Connection) {
    connection.stream.cork();
    connection.query(this.text);
    connection.sendCopyFromChunk(this.data);
    connection.endCopyFrom();
    connection.stream.uncork();
  }

  handleCopyInResponse() {}
  handleCommandComplete() {}
  handleError(error: Error) {
    this.settle(error);
  }
  handleReadyForQuery() {
    this.settle();
  }
  /** pg wraps this when a query timeout is configured. */
  callback() {}
}

/**
 * Bulk insert with COPY FROM STDIN on a client the caller holds (inside its transaction): PostgreSQL
 * parses COPY text several times faster per row than json_to_recordset or unnest of arrays.
 * Resolves once the server has completed the COPY.
 */
export function copyRows<Row>(
  client: PoolClient,
  table: string,
  columns: ReadonlyArray<keyof Row & string>,
  rows: readonly Row[],
): Promise<void> {
  if (rows.length === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const data = Buffer.from(copyTextLines(rows, columns), 'utf8');
    const copy = new CopyIn(`COPY ${table} (${columns.join(', ')}) FROM STDIN`, data, (error) =>
      error ? reject(error) : resolve(),
    );
    (client as unknown as { query(submittable: CopyIn): void }).query(copy);
  });
}
