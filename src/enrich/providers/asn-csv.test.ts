import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyLookup } from '../geo-provider.ts';
import { createAsnCsvProvider, defaultAsnFiles, type AsnCsvProvider } from './asn-csv.ts';

/** Out of order on purpose, with the quoting, blank and CRLF lines the published files may have. */
const IPV4_CSV = [
  '8.8.8.0,8.8.8.255,15169,Google LLC',
  '1.1.1.0,1.1.1.255,13335,"Cloudflare, Inc."',
  '2.26.200.0,2.26.215.255,201907,"LLC ""SPUTNIK"""',
  '',
  '10.0.0.128,10.0.0.255,64501,Second Half\r',
  '10.0.0.0,10.0.0.127,64500,First Half',
  '0.0.0.0,0.0.0.255,0,',
  '0.0.1.0,0.0.1.255,64503,',
  '45.70.144.0,45.70.147.255,267568,R. C. F. \u00ad TELECOM LTDA \u00ad ME',
  '20.0.0.0,20.0.255.255,64510,Outer',
  '20.0.1.0,20.0.1.255,64511,Inner',
  '20.0.255.0,20.1.0.255,64512,Straddling',
  '255.255.255.0,255.255.255.255,64502,"Top, End"',
  '255.255.255.128,255.255.255.255,64513,Top Inner',
].join('\n');

const IPV6_CSV = [
  '2001:4860::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,15169,Google LLC',
  '2001:200::,2001:200:1b9:ffff:ffff:ffff:ffff:ffff,2500,WIDE Project',
  '2001:200:1ba::,2001:200:1ba:ffff:ffff:ffff:ffff:ffff,24047,"Internet Systems Consortium, Inc."',
  '::,::ff,64520,First',
  '64:ff9b::,64:ff9b::ffff:ffff,64521,NAT64',
  // Nested across a 32-bit word boundary: the cut points need a borrow and a carry.
  '2001:db8::,2001:db8::ff:ffff:ffff,64522,Outer Six',
  '2001:db8::1:0:0,2001:db8::1:ffff:ffff,64523,Inner Six',
  'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00,ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff,64524,Last',
].join('\n');

let dir: string;
let ipv4File: string;
let ipv6File: string;
let provider: AsnCsvProvider;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'beacon-asn-csv-'));
  ipv4File = path.join(dir, 'asn-ipv4.csv');
  ipv6File = path.join(dir, 'asn-ipv6.csv');
  await writeFile(ipv4File, `${IPV4_CSV}\n`);
  await writeFile(ipv6File, IPV6_CSV);
  provider = await createAsnCsvProvider({ ipv4File, ipv6File });
});

afterAll(async () => {
  provider.close();
  await rm(dir, { recursive: true, force: true });
});

async function lookupOne(target: AsnCsvProvider, ip: string) {
  const answers = await target.lookup([ip]);
  return answers.get(ip);
}

