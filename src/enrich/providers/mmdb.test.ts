import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { Reader, type Response } from 'mmdb-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mmdbTyped, writeMmdb, type MmdbEntry } from '../../../test/fakes/mmdb-writer.ts';
import { emptyLookup, type IpLookup } from '../geo-provider.ts';
import { createMmdbProvider, defaultGeoipFiles, type MmdbProvider } from './mmdb.ts';

/** IPinfo Lite (Jan 2025 schema): `country` is a name, the code is in `country_code`. */
const LITE: MmdbEntry[] = [
  {
    network: '8.8.8.0/24',
    record: {
      country: 'United States',
      country_code: 'US',
      continent: 'North America',
      continent_code: 'NA',
      asn: 'AS15169',
      as_name: 'Google LLC',
      as_domain: 'google.com',
    },
  },
  {
    network: '2001:4860::/32',
    record: {
      country: 'United States',
      country_code: 'US',
      asn: 'AS15169',
      as_name: 'Google LLC',
      as_domain: 'google.com',
    },
  },
  { network: '198.51.100.0/24', record: { country: 'Canada', country_code: 'CA' } },
  { network: '192.0.2.0/24', record: { continent: 'Europe', continent_code: 'EU' } },
];

/** IPinfo's legacy country_asn and ASN files: `country` is the code, the ASN file says `name`/`domain`. */
const LEGACY: MmdbEntry[] = [
  {
    network: '1.1.1.0/24',
    record: {
      country: 'AU',
      country_name: 'Australia',
      continent: 'OC',
      continent_name: 'Oceania',
      asn: 'AS13335',
      as_name: 'Cloudflare, Inc.',
      as_domain: 'cloudflare.com',
    },
  },
  { network: '80.128.0.0/11', record: { asn: 'AS3320', name: 'Deutsche Telekom AG', domain: 'telekom.de' } },
];

/** MaxMind GeoIP2/GeoLite2 City and ASN layouts, typed as MaxMind types them. */
const MAXMIND_CITY: MmdbEntry[] = [
  {
    network: '81.2.69.160/27',
    record: {
      city: { geoname_id: 2643743, names: { en: 'London', de: 'London' } },
      continent: { code: 'EU', geoname_id: 6255148, names: { en: 'Europe' } },
      country: { geoname_id: 2635167, iso_code: 'GB', names: { en: 'United Kingdom' } },
      location: {
        accuracy_radius: mmdbTyped('uint16', 10),
        latitude: 51.5142,
        longitude: -0.0931,
        time_zone: 'Europe/London',
      },
      postal: { code: 'EC2V' },
      registered_country: { geoname_id: 6252001, iso_code: 'US', names: { en: 'United States' } },
      subdivisions: [{ geoname_id: 6269131, iso_code: 'ENG', names: { en: 'England' } }],
    },
  },
  {
    network: '8.8.8.0/24',
    record: {
      city: { names: { en: 'Mountain View' } },
      country: { iso_code: 'US' },
      location: { latitude: 37.386, longitude: -122.0838 },
      subdivisions: [{ iso_code: 'CA', names: { en: 'California' } }],
    },
  },
  {
    network: '198.51.100.0/24',
    record: { country: { iso_code: 'MX' }, city: { names: { en: 'Mexico City' } } },
  },
  { network: '203.0.113.0/24', record: { registered_country: { iso_code: 'SE' } } },
];
const MAXMIND_ASN: MmdbEntry[] = [
  {
    network: '9.9.9.0/24',
    record: { autonomous_system_number: 19281, autonomous_system_organization: 'QUAD9-AS-1' },
  },
];

/** ip-location-db's MMDB layouts (country, asn, city). */
const IP_LOCATION_DB: MmdbEntry[] = [
  { network: '5.5.0.0/16', record: { country_code: 'DE' } },
  {
    network: '6.6.0.0/16',
    record: { autonomous_system_number: 668, autonomous_system_organization: 'DoD Network' },
  },
  {
    network: '7.7.0.0/16',
    record: {
      country_code: 'FR',
      state1: 'Île-de-France',
      city: 'Paris',
      latitude: 48.8534,
      longitude: 2.3488,
    },
  },
];

/** An IPv4-only tree: without the provider's guard, 2001:db8::1 would read as 32.1.13.184. */
const IPV4_ONLY: MmdbEntry[] = [{ network: '32.1.13.0/24', record: { country_code: 'ZZ' } }];

