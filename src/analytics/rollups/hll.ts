/**
 * HyperLogLog sketches of visitor ids (HLL++ layout: a sparse list for small sets, 2^16 registers
 * past it), so roll-ups can count distinct visitors over any run of days by merging each day's
 * sketch. README.md (this folder) has the design, the error bound and its measurement.
 *
 * A visitor enters a sketch as its entry (visitor-entry.ts): 25 index bits of its 64-bit hash and
 * the rank of the 39 bits after them, `index25 << 6 | rank`. Everything else derives from entries,
 * so a sketch built from entries anywhere (Node, or SQL in migration 015) is the same sketch.
 */

/** Dense precision: 2^16 registers, standard error 1.04 / √65536 = 0.41 %. */
export const PRECISION = 16;
/** Sparse precision: entries keep 25 index bits, so small sets count almost exactly. */
export const SPARSE_PRECISION = 25;
export const REGISTERS = 1 << PRECISION;
const SPARSE_REGISTERS = 2 ** SPARSE_PRECISION;
/** Hash bits after the dense index: register values run from 0 (empty) to HASH_BITS - PRECISION + 1. */
const HASH_BITS = 64;
const MAX_RANK = HASH_BITS - PRECISION + 1;
const MAX_SPARSE_RANK = HASH_BITS - SPARSE_PRECISION + 1;
const EXTRA_INDEX_BITS = SPARSE_PRECISION - PRECISION;

/**
 * A sparse sketch holds at most this many entries (4 bytes each): past it, the dense registers
 * (1 byte each) are smaller. A sketch is sparse exactly when its distinct 25-bit indexes are this
 * many or fewer, whichever way it was built, so merging sketches equals sketching the union.
 */
export const SPARSE_LIMIT = REGISTERS / 4;

export type VisitorSketch =
  /** Entries in ascending order, one per 25-bit index (the highest rank seen). */
  { kind: 'sparse'; entries: Uint32Array } | { kind: 'dense'; registers: Uint8Array };

export const EMPTY_SKETCH: VisitorSketch = { kind: 'sparse', entries: new Uint32Array(0) };

const SERIAL_VERSION = 1;
const SPARSE_KIND = 1;
const DENSE_KIND = 2;

const indexOf = (entry: number) => entry >>> 6;
const rankOf = (entry: number) => entry & 63;

/** Whether `entry` is what visitorEntry can produce: a 25-bit index and a rank of 1 to 40. */
export function isEntry(entry: number): boolean {
  return (
    Number.isInteger(entry) &&
    entry >= 0 &&
    entry < 2 ** 31 &&
    rankOf(entry) >= 1 &&
    rankOf(entry) <= MAX_SPARSE_RANK
  );
}

/** The dense register an entry falls into, and its rank there (1 to 49). */
function denseRegister(entry: number): [register: number, rank: number] {
  const index = indexOf(entry);
  const extra = index & ((1 << EXTRA_INDEX_BITS) - 1);
  // The 9 index bits the dense sketch does not use are the first bits of its rank's field.
  const rank =
    extra !== 0 ? Math.clz32(extra) - (32 - EXTRA_INDEX_BITS) + 1 : EXTRA_INDEX_BITS + rankOf(entry);
  return [index >>> EXTRA_INDEX_BITS, rank];
}

function toDense(entries: Uint32Array, registers: Uint8Array = new Uint8Array(REGISTERS)): Uint8Array {
  for (const entry of entries) {
    const [register, rank] = denseRegister(entry);
    if (rank > registers[register]!) registers[register] = rank;
  }
  return registers;
}

/** Sorts entries and keeps one per index, the highest rank (equal indexes sort by rank). */
function compact(entries: Uint32Array): Uint32Array {
  entries.sort();
  let kept = 0;
  for (let at = 0; at < entries.length; at++) {
    const entry = entries[at]!;
    const next = entries[at + 1];
    if (next === undefined || indexOf(next) !== indexOf(entry)) entries[kept++] = entry;
  }
  return entries.subarray(0, kept);
}

/** Union of two compacted entry lists. */
function mergeSorted(a: Uint32Array, b: Uint32Array): Uint32Array {
  const out = new Uint32Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (indexOf(x) < indexOf(y)) {
      out[n++] = x;
      i++;
    } else if (indexOf(y) < indexOf(x)) {
      out[n++] = y;
      j++;
    } else {
      out[n++] = x > y ? x : y;
      i++;
      j++;
    }
  }
  while (i < a.length) out[n++] = a[i++]!;
  while (j < b.length) out[n++] = b[j++]!;
  return out.subarray(0, n);
}

const sketchOfCompacted = (entries: Uint32Array): VisitorSketch =>
  entries.length <= SPARSE_LIMIT
    ? { kind: 'sparse', entries: entries.slice() }
    : { kind: 'dense', registers: toDense(entries) };

/** The sketch of a set of entries (any order, repeats allowed). */
export function sketchOfEntries(entries: Iterable<number>): VisitorSketch {
  return sketchOfCompacted(compact(Uint32Array.from(entries)));
}

