import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { emptyLookup, type GeoProvider, type IpLookup } from '../geo-provider.ts';
import { normalizeIp } from '../ip-address.ts';

/**
 * Offline network (ASN) data from ip-location-db's range CSV files
 * (`start_ip,end_ip,asn,organisation`, both ends inclusive), e.g. the CC BY 4.0 `@ip-location-db/asn`
 * package. The files are parsed once into typed arrays; a lookup is a binary search, so answers
 * are synchronous and allocation-free apart from the result.
 *
 * Loading is strict: a line that is not a range of the file's address family fails the start-up
 * with the file and line number, so a wrong or damaged file is noticed at boot rather than
 * enriching a share of the traffic with nothing. Blank lines are ignored; AS0 rows (RFC 7607,
 * "not routed") are dropped because they name no network.
 *
 * Overlapping rows are resolved at load: at each address the row with the latest start wins (the
 * narrowest on a tie, then the later line), which for nested prefixes is the more specific one.
 */
export interface AsnCsvProvider extends GeoProvider {
  /** One line per file: path, family and range count, for the start-up log. */
  describe(): string[];
  close(): void;
}

/**
 * Ranges sorted by start and non-overlapping. An address is `width` 32-bit words, most
 * significant first (1 for IPv4, 4 for IPv6), so IPv6 compares without BigInt.
 */
interface RangeTable {
  file: string;
  width: 1 | 4;
  count: number;
  starts: Uint32Array;
  ends: Uint32Array;
  asns: Uint32Array;
  /** Index into `names`; organisation names repeat across thousands of ranges. */
  nameIndexes: Uint32Array;
  names: string[];
}

const PACKAGE_NAME = '@ip-location-db/asn';
const NO_NAME = 0xffffffff;

