import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EMPTY_SKETCH,
  REGISTERS,
  SPARSE_LIMIT,
  SketchBuilder,
  estimateUnion,
  estimateVisitors,
  isEntry,
  mergeSketches,
  parseSketch,
  serializeSketch,
  sketchOfEntries,
  type VisitorSketch,
} from './hll.ts';
import { entryOfHash, visitorEntry } from './visitor-entry.ts';

/** splitmix32: seeded, so every statistical assertion below is deterministic. */
function random32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** Entries of `count` distinct random 64-bit hashes: what distinct visitor ids hash to. */
function randomEntries(count: number, seed: number): Uint32Array {
  const next = random32(seed);
  const entries = new Uint32Array(count);
  for (let at = 0; at < count; at++) entries[at] = entryOfHash(next(), next());
  return entries;
}

const ids = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, at) => `visitor-${from + at}`);
const sketchOfIds = (visitors: readonly string[]) => sketchOfEntries(visitors.map(visitorEntry));
const relativeError = (estimate: number, exact: number) => (estimate - exact) / exact;

// Accuracy is a statistical claim, tested over millions of ids (about 20 s of CPU): on a loaded CI
// machine that is minutes, so these tests get a bound of their own rather than the default 30 s.
describe('estimateVisitors', { timeout: 300_000 }, () => {
  it.each([0, 1, 2, 3, 10, 100, 1_000, 5_000, SPARSE_LIMIT - 100])(
    'counts %i visitors almost exactly while the sketch is sparse',
    (count) => {
      const sketch = sketchOfIds(ids(0, count));
      expect(sketch.kind).toBe('sparse');
      expect(Math.abs(estimateVisitors(sketch) - count)).toBeLessThanOrEqual(count * 0.001 + 0.5);
    },
  );

  it('is within 1 % of the exact count for every cardinality from 1 to 2,000,000 tested (ids added one by one)', () => {
    const builder = new SketchBuilder();
    const errors: Array<[number, number]> = [];
    let checkpoint = 1;
    for (let count = 1; count <= 2_000_000; count++) {
      builder.add(visitorEntry(`visitor-${count}`));
      if (count === checkpoint || count === 2_000_000) {
        errors.push([count, relativeError(estimateVisitors(builder.toSketch()), count)]);
        checkpoint = Math.max(count + 1, Math.floor(count * 1.05));
      }
    }
    expect(errors.length).toBeGreaterThan(200);
    const worst = errors.reduce((a, b) => (Math.abs(b[1]) > Math.abs(a[1]) ? b : a));
    expect(Math.abs(worst[1]), `worst at ${worst[0]}`).toBeLessThanOrEqual(0.01);
  });

  it.each([
    [30_000, 120],
    [200_000, 40],
    [2_000_000, 6],
  ])(
    'at %i visitors over %i independent sets: unbiased, and spread as a 0.41 percent standard error predicts',
    (count, trials) => {
      const errors: number[] = [];
      for (let trial = 0; trial < trials; trial++) {
        const builder = new SketchBuilder();
        for (const entry of randomEntries(count, count + trial)) builder.add(entry);
        errors.push(relativeError(estimateVisitors(builder.toSketch()), count));
      }
      const mean = errors.reduce((sum, error) => sum + error, 0) / trials;
      const rms = Math.sqrt(errors.reduce((sum, error) => sum + error * error, 0) / trials);
      // Bounds at ~4 standard errors of each statistic over this many trials.
      expect(Math.abs(mean)).toBeLessThan((4 * 0.0041) / Math.sqrt(trials));
      expect(rms).toBeLessThan(0.0041 * (1 + 4 / Math.sqrt(2 * trials)));
      expect(Math.max(...errors.map(Math.abs))).toBeLessThan(0.0041 * 4.5);
      expect(errors.filter((error) => Math.abs(error) > 0.01).length).toBeLessThanOrEqual(
        Math.ceil(trials * 0.014 + 3 * Math.sqrt(trials * 0.014)),
      );
    },
  );

  it('counts the union of overlapping sets (30 days of returning visitors) within 1 %', () => {
    // Day d has visitors [d·20,000, d·20,000 + 50,000): each shares 60 % with the day before.
    const days = Array.from({ length: 30 }, (_, day) =>
      sketchOfIds(ids(day * 20_000, day * 20_000 + 50_000)),
    );
    const union = mergeSketches(days);
    const exact = 29 * 20_000 + 50_000;
    expect(Math.abs(relativeError(estimateVisitors(union), exact))).toBeLessThanOrEqual(0.01);
    expect(union).toEqual(sketchOfIds(ids(0, exact)));
  });

  it.each([
    ['small sets', 40, 300],
    ['sets that cross the sparse limit together', 9_000, 12_000],
  ])('counts the union of two overlapping %s as the sketch of the union', (_, overlap, size) => {
    const a = ids(0, size);
    const b = ids(size - overlap, 2 * size - overlap);
    const union = mergeSketches([sketchOfIds(a), sketchOfIds(b)]);
    expect(union).toEqual(sketchOfIds([...a, ...b]));
    const exact = 2 * size - overlap;
    expect(Math.abs(relativeError(estimateVisitors(union), exact))).toBeLessThanOrEqual(0.01);
  });
});

