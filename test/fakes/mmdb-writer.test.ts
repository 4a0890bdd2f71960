import { Reader, type Response } from 'mmdb-lib';
import { describe, expect, it } from 'vitest';
import { mmdbTyped, writeMmdb, type MmdbEntry } from './mmdb-writer.ts';

/** Reads the writer's output back with the same library the provider uses. */
function read(entries: MmdbEntry[], options?: Parameters<typeof writeMmdb>[1]) {
  const reader = new Reader<Response>(writeMmdb(entries, options));
  return {
    metadata: reader.metadata,
    get: (ip: string): unknown => reader.get(ip),
    prefix: (ip: string) => reader.getWithPrefixLength(ip)[1],
  };
}

describe('writeMmdb', () => {
  it('round-trips every data type, nested maps and arrays included', () => {
    const record = {
      text: 'Zürich — 東京',
      long: 'x'.repeat(300),
      longer: 'y'.repeat(70_000),
      empty: '',
      uint32: 4_294_967_295,
      zero: 0,
      negative: -42,
      double: 51.5142,
      uint16: mmdbTyped('uint16', 65_535),
      int32: mmdbTyped('int32', 7),
      float: mmdbTyped('float', 1.5),
      uint64: 18_446_744_073_709_551_615n,
      uint128: 2n ** 100n,
      yes: true,
      no: false,
      bytes: new Uint8Array([0, 1, 254, 255]),
      list: [1, 'two', [3], { four: 4 }],
      nested: { names: { en: 'London', de: 'London' }, deeper: { deepest: { value: 1.25 } } },
    };
    const decoded = read([{ network: '192.0.2.0/24', record }]).get('192.0.2.1');
    expect(decoded).toEqual({
      ...record,
      uint16: 65_535,
      int32: 7,
      float: 1.5,
      bytes: Buffer.from([0, 1, 254, 255]),
    });
  });

  it('stores IPv4 networks under ::/96 in an IPv6 database', () => {
    const db = read([
      { network: '192.0.2.0/24', record: { name: 'v4' } },
      { network: '2001:db8::/32', record: { name: 'v6' } },
      { network: '2001:db8:1::1', record: { name: 'single v6' } },
      { network: '::ffff:198.51.100.0/120', record: { name: 'embedded v4 notation' } },
    ]);
    expect(db.metadata.ipVersion).toBe(6);
    expect(db.get('192.0.2.200')).toEqual({ name: 'v4' });
    expect(db.prefix('192.0.2.200')).toBe(24);
    expect(db.get('2001:db8:ffff::1')).toEqual({ name: 'v6' });
    expect(db.get('2001:db8:1::1')).toEqual({ name: 'single v6' });
    expect(db.get('2001:db8:1::2')).toEqual({ name: 'v6' });
    expect(db.get('::ffff:198.51.100.7')).toEqual({ name: 'embedded v4 notation' });
    expect(db.get('192.0.3.1')).toBeNull();
    expect(db.get('2001:db9::1')).toBeNull();
  });

  it('writes an IPv4-only database when no network is IPv6', () => {
    const db = read([{ network: '10.0.0.0/8', record: { a: 1 } }]);
    expect(db.metadata.ipVersion).toBe(4);
    expect(db.get('10.200.0.1')).toEqual({ a: 1 });
    expect(db.get('11.0.0.1')).toBeNull();
  });

  it.each(['narrow last', 'narrow first'])(
    'lets the later entry win where networks overlap (%s)',
    (order) => {
      const wide = { network: '10.0.0.0/8', record: { size: 'wide' } };
      const narrow = { network: '10.1.2.0/24', record: { size: 'narrow' } };
      const db = read(order === 'narrow last' ? [wide, narrow] : [narrow, wide]);
      expect(db.get('10.9.9.9')).toEqual({ size: 'wide' });
      expect(db.get('10.1.2.3')).toEqual({ size: order === 'narrow last' ? 'narrow' : 'wide' });
    },
  );

  it.each([24, 28, 32] as const)('writes %i-bit records a reader can walk', (recordSize) => {
    const db = read(
      [
        { network: '203.0.113.0/25', record: { half: 'low' } },
        { network: '203.0.113.128/25', record: { half: 'high' } },
        { network: '2001:db8::/48', record: { half: 'v6' } },
      ],
      { recordSize },
    );
    expect(db.metadata.recordSize).toBe(recordSize);
    expect([db.get('203.0.113.1'), db.get('203.0.113.200'), db.get('2001:db8::5')]).toEqual([
      { half: 'low' },
      { half: 'high' },
      { half: 'v6' },
    ]);
  });

  it('follows pointers of every size when strings repeat across a large data section', () => {
    // ~700 kB of data: later records point back past the 2 kB and 512 kB pointer-size boundaries.
    const entries = Array.from({ length: 20_000 }, (_, index) => ({
      network: `10.${index >> 8}.${index & 255}.0/24`,
      record: { id: index, org: `Organisation number ${index % 5000} with a long name` },
    }));
    const db = read(entries);
    for (const index of [0, 1, 4999, 5000, 12_345, 19_999]) {
      expect(db.get(`10.${index >> 8}.${index & 255}.9`)).toEqual(entries[index]!.record);
    }
  });

  it('stores identical records once', () => {
    const record = { country_code: 'NL', note: 'x'.repeat(1000) };
    const one = writeMmdb([{ network: '192.0.2.0/24', record }]);
    const many = writeMmdb(Array.from({ length: 50 }, (_, i) => ({ network: `10.0.${i}.0/24`, record })));
    expect(many.length - one.length).toBeLessThan(1000);
  });

  it('writes the metadata readers need', () => {
    const db = read([{ network: '192.0.2.0/24', record: {} }], {
      databaseType: 'Test-Country',
      ipVersion: 6,
    });
    expect(db.metadata).toMatchObject({
      binaryFormatMajorVersion: 2,
      binaryFormatMinorVersion: 0,
      databaseType: 'Test-Country',
      ipVersion: 6,
      languages: ['en'],
      description: { en: expect.any(String) },
    });
    expect(Math.abs(db.metadata.buildEpoch.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it.each([
    [
      '2001:db8::/32 in an IPv4 database',
      [{ network: '2001:db8::/32', record: {} }],
      { ipVersion: 4 as const },
    ],
    ['a bad address', [{ network: '300.0.0.0/8', record: {} }], {}],
    ['a bad prefix', [{ network: '10.0.0.0/33', record: {} }], {}],
    ['a /0', [{ network: '0.0.0.0/0', record: {} }], {}],
    ['an unstorable value', [{ network: '10.0.0.0/8', record: { missing: null } }], {}],
  ])('rejects %s', (_name, entries, options) => {
    expect(() => writeMmdb(entries, options)).toThrow();
  });
});