describe('createAsnCsvProvider', () => {
  it.each([
    ['8.8.8.8', 15169, 'Google LLC'],
    ['1.1.1.1', 13335, 'Cloudflare, Inc.'],
    ['2.26.200.1', 201907, 'LLC "SPUTNIK"'],
    ['45.70.145.1', 267568, 'R. C. F. \u00ad TELECOM LTDA \u00ad ME'],
    ['::ffff:8.8.4.4', null, null],
    ['::ffff:8.8.8.8', 15169, 'Google LLC'],
    ['2001:4860:4860::8888', 15169, 'Google LLC'],
    ['2001:4860:4860::8888'.toUpperCase(), 15169, 'Google LLC'],
    ['2001:200:1ba::1', 24047, 'Internet Systems Consortium, Inc.'],
    ['2001:200:1b9:ffff:ffff:ffff:ffff:ffff', 2500, 'WIDE Project'],
    ['2001:200:1bb::', null, null],
    ['::1', 64520, 'First'],
    ['64:ff9b::192.0.2.1', 64521, 'NAT64'],
  ])('%s → AS%s %s', async (ip, asn, asName) => {
    const answer = await lookupOne(provider, ip);
    expect(answer, JSON.stringify(answer)).toEqual(asn === null ? null : emptyLookup({ asn, asName }));
  });

  it.each([
    ['8.8.7.255', null],
    ['8.8.8.0', 15169],
    ['8.8.8.255', 15169],
    ['8.8.9.0', null],
    ['10.0.0.0', 64500],
    ['10.0.0.127', 64500],
    ['10.0.0.128', 64501],
    ['10.0.0.255', 64501],
    ['10.0.1.0', null],
    ['0.0.0.0', null],
    ['255.255.255.255', 64513],
  ])('ranges include both ends: %s → %s', async (ip, asn) => {
    expect((await lookupOne(provider, ip))?.asn ?? null).toBe(asn);
  });

  it('drops AS0 rows, which name no network, and keeps a network without a name', async () => {
    expect(await lookupOne(provider, '0.0.0.7')).toBeNull();
    expect(await lookupOne(provider, '0.0.1.7')).toEqual(emptyLookup({ asn: 64503, asName: null }));
  });

  it.each([
    ['20.0.0.255', 64510],
    ['20.0.1.0', 64511],
    ['20.0.1.255', 64511],
    ['20.0.2.0', 64510],
    ['20.0.254.255', 64510],
    ['20.0.255.0', 64512],
    ['20.1.0.255', 64512],
    ['20.1.1.0', null],
    ['255.255.255.127', 64502],
    ['255.255.255.128', 64513],
    ['2001:db8::ffff:ffff', 64522],
    ['2001:db8::1:0:0', 64523],
    ['2001:db8::1:ffff:ffff', 64523],
    ['2001:db8::2:0:0', 64522],
    ['2001:db8::ff:ffff:ffff', 64522],
    ['2001:db8::100:0:0', null],
    ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 64524],
  ])('overlapping rows: the latest start owns %s → %s', async (ip, asn) => {
    expect((await lookupOne(provider, ip))?.asn ?? null).toBe(asn);
  });

  it('cuts random overlapping ranges exactly as the latest-start rule says', async () => {
    // A small space at the top of IPv4 so the end of the address space is exercised too.
    const base = 0xfffff000;
    const size = 0x1000;
    let seed = 42;
    const random = (limit: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % limit;
    };
    const rows = Array.from({ length: 300 }, (_, line) => {
      const start = random(size);
      const end = Math.min(size - 1, start + random(random(4) === 0 ? size : 64));
      return { line, start: base + start, end: base + end, asn: 1000 + line };
    });
    const file = path.join(dir, 'random.csv');
    await writeFile(
      file,
      rows.map((row) => `${dotted(row.start)},${dotted(row.end)},${row.asn},N`).join('\n'),
    );
    const randomProvider = await createAsnCsvProvider({ ipv4File: file });
    const addresses = Array.from({ length: size }, (_, offset) => dotted(base + offset));
    const answers = await randomProvider.lookup(addresses);
    const mismatches = addresses.flatMap((ip, offset) => {
      const address = base + offset;
      const owner = rows
        .filter((row) => row.start <= address && address <= row.end)
        .sort((a, b) => a.start - b.start || b.end - a.end || a.line - b.line)
        .at(-1);
      const expected = owner?.asn ?? null;
      const actual = answers.get(ip)?.asn ?? null;
      return actual === expected ? [] : [`${ip}: expected ${expected}, got ${actual}`];
    });
    expect(mismatches.slice(0, 10)).toEqual([]);
    randomProvider.close();
  });

  it('answers only IPv4 when no IPv6 file is given', async () => {
    const ipv4Only = await createAsnCsvProvider({ ipv4File });
    expect((await lookupOne(ipv4Only, '8.8.8.8'))?.asn).toBe(15169);
    expect(await lookupOne(ipv4Only, '2001:4860:4860::8888')).toBeNull();
    expect(ipv4Only.describe()).toEqual([`${ipv4File} (IPv4, 13 ASN ranges)`]);
    ipv4Only.close();
  });

  it('describes each file with its family and range count', () => {
    // Counted after AS0 rows are dropped and overlapping rows cut into disjoint ranges.
    expect(provider.describe()).toEqual([
      `${ipv4File} (IPv4, 13 ASN ranges)`,
      `${ipv6File} (IPv6, 9 ASN ranges)`,
    ]);
  });

  it('answers every address of a batch, duplicates included', async () => {
    const answers = await provider.lookup(['8.8.8.8', 'nonsense', '8.8.8.8', '2001:200::1']);
    expect([...answers.keys()]).toEqual(['8.8.8.8', 'nonsense', '2001:200::1']);
    expect(answers.get('nonsense')).toBeNull();
    expect(answers.get('2001:200::1')?.asn).toBe(2500);
  });

  it('skips a UTF-8 byte order mark', async () => {
    const file = path.join(dir, 'bom.csv');
    await writeFile(file, `\ufeff8.8.8.0,8.8.8.255,15169,Google LLC\n`);
    const withBom = await createAsnCsvProvider({ ipv4File: file });
    expect((await lookupOne(withBom, '8.8.8.8'))?.asn).toBe(15169);
    withBom.close();
  });

  it('refuses lookups once closed', async () => {
    const closing = await createAsnCsvProvider({ ipv4File });
    closing.close();
    await expect(closing.lookup(['8.8.8.8'])).rejects.toThrow('closed');
  });

  describe('robustness to invalid addresses', () => {
    it.each([
      [''],
      [' '],
      ['not an ip'],
      ['8.8.8'],
      ['8.8.8.8.8'],
      ['256.8.8.8'],
      ['8.8.8.-1'],
      ['8.8.8.8/24'],
      ['2001:4860::8888::1'],
      ['2001:4860:4860:0:0:0:0:8888:1'],
      ['2001:4860:4860::g'],
      [':::'],
      ['1'.repeat(10_000)],
      ['\u0000'],
    ])('%j → null', async (ip) => {
      expect(await lookupOne(provider, ip)).toBeNull();
    });
  });

  describe('a malformed file stops the load, naming the file and line', () => {
    it.each([
      ['too few fields', '1.0.0.0,1.0.0.255,13335', 'line 2: fewer than 4 fields'],
      ['an invalid start address', '1.0.0.300,1.0.0.255,13335,X', 'line 2: invalid start address'],
      ['an invalid end address', '1.0.0.0,1.0.0,13335,X', 'line 2: invalid end address'],
      ['an IPv6 row in the IPv4 file', '2001::,2001::ff,6939,X', 'line 2: invalid start address'],
      ['start after end', '1.0.0.255,1.0.0.0,13335,X', 'line 2: start address after end address'],
      ['a prefixed AS number', '1.0.0.0,1.0.0.255,AS13335,X', 'line 2: invalid AS number'],
      ['an empty AS number', '1.0.0.0,1.0.0.255,,X', 'line 2: invalid AS number'],
      ['an AS number over 32 bits', '1.0.0.0,1.0.0.255,4294967296,X', 'line 2: invalid AS number'],
      ['an unquoted comma', '1.0.0.0,1.0.0.255,13335,Cloudflare, Inc.', 'line 2: a comma or quote'],
      ['an unterminated quote', '1.0.0.0,1.0.0.255,13335,"Cloudflare', 'line 2: a comma or quote'],
      ['text after the quote', '1.0.0.0,1.0.0.255,13335,"Cloud"flare', 'line 2: a comma or quote'],
      ['a header', 'ip_range_start,ip_range_end,autonomous_system_number,name', 'line 2: invalid start'],
    ])('%s', async (_case, line, message) => {
      const file = path.join(dir, 'malformed.csv');
      await writeFile(file, `8.8.8.0,8.8.8.255,15169,Google LLC\n${line}\n`);
      await expect(createAsnCsvProvider({ ipv4File: file })).rejects.toThrow(
        `cannot use ASN CSV file ${file}: ${message}`,
      );
    });

    it('an IPv4 row in the IPv6 file', async () => {
      const file = path.join(dir, 'mixed.csv');
      await writeFile(file, '1.0.0.0,1.0.0.255,13335,X\n');
      await expect(createAsnCsvProvider({ ipv4File, ipv6File: file })).rejects.toThrow(
        `cannot use ASN CSV file ${file}: line 1: invalid start address: "1.0.0.0,1.0.0.255,13335,X" (expected IPv6 rows)`,
      );
    });

    it('an empty file', async () => {
      const file = path.join(dir, 'empty.csv');
      await writeFile(file, '\n');
      await expect(createAsnCsvProvider({ ipv4File: file })).rejects.toThrow(
        `cannot use ASN CSV file ${file}: no IPv4 ranges found`,
      );
    });

    it('a missing file', async () => {
      const file = path.join(dir, 'missing.csv');
      await expect(createAsnCsvProvider({ ipv4File: file })).rejects.toThrow(
        `cannot use ASN CSV file ${file}: ENOENT`,
      );
    });
  });
});