describe('visitorEntry', () => {
  // Stored sketches depend on these bits: a change here would silently mix two hash functions.
  it.each([
    ['', 0xd41d8cd98f00b204n],
    ['visitor-1', BigInt(`0x${md5Hex('visitor-1').slice(0, 16)}`)],
    ['Ünïcødé 🚀', BigInt(`0x${md5Hex('Ünïcødé 🚀').slice(0, 16)}`)],
  ])('takes the first 64 bits of md5(%j)', (id, hash) => {
    expect(visitorEntry(id)).toBe(entryOfBigInt(hash));
  });

  it.each([
    // index = top 25 bits; rank = 1 + leading zeros of the next 39 bits, 40 when all are zero.
    [0xffffffff, 0xffffffff, ((2 ** 25 - 1) * 64 + 1) >>> 0],
    [0x00000040, 0x00000000, 1],
    [0x00000020, 0x00000000, 2],
    [0x00000001, 0x00000000, 7],
    [0x00000000, 0x80000000, 8],
    [0x00000000, 0x00000001, 39],
    [0x00000000, 0x00000000, 40],
    [0x00000080, 0x00000000, (1 << 6) | 40],
  ])('makes hash %s:%s entry %s', (high, low, entry) => {
    expect(entryOfHash(high, low)).toBe(entry);
    expect(isEntry(entryOfHash(high, low))).toBe(true);
  });

  it('agrees with an independent BigInt computation on random hashes', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (hash) => {
        expect(entryOfHash(Number(hash >> 32n), Number(hash & 0xffffffffn))).toBe(entryOfBigInt(hash));
      }),
    );
  });
});