/**
 * Collects entries one at a time, for the roll-up job's many sketches at once: cheap while small,
 * bounded in memory once large (it turns dense at SPARSE_LIMIT distinct indexes).
 */
export class SketchBuilder {
  private pending: number[] = [];
  private sorted: Uint32Array = new Uint32Array(0);
  private registers: Uint8Array | undefined;

  add(entry: number): void {
    if (this.registers !== undefined) {
      const [register, rank] = denseRegister(entry);
      if (rank > this.registers[register]!) this.registers[register] = rank;
      return;
    }
    this.pending.push(entry);
    // Folding pending entries in at a fraction of the limit keeps the buffer small.
    if (this.pending.length >= SPARSE_LIMIT / 2) this.fold();
  }

  private fold(): void {
    if (this.pending.length === 0) return;
    this.sorted = mergeSorted(this.sorted, compact(Uint32Array.from(this.pending)));
    this.pending = [];
    if (this.sorted.length > SPARSE_LIMIT) {
      this.registers = toDense(this.sorted);
      this.sorted = new Uint32Array(0);
    }
  }

  toSketch(): VisitorSketch {
    this.fold();
    if (this.registers !== undefined) return { kind: 'dense', registers: this.registers.slice() };
    return { kind: 'sparse', entries: this.sorted.slice() };
  }
}

const LANE_HIGH_BITS = 0x80808080;

/**
 * `into[i] = max(into[i], other[i])` for every register, four at a time: registers hold ranks of at
 * most MAX_RANK (< 128), so in each byte lane `(a | 0x80) - b` keeps its high bit exactly when
 * a ≥ b and never borrows from the next lane. A report merges hundreds of dense sketches; a byte at
 * a time took 0.12 ms each.
 */
function maxRegisters(into: Uint8Array, other: Uint8Array): void {
  if (into.byteOffset % 4 !== 0 || other.byteOffset % 4 !== 0) {
    for (let register = 0; register < REGISTERS; register++) {
      if (other[register]! > into[register]!) into[register] = other[register]!;
    }
    return;
  }
  const target = new Uint32Array(into.buffer, into.byteOffset, REGISTERS / 4);
  const source = new Uint32Array(other.buffer, other.byteOffset, REGISTERS / 4);
  for (let word = 0; word < target.length; word++) {
    const a = target[word]!;
    const b = source[word]!;
    const aAtLeastB = (((a | LANE_HIGH_BITS) - b) & LANE_HIGH_BITS) >>> 7;
    const keepA = Math.imul(aAtLeastB, 0xff);
    target[word] = ((a & keepA) | (b & ~keepA)) >>> 0;
  }
}

/** The union of sketches: the same sketch as one built from all their visitors. */
export function mergeSketches(sketches: Iterable<VisitorSketch>): VisitorSketch {
  const sparse: Uint32Array[] = [];
  let registers: Uint8Array | undefined;
  for (const sketch of sketches) {
    if (sketch.kind === 'sparse') {
      if (sketch.entries.length > 0) sparse.push(sketch.entries);
      continue;
    }
    if (registers === undefined) {
      registers = sketch.registers.slice();
      continue;
    }
    maxRegisters(registers, sketch.registers);
  }
  if (registers !== undefined) {
    for (const entries of sparse) toDense(entries, registers);
    return { kind: 'dense', registers };
  }
  // Pairwise merges, smallest lists first, until one is left or the union outgrows sparse.
  let lists = sparse;
  while (lists.length > 1) {
    const next: Uint32Array[] = [];
    for (let at = 0; at < lists.length; at += 2) {
      const merged = at + 1 < lists.length ? mergeSorted(lists[at]!, lists[at + 1]!) : lists[at]!;
      if (merged.length > SPARSE_LIMIT) {
        const dense = toDense(merged);
        for (const rest of [...lists.slice(at + 2), ...next]) toDense(rest, dense);
        return { kind: 'dense', registers: dense };
      }
      next.push(merged);
    }
    lists = next;
  }
  return sketchOfCompacted(lists[0] ?? new Uint32Array(0));
}

/**
 * Ertl's improved raw estimator ("New cardinality estimation algorithms for HyperLogLog sketches",
 * 2017, algorithm 6): unbiased across the whole range without HLL++'s empirical bias tables.
 */
function estimateDense(registers: Uint8Array): number {
  const counts = new Float64Array(MAX_RANK + 1);
  for (let register = 0; register < REGISTERS; register++) counts[registers[register]!]! += 1;
  const m = REGISTERS;
  if (counts[0] === m) return 0;
  let z = m * tau(1 - counts[MAX_RANK]! / m);
  for (let k = MAX_RANK - 1; k >= 1; k--) z = 0.5 * (z + counts[k]!);
  z += m * sigma(counts[0]! / m);
  return (m * m) / (2 * Math.LN2 * z);
}

function sigma(x: number): number {
  if (x === 1) return Number.POSITIVE_INFINITY;
  let y = 1;
  let z = x;
  for (;;) {
    x *= x;
    const previous = z;
    z += x * y;
    y += y;
    if (z === previous) return z;
  }
}

