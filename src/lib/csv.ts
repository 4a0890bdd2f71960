export type CsvValue = string | number | boolean | null | undefined;

/**
 * Characters that make a spreadsheet read a cell as a formula (CSV injection, OWASP): `=`, `+`, `-`,
 * `@`, and tab or carriage return, which some programs skip before looking for them.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One cell, RFC 4180: quoted when it holds a comma, quote, CR or LF, quotes doubled. Text that a
 * spreadsheet would run as a formula gets a leading `'`, so it shows as text. Numbers and booleans
 * are written as they are (a negative number is data, not a formula).
 */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A whole document: a header line and one line per row, each ended by CRLF (RFC 4180). */
export function toCsv<Row>(
  columns: ReadonlyArray<{ header: string; value: (row: Row) => CsvValue }>,
  rows: Iterable<Row>,
): string {
  const lines = [columns.map((column) => csvCell(column.header)).join(',')];
  for (const row of rows) lines.push(columns.map((column) => csvCell(column.value(row))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