function md5Hex(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

function entryOfBigInt(hash: bigint): number {
  const index = Number(hash >> 39n);
  const rest = (hash & ((1n << 39n) - 1n)).toString(2).padStart(39, '0');
  const firstOne = rest.indexOf('1');
  return index * 64 + (firstOne === -1 ? 40 : firstOne + 1);
}

describe('mergeSketches', () => {
  const entryArbitrary = fc.integer({ min: 0, max: 2 ** 31 - 1 }).map((bits) => entryOfHash(bits * 2, bits));
  const entrySet = fc.oneof(
    fc.array(entryArbitrary, { maxLength: 300 }),
    // Sizes around the sparse limit, from random hashes: sparse, dense, and unions that cross over.
    fc
      .tuple(fc.integer({ min: SPARSE_LIMIT - 2_000, max: SPARSE_LIMIT + 2_000 }), fc.nat())
      .map(([count, seed]) => Array.from(randomEntries(count, seed))),
  );

  it('equals the sketch of the union, whatever the mix of sparse and dense', () => {
    fc.assert(
      fc.property(fc.array(entrySet, { maxLength: 4 }), (sets) => {
        expect(mergeSketches(sets.map(sketchOfEntries))).toEqual(sketchOfEntries(sets.flat()));
      }),
      { numRuns: 60 },
    );
  });

  it('takes the higher rank of every register of dense sketches, at any offset in memory', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: REGISTERS, maxLength: REGISTERS, max: 49 }),
        fc.uint8Array({ minLength: REGISTERS, maxLength: REGISTERS, max: 49 }),
        fc.integer({ min: 0, max: 3 }),
        (a, b, offset) => {
          // A register array inside a larger buffer, as a row read from PostgreSQL can be.
          const shifted = new Uint8Array(REGISTERS + offset);
          shifted.set(b, offset);
          const merged = mergeSketches([
            { kind: 'dense', registers: a },
            { kind: 'dense', registers: shifted.subarray(offset) },
          ]);
          expect(merged).toEqual({ kind: 'dense', registers: a.map((rank, at) => Math.max(rank, b[at]!)) });
        },
      ),
      // Shrinking 65,536-register arrays would take minutes; a failing case is reported as found.
      { numRuns: 20, endOnFailure: true },
    );
  });

  it('is commutative and idempotent, and the empty sketch is its identity', () => {
    fc.assert(
      fc.property(entrySet, entrySet, (a, b) => {
        const [x, y] = [sketchOfEntries(a), sketchOfEntries(b)];
        expect(mergeSketches([x, y])).toEqual(mergeSketches([y, x]));
        expect(mergeSketches([x, x])).toEqual(x);
        expect(mergeSketches([x, EMPTY_SKETCH])).toEqual(x);
      }),
      { numRuns: 40 },
    );
  });

  it('is estimated by estimateUnion exactly as the merged sketch is, before and after the sparse limit', () => {
    // Up to a month of day sketches, some crossing the sparse limit together (8 × 3,000 > 16,384),
    // each case after the others: what one leaves in estimateUnion's index bitmap would show.
    const daySet = fc.oneof(
      entrySet,
      fc
        .tuple(fc.integer({ min: 2_000, max: 4_000 }), fc.nat())
        .map(([count, seed]) => [...randomEntries(count, seed)]),
    );
    fc.assert(
      fc.property(fc.array(daySet, { maxLength: 30 }), fc.boolean(), (sets, repeatFirst) => {
        const sketches = sets.map(sketchOfEntries);
        if (repeatFirst && sketches.length > 0) sketches.push(sketches[0]!);
        expect(estimateUnion(sketches)).toBe(estimateVisitors(mergeSketches(sketches)));
      }),
      { numRuns: 40 },
    );
  });

  it.each([
    [SPARSE_LIMIT, 'sparse'],
    [SPARSE_LIMIT + 1, 'dense'],
  ] as const)(
    'is estimated by estimateUnion as the merged sketch is at %i distinct indexes (%s)',
    (size, kind) => {
      // Distinct 25-bit indexes (997 is odd, so i·997 mod 2^25 never repeats), in two overlapping sets.
      const entries = Array.from({ length: size }, (_, at) => (((at * 997) % 2 ** 25) << 6) | 1);
      const sets = [entries.slice(0, Math.ceil(size * 0.6)), entries.slice(Math.floor(size * 0.4))];
      const sketches = sets.map(sketchOfEntries);
      expect(sketches.map((sketch) => sketch.kind)).toEqual(['sparse', 'sparse']);
      const merged = mergeSketches(sketches);
      expect(merged.kind).toBe(kind);
      expect(estimateUnion(sketches)).toBe(estimateVisitors(merged));
    },
  );

  it('of nothing is the empty sketch, which counts 0', () => {
    expect(mergeSketches([])).toEqual(EMPTY_SKETCH);
    expect(estimateVisitors(mergeSketches([]))).toBe(0);
  });

  it('builds the same sketch entry by entry as from the whole set', () => {
    fc.assert(
      fc.property(entrySet, (entries) => {
        const builder = new SketchBuilder();
        for (const entry of entries) builder.add(entry);
        expect(builder.toSketch()).toEqual(sketchOfEntries(entries));
      }),
      { numRuns: 40 },
    );
  });
});