function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1;
  let z = 1 - x;
  for (;;) {
    x = Math.sqrt(x);
    const previous = z;
    y *= 0.5;
    z -= (1 - x) ** 2 * y;
    if (z === previous) return z / 3;
  }
}

/**
 * Estimated number of distinct visitors. Sparse: linear counting over the 2^25 virtual registers
 * (relative standard error below 0.02 % up to the sparse limit). Dense: standard error 0.41 %.
 */
export function estimateVisitors(sketch: VisitorSketch): number {
  if (sketch.kind === 'dense') return estimateDense(sketch.registers);
  const occupied = sketch.entries.length;
  return -SPARSE_REGISTERS * Math.log1p(-occupied / SPARSE_REGISTERS);
}

/** One bit per 25-bit index, kept between calls (4 MiB) and cleared after each. */
let seenIndexes: Uint32Array | undefined;

/**
 * `estimateVisitors(mergeSketches(sketches))`, without building the union when every sketch is
 * sparse. The union's estimate depends only on how many distinct indexes it holds (sparse) or, past
 * the sparse limit, on the dense registers, so those are counted straight from the lists: a month of
 * sparse day sketches of a page is counted in one pass over their entries instead of pairwise
 * sorted merges, which took ~1 ms a value (measured on 30 days at 10 M events).
 */
export function estimateUnion(sketches: readonly VisitorSketch[]): number {
  if (sketches.some((sketch) => sketch.kind === 'dense')) return estimateVisitors(mergeSketches(sketches));
  const lists = sketches.flatMap((sketch) => (sketch.kind === 'sparse' ? [sketch.entries] : []));
  if (lists.length <= 1) return estimateVisitors(mergeSketches(sketches));
  const seen = (seenIndexes ??= new Uint32Array(SPARSE_REGISTERS / 32));
  let distinct = 0;
  for (const entries of lists) {
    for (const entry of entries) {
      const index = indexOf(entry);
      const bit = 1 << (index & 31);
      if ((seen[index >>> 5]! & bit) === 0) {
        seen[index >>> 5]! |= bit;
        distinct += 1;
      }
    }
  }
  for (const entries of lists) for (const entry of entries) seen[indexOf(entry) >>> 5] = 0;
  if (distinct <= SPARSE_LIMIT) return -SPARSE_REGISTERS * Math.log1p(-distinct / SPARSE_REGISTERS);
  const registers = new Uint8Array(REGISTERS);
  for (const entries of lists) toDense(entries, registers);
  return estimateDense(registers);
}

/**
 * The bytea form: a version byte, a kind byte, then the big-endian entries (sparse) or the 65,536
 * register bytes (dense). Big-endian so that SQL writes the same bytes with int4send (migration 015).
 */
export function serializeSketch(sketch: VisitorSketch): Buffer {
  if (sketch.kind === 'dense') {
    const bytes = Buffer.allocUnsafe(2 + REGISTERS);
    bytes[0] = SERIAL_VERSION;
    bytes[1] = DENSE_KIND;
    bytes.set(sketch.registers, 2);
    return bytes;
  }
  const bytes = Buffer.allocUnsafe(2 + 4 * sketch.entries.length);
  bytes[0] = SERIAL_VERSION;
  bytes[1] = SPARSE_KIND;
  for (let at = 0; at < sketch.entries.length; at++) bytes.writeUInt32BE(sketch.entries[at]!, 2 + 4 * at);
  return bytes;
}

/**
 * Reads a serialised sketch; throws on anything serializeSketch (or the SQL builder) cannot have
 * written. A sparse list longer than SPARSE_LIMIT (SQL writes every set sparse) becomes dense.
 */
export function parseSketch(bytes: Uint8Array): VisitorSketch {
  if (bytes.length < 2 || bytes[0] !== SERIAL_VERSION) throw new Error('not a visitor sketch (version)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[1] === DENSE_KIND) {
    if (bytes.length !== 2 + REGISTERS) throw new Error('dense visitor sketch of the wrong length');
    const registers = new Uint8Array(bytes.subarray(2));
    // A plain loop: a report merges hundreds of these, and a callback per register cost 0.3 ms each.
    let highest = 0;
    for (let register = 0; register < REGISTERS; register++) {
      if (registers[register]! > highest) highest = registers[register]!;
    }
    if (highest > MAX_RANK) throw new Error('dense visitor sketch with a bad register');
    return { kind: 'dense', registers };
  }
  if (bytes[1] !== SPARSE_KIND || (bytes.length - 2) % 4 !== 0)
    throw new Error('not a visitor sketch (kind)');
  const entries = new Uint32Array((bytes.length - 2) / 4);
  for (let at = 0; at < entries.length; at++) {
    const entry = view.getUint32(2 + 4 * at);
    if (!isEntry(entry) || (at > 0 && indexOf(entry) <= indexOf(entries[at - 1]!))) {
      throw new Error('sparse visitor sketch with a bad or unordered entry');
    }
    entries[at] = entry;
  }
  return sketchOfCompacted(entries);
}