describe('the installed @ip-location-db/asn package', () => {
  it('loads and answers known networks; prints load time, memory and lookup speed', async () => {
    const files = defaultAsnFiles();
    expect(files, 'the package is a dependency, so its files should resolve').toBeDefined();
    expect(files?.ipv6File).toBeDefined();
    const before = process.memoryUsage();
    const started = performance.now();
    const installed = await createAsnCsvProvider(files!);
    const loadMs = performance.now() - started;
    const after = process.memoryUsage();

    const known = await installed.lookup(['8.8.8.8', '1.1.1.1', '2001:4860:4860::8888']);
    expect(known.get('8.8.8.8')).toEqual(emptyLookup({ asn: 15169, asName: 'Google LLC' }));
    expect(known.get('1.1.1.1')?.asn).toBe(13335);
    expect(known.get('2001:4860:4860::8888')?.asn).toBe(15169);

    const addresses = Array.from(
      { length: 1_000_000 },
      () => `${random256()}.${random256()}.${random256()}.${random256()}`,
    );
    let found = 0;
    const lookupStarted = performance.now();
    for (let at = 0; at < addresses.length; at += 1000) {
      const answers = await installed.lookup(addresses.slice(at, at + 1000));
      for (const answer of answers.values()) if (answer !== null) found++;
    }
    const lookupSeconds = (performance.now() - lookupStarted) / 1000;
    const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
    console.log(
      [
        `@ip-location-db/asn: ${installed.describe().join('; ')}`,
        `load ${loadMs.toFixed(0)} ms; heap +${megabytes(after.heapUsed - before.heapUsed)}, ` +
          `RSS +${megabytes(after.rss - before.rss)}, array buffers +${megabytes(after.arrayBuffers - before.arrayBuffers)} (before GC)`,
        `${Math.round(addresses.length / lookupSeconds).toLocaleString('en')} lookups/s over 1M random IPv4 ` +
          `in batches of 1000 (${((found / addresses.length) * 100).toFixed(1)}% found)`,
      ].join('\n'),
    );
    installed.close();
  });
});

function dotted(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.');
}

function random256(): number {
  return Math.floor(Math.random() * 256);
}