describe('serializeSketch and parseSketch', () => {
  it.each<[string, VisitorSketch]>([
    ['empty', EMPTY_SKETCH],
    ['sparse', sketchOfIds(ids(0, 10))],
    ['dense', sketchOfIds(ids(0, SPARSE_LIMIT + 10))],
  ])('round-trips the %s sketch in its compact form', (_, sketch) => {
    const bytes = serializeSketch(sketch);
    expect(bytes.length).toBe(sketch.kind === 'dense' ? 2 + REGISTERS : 2 + 4 * sketch.entries.length);
    expect(parseSketch(bytes)).toEqual(sketch);
  });

  it('round-trips any sketch', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 31 - 1 }), { maxLength: 500 }), (bits) => {
        const sketch = sketchOfEntries(bits.map((value) => entryOfHash(value, value * 7)));
        expect(parseSketch(serializeSketch(sketch))).toEqual(sketch);
      }),
    );
  });

  it('turns a sparse list past the limit (as SQL writes large sets) dense', () => {
    const entries = Uint32Array.from(new Set(randomEntries(SPARSE_LIMIT + 500, 7))).sort();
    const unique = Uint32Array.from(
      entries.filter((entry, at) => at + 1 === entries.length || entries[at + 1]! >>> 6 !== entry >>> 6),
    );
    const bytes = Buffer.alloc(2 + 4 * unique.length);
    bytes[0] = 1;
    bytes[1] = 1;
    unique.forEach((entry, at) => bytes.writeUInt32BE(entry, 2 + 4 * at));
    expect(parseSketch(bytes)).toEqual(sketchOfEntries(unique));
    expect(parseSketch(bytes).kind).toBe('dense');
  });

  describe('robustness to invalid data', () => {
    const sparse = (...entries: number[]) => {
      const bytes = Buffer.alloc(2 + 4 * entries.length);
      bytes[0] = 1;
      bytes[1] = 1;
      entries.forEach((entry, at) => bytes.writeUInt32BE(entry, 2 + 4 * at));
      return bytes;
    };
    const dense = (fill: number, length = REGISTERS) =>
      Buffer.concat([Buffer.from([1, 2]), Buffer.alloc(length, fill)]);

    it.each<[string, Uint8Array]>([
      ['empty bytes', new Uint8Array(0)],
      ['a version byte alone', Uint8Array.of(1)],
      ['another version', Uint8Array.of(2, 1)],
      ['an unknown kind', Uint8Array.of(1, 3)],
      ['a partial entry', Uint8Array.of(1, 1, 0, 0, 1)],
      ['a rank of 0', sparse(64)],
      ['a rank of 41', sparse(64 + 41)],
      ['entries out of order', sparse(128 + 1, 64 + 1)],
      ['two entries of one index', sparse(64 + 1, 64 + 2)],
      ['a short dense sketch', dense(0, REGISTERS - 1)],
      ['a long dense sketch', dense(0, REGISTERS + 1)],
      ['a register above 49', dense(50)],
    ])('refuses %s', (_, bytes) => {
      expect(() => parseSketch(bytes)).toThrow(/visitor sketch/);
    });

    it('reads a dense sketch of full registers', () => {
      expect(estimateVisitors(parseSketch(dense(49)))).toBeGreaterThan(1e15);
    });
  });
});