describe('createMmdbProvider', () => {
  let dir: string;
  const file = (name: string) => path.join(dir, name);
  const open = (...names: string[]) => createMmdbProvider({ files: names.map(file) });
  const one = async (provider: MmdbProvider, ip: string) => (await provider.lookup([ip])).get(ip);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'beacon-mmdb-'));
    const databases: Array<[string, MmdbEntry[], 4 | 6]> = [
      ['lite.mmdb', LITE, 6],
      ['legacy.mmdb', LEGACY, 6],
      ['maxmind-city.mmdb', MAXMIND_CITY, 6],
      ['maxmind-asn.mmdb', MAXMIND_ASN, 6],
      ['ip-location-db.mmdb', IP_LOCATION_DB, 4],
      ['ipv4-only.mmdb', IPV4_ONLY, 4],
    ];
    for (const [name, entries, ipVersion] of databases)
      await writeFile(file(name), writeMmdb(entries, { ipVersion }));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('maps each schema to an IpLookup', () => {
    it.each<[string, string, string, Partial<IpLookup>]>([
      [
        'IPinfo Lite',
        'lite.mmdb',
        '8.8.8.8',
        { country: 'US', asn: 15169, asName: 'Google LLC', asDomain: 'google.com' },
      ],
      [
        'IPinfo Lite over IPv6',
        'lite.mmdb',
        '2001:4860:4860::8888',
        { country: 'US', asn: 15169, asName: 'Google LLC', asDomain: 'google.com' },
      ],
      [
        'legacy country_asn (country is a code)',
        'legacy.mmdb',
        '1.1.1.1',
        { country: 'AU', asn: 13335, asName: 'Cloudflare, Inc.', asDomain: 'cloudflare.com' },
      ],
      [
        'legacy ASN (name, domain)',
        'legacy.mmdb',
        '80.130.1.1',
        { asn: 3320, asName: 'Deutsche Telekom AG', asDomain: 'telekom.de' },
      ],
      [
        'MaxMind City',
        'maxmind-city.mmdb',
        '81.2.69.170',
        { country: 'GB', region: 'England', city: 'London', latitude: 51.5142, longitude: -0.0931 },
      ],
      ['MaxMind, registered country only', 'maxmind-city.mmdb', '203.0.113.5', { country: 'SE' }],
      ['MaxMind ASN', 'maxmind-asn.mmdb', '9.9.9.9', { asn: 19281, asName: 'QUAD9-AS-1' }],
      ['ip-location-db country', 'ip-location-db.mmdb', '5.5.5.5', { country: 'DE' }],
      ['ip-location-db asn', 'ip-location-db.mmdb', '6.6.6.6', { asn: 668, asName: 'DoD Network' }],
      [
        'ip-location-db city',
        'ip-location-db.mmdb',
        '7.7.7.7',
        { country: 'FR', region: 'Île-de-France', city: 'Paris', latitude: 48.8534, longitude: 2.3488 },
      ],
    ])('%s', async (_schema, name, ip, expected) => {
      const provider = await open(name);
      expect(await one(provider, ip)).toEqual(emptyLookup(expected));
    });
  });

  it('merges the files field by field, the first file with a value winning', async () => {
    const liteFirst = await open('lite.mmdb', 'maxmind-city.mmdb');
    expect(await one(liteFirst, '8.8.8.8')).toEqual(
      emptyLookup({
        country: 'US',
        region: 'California',
        city: 'Mountain View',
        latitude: 37.386,
        longitude: -122.0838,
        asn: 15169,
        asName: 'Google LLC',
        asDomain: 'google.com',
      }),
    );
    // Both know 198.51.100.0/24 and disagree on the country.
    expect(await one(liteFirst, '198.51.100.1')).toMatchObject({ country: 'CA', city: 'Mexico City' });
    const cityFirst = await open('maxmind-city.mmdb', 'lite.mmdb');
    expect(await one(cityFirst, '198.51.100.1')).toMatchObject({ country: 'MX', city: 'Mexico City' });
  });

  it('answers every address asked, null where no file knows it', async () => {
    const provider = await open('lite.mmdb', 'legacy.mmdb', 'maxmind-city.mmdb');
    const answers = await provider.lookup(['8.8.8.8', '1.1.1.1', '100.64.0.1', '10.0.0.1', '2001:db8::1']);
    expect([...answers.keys()]).toEqual(['8.8.8.8', '1.1.1.1', '100.64.0.1', '10.0.0.1', '2001:db8::1']);
    expect(answers.get('8.8.8.8')?.country).toBe('US');
    expect(answers.get('1.1.1.1')?.country).toBe('AU');
    expect([answers.get('100.64.0.1'), answers.get('10.0.0.1'), answers.get('2001:db8::1')]).toEqual([
      null,
      null,
      null,
    ]);
  });

  it('treats a record with none of the known fields as unknown', async () => {
    expect(await one(await open('lite.mmdb'), '192.0.2.1')).toBeNull();
  });

  it('looks up IPv4-mapped IPv6 addresses as IPv4', async () => {
    expect(await one(await open('lite.mmdb'), '::ffff:8.8.8.8')).toMatchObject({ country: 'US', asn: 15169 });
    expect(await one(await open('ip-location-db.mmdb'), '::ffff:5.5.5.5')).toMatchObject({ country: 'DE' });
  });

  it('does not ask an IPv4-only file about IPv6 addresses', async () => {
    const provider = await open('ipv4-only.mmdb');
    expect(await one(provider, '32.1.13.184')).toMatchObject({ country: 'ZZ' });
    expect(await one(provider, '2001:db8::1')).toBeNull();
  });

  describe('robustness to invalid addresses', () => {
    it.each([
      '',
      ' ',
      'not-an-ip',
      '999.1.1.1',
      '1.2.3',
      '1.2.3.4.5',
      '8.8.8.8/24',
      '::g',
      '1:2:3:4:5:6:7:8:9',
      'AS15169',
      'x'.repeat(10_000),
      '８.８.８.８',
    ])('%j → null', async (ip) => {
      const provider = await open('lite.mmdb', 'ipv4-only.mmdb');
      const answers = await provider.lookup([ip]);
      expect(answers.has(ip)).toBe(true);
      expect(answers.get(ip)).toBeNull();
    });

    it('answers an empty batch with an empty map', async () => {
      expect((await (await open('lite.mmdb')).lookup([])).size).toBe(0);
    });
  });

  describe('opening files', () => {
    it('describes each file with its database type and build date', async () => {
      const provider = await open('lite.mmdb', 'ip-location-db.mmdb');
      const today = new Date().toISOString().slice(0, 10);
      expect(provider.describe()).toEqual([
        `${file('lite.mmdb')} (Beacon-Test, built ${today})`,
        `${file('ip-location-db.mmdb')} (Beacon-Test, built ${today})`,
      ]);
    });

    it('rejects lookups once closed', async () => {
      const provider = await open('lite.mmdb');
      provider.close();
      await expect(provider.lookup(['8.8.8.8'])).rejects.toThrow('closed');
    });

    const valid = () => writeMmdb(LITE);
    const marker = Buffer.from('abcdef4d61784d696e642e636f6d', 'hex');
    it.each<[string, () => Buffer, RegExp]>([
      [
        'random bytes',
        () => Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) & 0xff)),
        /no MaxMind DB metadata/,
      ],
      ['an empty file', () => Buffer.alloc(0), /no MaxMind DB metadata/],
      ['a truncated file', () => valid().subarray(0, 200), /no MaxMind DB metadata/],
      ['a gzip-compressed file', () => gzipSync(valid()), /gzip-compressed/],
      [
        'metadata without its tree',
        () => {
          const buffer = valid();
          return buffer.subarray(buffer.lastIndexOf(marker));
        },
        /search tree is larger than the file/,
      ],
      [
        'a zeroed data section',
        () => {
          const buffer = writeMmdb([
            { network: '0.0.0.0/1', record: { country_code: 'AA' } },
            { network: '128.0.0.0/1', record: { country_code: 'BB' } },
          ]);
          const dataStart = new Reader<Response>(buffer).metadata.searchTreeSize + 16;
          buffer.fill(0, dataStart, buffer.lastIndexOf(marker));
          return buffer;
        },
        /corrupt data/,
      ],
    ])('fails at open naming the file: %s', async (_case, contents, reason) => {
      await writeFile(file('broken.mmdb'), contents());
      const opening = open('lite.mmdb', 'broken.mmdb');
      await expect(opening).rejects.toThrow(reason);
      await expect(opening).rejects.toThrow(`cannot use MMDB file ${file('broken.mmdb')}:`);
    });

    it('fails at open naming a missing file', async () => {
      await expect(open('missing.mmdb')).rejects.toThrow(
        `cannot use MMDB file ${file('missing.mmdb')}: ENOENT`,
      );
    });
  });
});