/** The ASN files installed with Beacon, or undefined when the optional package is absent. */
export function defaultAsnFiles(): { ipv4File: string; ipv6File?: string } | undefined {
  let manifest: string;
  try {
    manifest = createRequire(import.meta.url).resolve(`${PACKAGE_NAME}/package.json`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return undefined;
    throw error;
  }
  const directory = path.dirname(manifest);
  const ipv4File = path.join(directory, 'asn-ipv4.csv');
  const ipv6File = path.join(directory, 'asn-ipv6.csv');
  if (!existsSync(ipv4File)) return undefined;
  return existsSync(ipv6File) ? { ipv4File, ipv6File } : { ipv4File };
}

export async function createAsnCsvProvider(options: {
  ipv4File: string;
  ipv6File?: string;
}): Promise<AsnCsvProvider> {
  const [ipv4, ipv6] = await Promise.all([
    loadRangeTable(options.ipv4File, 1),
    options.ipv6File === undefined ? undefined : loadRangeTable(options.ipv6File, 4),
  ]);
  let tables: { ipv4: RangeTable | undefined; ipv6: RangeTable | undefined } = { ipv4, ipv6 };
  let closed = false;
  const key = new Uint32Array(4);

  const lookupOne = (ip: string): IpLookup | null => {
    const address = normalizeIp(ip);
    if (address === undefined) return null;
    let table: RangeTable | undefined;
    if (address.includes(':')) {
      table = tables.ipv6;
      if (table === undefined || !parseIpv6(address, 0, address.length, key, 0)) return null;
    } else {
      table = tables.ipv4;
      const value = parseIpv4(address, 0, address.length);
      if (table === undefined || value < 0) return null;
      key[0] = value;
    }
    const row = findRow(table, key);
    if (row < 0) return null;
    const nameIndex = table.nameIndexes[row]!;
    return emptyLookup({
      asn: table.asns[row]!,
      asName: nameIndex === NO_NAME ? null : table.names[nameIndex]!,
    });
  };

  return {
    name: 'asn-csv',
    async lookup(ips) {
      if (closed) throw new Error('the ASN CSV provider is closed');
      const answers = new Map<string, IpLookup | null>();
      for (const ip of ips) answers.set(ip, lookupOne(ip));
      return answers;
    },
    describe() {
      return [tables.ipv4, tables.ipv6].flatMap((table) =>
        table === undefined
          ? []
          : [`${table.file} (${table.width === 1 ? 'IPv4' : 'IPv6'}, ${table.count} ASN ranges)`],
      );
    },
    close() {
      closed = true;
      // About 17 MB of typed arrays and names for the full package: let them be collected.
      tables = { ipv4: undefined, ipv6: undefined };
    },
  };
}

/** Index of the row containing `key`, or -1: the last row starting at or before it, if it ends after it. */
function findRow(table: RangeTable, key: Uint32Array): number {
  const { starts, ends, width } = table;
  let low = 0;
  let high = table.count - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    if (compareWords(starts, middle * width, key, 0, width) <= 0) {
      found = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return found >= 0 && compareWords(ends, found * width, key, 0, width) >= 0 ? found : -1;
}

function compareWords(a: Uint32Array, aAt: number, b: Uint32Array, bAt: number, width: number): number {
  for (let word = 0; word < width; word++) {
    const difference = a[aAt + word]! - b[bAt + word]!;
    if (difference !== 0) return difference;
  }
  return 0;
}

/**
 * Reads the whole file and walks it as a latin1 string, one character per byte, so string offsets
 * are byte offsets. On the 24 MB IPv4 file that took about 210 ms where node:readline over a stream
 * took 525 ms, at the same peak RSS (+67 MB, all of it transient). Names are decoded from the bytes
 * as UTF-8 into fresh strings: slices of the big string would keep all of it alive.
 */
async function loadRangeTable(file: string, width: 1 | 4): Promise<RangeTable> {
  const fail = (reason: string, cause?: unknown) =>
    new Error(`cannot use ASN CSV file ${file}: ${reason}`, cause === undefined ? {} : { cause });
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw fail((error as Error).message, error);
  }
  const text = bytes.toString('latin1');
  const family = width === 1 ? 'IPv4' : 'IPv6';
  const rows = new RangeColumns(width);
  // Keyed by the raw field, quotes and all, so a repeated name costs a lookup, not a decode.
  const nameIndexByField = new Map<string, number>();
  const names: string[] = [];
  let lineNumber = 0;
  // A UTF-8 byte order mark, as spreadsheet programs write, is not part of the first address.
  for (let lineStart = text.startsWith('\xef\xbb\xbf') ? 3 : 0; lineStart < text.length;) {
    lineNumber++;
    let lineEnd = text.indexOf('\n', lineStart);
    const next = lineEnd === -1 ? text.length : lineEnd + 1;
    if (lineEnd === -1) lineEnd = text.length;
    if (lineEnd > lineStart && text.charCodeAt(lineEnd - 1) === 0x0d) lineEnd--;
    if (lineEnd > lineStart) {
      rows.makeRoom();
      let problem = parseRange(text, lineStart, lineEnd, rows);
      if (typeof problem === 'number') {
        const field = text.slice(problem, lineEnd);
        let nameIndex = nameIndexByField.get(field);
        if (nameIndex === undefined) {
          const name = decodeName(bytes, problem, lineEnd);
          if (name === undefined) {
            problem = 'a comma or quote in an unquoted name, or a badly quoted name';
          } else {
            nameIndex = name === '' ? NO_NAME : names.push(name) - 1;
            nameIndexByField.set(field, nameIndex);
          }
        }
        if (nameIndex !== undefined && rows.asns[rows.count] !== 0) {
          rows.nameIndexes[rows.count] = nameIndex;
          rows.count++;
        }
      }
      if (typeof problem === 'string') {
        const excerpt = bytes.toString('utf8', lineStart, Math.min(lineEnd, lineStart + 120));
        throw fail(`line ${lineNumber}: ${problem}: ${JSON.stringify(excerpt)} (expected ${family} rows)`);
      }
    }
    lineStart = next;
  }
  if (rows.count === 0) throw fail(`no ${family} ranges found`);
  return { file, ...resolveOverlaps(rows), names };
}

/**
 * Parses `start,end,asn,` of the line between `from` and `to` into the row after the last one
 * in `rows`. Returns where the name field starts, or why the line is malformed.
 */
function parseRange(text: string, from: number, to: number, rows: RangeColumns): number | string {
  const startEnd = text.indexOf(',', from);
  const endEnd = startEnd === -1 || startEnd >= to ? -1 : text.indexOf(',', startEnd + 1);
  const asnEnd = endEnd === -1 || endEnd >= to ? -1 : text.indexOf(',', endEnd + 1);
  if (asnEnd === -1 || asnEnd >= to) return 'fewer than 4 fields';
  const { width, starts, ends, count } = rows;
  const at = count * width;
  if (width === 1) {
    const start = parseIpv4(text, from, startEnd);
    const end = parseIpv4(text, startEnd + 1, endEnd);
    if (start < 0) return 'invalid start address';
    if (end < 0) return 'invalid end address';
    starts[at] = start;
    ends[at] = end;
  } else {
    if (!parseIpv6(text, from, startEnd, starts, at)) return 'invalid start address';
    if (!parseIpv6(text, startEnd + 1, endEnd, ends, at)) return 'invalid end address';
  }
  if (compareWords(starts, at, ends, at, width) > 0) return 'start address after end address';
  let asn = 0;
  for (let index = endEnd + 1; index < asnEnd; index++) {
    const digit = text.charCodeAt(index) - 0x30;
    if (digit < 0 || digit > 9) return 'invalid AS number';
    asn = asn * 10 + digit;
  }
  if (asnEnd === endEnd + 1 || asn > 0xffffffff) return 'invalid AS number';
  rows.asns[count] = asn;
  return asnEnd + 1;
}

/**
 * The last field as text, or undefined when malformed. A quoted name (RFC 4180, `""` for a quote)
 * may contain commas; an unquoted one may not, since that means more than four fields.
 */
function decodeName(bytes: Buffer, from: number, to: number): string | undefined {
  if (bytes[from] !== 0x22) {
    const field = bytes.subarray(from, to);
    return field.includes(0x2c) || field.includes(0x22) ? undefined : field.toString('utf8').trim();
  }
  let name = '';
  let chunkStart = from + 1;
  for (let at = chunkStart; at < to; at++) {
    if (bytes[at] !== 0x22) continue;
    name += bytes.toString('utf8', chunkStart, at);
    if (at + 1 === to) return name.trim();
    if (bytes[at + 1] !== 0x22) return undefined;
    name += '"';
    at++;
    chunkStart = at + 1;
  }
  return undefined;
}

/** Growable columns of ranges; `count` rows are in use. */
class RangeColumns {
  count = 0;
  starts: Uint32Array;
  ends: Uint32Array;
  asns: Uint32Array;
  nameIndexes: Uint32Array;

  constructor(readonly width: 1 | 4) {
    this.starts = new Uint32Array(4096 * width);
    this.ends = new Uint32Array(4096 * width);
    this.asns = new Uint32Array(4096);
    this.nameIndexes = new Uint32Array(4096);
  }

  /** Ensures there is a row after the last one to write into. */
  makeRoom(): void {
    if (this.count < this.asns.length) return;
    const enlarge = (array: Uint32Array) => {
      const larger = new Uint32Array(array.length * 2);
      larger.set(array);
      return larger;
    };
    this.starts = enlarge(this.starts);
    this.ends = enlarge(this.ends);
    this.asns = enlarge(this.asns);
    this.nameIndexes = enlarge(this.nameIndexes);
  }

  /** Appends `[first, last]` with `row`'s network, taking the addresses from `firstWords` and `lastWords`. */
  append(
    source: RangeColumns,
    row: number,
    firstWords: Uint32Array,
    firstAt: number,
    lastWords: Uint32Array,
    lastAt: number,
  ): void {
    this.makeRoom();
    const { width, count } = this;
    for (let word = 0; word < width; word++) {
      this.starts[count * width + word] = firstWords[firstAt + word]!;
      this.ends[count * width + word] = lastWords[lastAt + word]!;
    }
    this.asns[count] = source.asns[row]!;
    this.nameIndexes[count] = source.nameIndexes[row]!;
    this.count++;
  }
}

/**
 * Sorts the rows (the published files already are, so that is usually a single pass) and cuts
 * overlapping ones into disjoint ranges, which the binary search needs. `open` holds the rows
 * that may still cover the cursor; the top one, the latest started, owns the addresses from the
 * cursor until it ends or a later row starts. The published IPv4 file has such an overlap
 * (215.0.0.0–215.1.3.255 inside a wider DoD row).
 */
function resolveOverlaps(rows: RangeColumns): Omit<RangeTable, 'file' | 'names'> {
  const { width, starts, ends } = rows;
  const compareRows = (a: number, b: number) =>
    compareWords(starts, a * width, starts, b * width, width) ||
    compareWords(ends, b * width, ends, a * width, width) ||
    a - b;
  let order: number[] | undefined;
  for (let row = 1; row < rows.count && order === undefined; row++) {
    if (compareRows(row - 1, row) > 0) {
      order = Array.from({ length: rows.count }, (_, index) => index).sort(compareRows);
    }
  }

  const output = new RangeColumns(width);
  const cursor = new Uint32Array(width);
  // False once the cursor has moved past the family's last address (an open row ended there).
  let cursorValid = true;
  const emitUntil = (row: number, last: Uint32Array, lastAt: number) => {
    if (cursorValid && compareWords(cursor, 0, last, lastAt, width) <= 0) {
      output.append(rows, row, cursor, 0, last, lastAt);
    }
  };
  const open: number[] = [];
  const closeTop = () => {
    const top = open.pop()!;
    emitUntil(top, ends, top * width);
    cursorValid &&= successorInto(ends, top * width, width, cursor);
  };
  const beforeStart = new Uint32Array(width);
  for (let index = 0; index < rows.count; index++) {
    const row = order === undefined ? index : order[index]!;
    const startAt = row * width;
    while (
      open.length > 0 &&
      compareWords(ends, open[open.length - 1]! * width, starts, startAt, width) < 0
    ) {
      closeTop();
    }
    const top = open[open.length - 1];
    if (top !== undefined && cursorValid && compareWords(cursor, 0, starts, startAt, width) < 0) {
      // The row starts after the cursor, so this cannot wrap below zero.
      for (let word = width - 1, borrow = true; word >= 0; word--) {
        const value = starts[startAt + word]!;
        beforeStart[word] = borrow ? value - 1 : value;
        borrow &&= value === 0;
      }
      emitUntil(top, beforeStart, 0);
    }
    for (let word = 0; word < width; word++) cursor[word] = starts[startAt + word]!;
    cursorValid = true;
    open.push(row);
  }
  while (open.length > 0) closeTop();
  return {
    width,
    count: output.count,
    starts: output.starts.slice(0, output.count * width),
    ends: output.ends.slice(0, output.count * width),
    asns: output.asns.slice(0, output.count),
    nameIndexes: output.nameIndexes.slice(0, output.count),
  };
}

/** Writes the address after `source[at…]` into `target`; false when there is none (all ones). */
function successorInto(source: Uint32Array, at: number, width: number, target: Uint32Array): boolean {
  let carry = true;
  for (let word = width - 1; word >= 0; word--) {
    const value = source[at + word]!;
    target[word] = carry ? value + 1 : value;
    carry &&= value === 0xffffffff;
  }
  return !carry;
}

/** The dotted quad in `text[from, to)` as an unsigned number, or -1. Leading zeros are read as decimal. */
function parseIpv4(text: string, from: number, to: number): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let index = from; index < to; index++) {
    const code = text.charCodeAt(index);
    if (code === 0x2e) {
      if (digits === 0 || ++dots > 3) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
    } else if (code >= 0x30 && code <= 0x39 && digits < 3) {
      octet = octet * 10 + code - 0x30;
      digits++;
      if (octet > 255) return -1;
    } else {
      return -1;
    }
  }
  return dots === 3 && digits > 0 ? value * 256 + octet : -1;
}