describe('the bundled offline database', () => {
  let provider: MmdbProvider;
  beforeAll(async () => {
    provider = await createMmdbProvider({ files: defaultGeoipFiles() });
  });
  afterAll(() => provider.close());

  it('is installed and found through node_modules', () => {
    expect(defaultGeoipFiles()).toEqual([
      expect.stringMatching(/iptoasn-country-mmdb[/\\]iptoasn-country\.mmdb$/),
    ]);
    expect(provider.describe()).toEqual([expect.stringContaining('(country ipvAll, built ')]);
  });

  it('knows the country of public IPv4 and IPv6 addresses, but no network (it has no ASN data)', async () => {
    const answers = await provider.lookup(['8.8.8.8', '2001:4860:4860::8888', '81.2.69.160', '10.0.0.1']);
    expect(answers.get('8.8.8.8')).toEqual(emptyLookup({ country: 'US' }));
    expect(answers.get('2001:4860:4860::8888')).toEqual(emptyLookup({ country: 'US' }));
    expect(answers.get('81.2.69.160')).toEqual(emptyLookup({ country: 'GB' }));
    expect(answers.get('10.0.0.1')).toBeNull();
  });

  it('prints its lookup rate over 100k random IPv4 addresses', async () => {
    let seed = 1;
    const random = () => (seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0) >>> 24;
    const ips = Array.from({ length: 100_000 }, () => `${random()}.${random()}.${random()}.${random()}`);
    await provider.lookup(ips.slice(0, 1000));
    const started = performance.now();
    const answers = await provider.lookup(ips);
    const seconds = (performance.now() - started) / 1000;
    const known = [...answers.values()].filter((answer) => answer !== null).length;
    console.log(
      `mmdb: ${answers.size} random IPv4 lookups in ${(seconds * 1000).toFixed(0)} ms ` +
        `(${Math.round(answers.size / seconds).toLocaleString('en')} lookups/s, ${known} with a country)`,
    );
    expect(answers.size).toBeGreaterThan(99_000);
  });
});