const groups = new Uint16Array(8);

/**
 * Writes the IPv6 address in `text[from, to)` as four 32-bit words at `target[at…]`; false when it
 * is not one. Takes `::`, an embedded dotted quad (`64:ff9b::192.0.2.1`) and a zone
 * (`fe80::1%eth0`, ignored).
 */
function parseIpv6(text: string, from: number, to: number, target: Uint32Array, at: number): boolean {
  const zone = findCode(text, 0x25, from, to);
  let end = zone === -1 ? to : zone;
  let groupLimit = 8;
  let embedded = -1;
  let lastColon = end - 1;
  while (lastColon >= from && text.charCodeAt(lastColon) !== 0x3a) lastColon--;
  if (lastColon >= from) {
    if (findCode(text, 0x2e, lastColon, end) !== -1) {
      embedded = parseIpv4(text, lastColon + 1, end);
      if (embedded < 0) return false;
      groupLimit = 6;
      // A `::` right before the quad (`::192.0.2.1`) stays part of the text to parse.
      end = lastColon > from && text.charCodeAt(lastColon - 1) === 0x3a ? lastColon + 1 : lastColon;
    }
  }
  let count = 0;
  let gapAt = -1;
  let index = from;
  if (end - from >= 2 && text.charCodeAt(from) === 0x3a && text.charCodeAt(from + 1) === 0x3a) {
    gapAt = 0;
    index += 2;
  }
  while (index < end) {
    let value = 0;
    let digits = 0;
    for (; index < end && digits <= 4; index++) {
      const hex = hexValue(text.charCodeAt(index));
      if (hex < 0) break;
      value = value * 16 + hex;
      digits++;
    }
    if (digits === 0 || digits > 4 || count === groupLimit) return false;
    groups[count++] = value;
    if (index === end) break;
    if (text.charCodeAt(index) !== 0x3a) return false;
    index++;
    if (index < end && text.charCodeAt(index) === 0x3a) {
      if (gapAt !== -1) return false;
      gapAt = count;
      index++;
    } else if (index === end) {
      return false;
    }
  }
  if (gapAt === -1 ? count !== groupLimit : count >= groupLimit) return false;
  if (gapAt !== -1) {
    const moved = count - gapAt;
    groups.copyWithin(groupLimit - moved, gapAt, count);
    groups.fill(0, gapAt, groupLimit - moved);
  }
  if (embedded >= 0) {
    groups[6] = embedded >>> 16;
    groups[7] = embedded & 0xffff;
  }
  for (let word = 0; word < 4; word++) {
    target[at + word] = groups[2 * word]! * 0x10000 + groups[2 * word + 1]!;
  }
  return true;
}

/** indexOf within `text[from, to)`: the built-in would scan the rest of a whole file for a missing character. */
function findCode(text: string, code: number, from: number, to: number): number {
  for (let index = from; index < to; index++) if (text.charCodeAt(index) === code) return index;
  return -1;
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}
