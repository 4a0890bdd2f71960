import { normalizeEmail } from '../../ingest/user-hashes.ts';
import { sha256Hex } from '../../lib/ids.ts';

/**
 * Meta's customer information parameters that must be SHA-256 hashed, normalised first exactly as
 * Meta specifies ("Customer information parameters", with Meta's own test vectors; where the page
 * is silent, Meta's official parameter builder library, `facebook/capi-param-builder`).
 */
export const META_HASHED_KEYS = [
  'em',
  'ph',
  'fn',
  'ln',
  'ge',
  'db',
  'ct',
  'st',
  'zp',
  'country',
  'external_id',
] as const;

export type MetaHashedKey = (typeof META_HASHED_KEYS)[number];

const SHA256_HEX = /^[0-9a-f]{64}$/i;

/** A value that already is a SHA-256 (64 hex digits): Meta takes it as is, lower case, never hashed twice. */
export function isSha256Hex(value: string): boolean {
  return SHA256_HEX.test(value);
}

/** ASCII punctuation and any whitespace: what Meta's parameter builder strips from names. */
const PUNCTUATION_AND_SPACE = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~\s]+/gu;

/** Everything but letters (any script, as UTF-8): city and region keep only their letters. */
const NOT_A_LETTER = /[^\p{L}]+/gu;

const US_STATES: Readonly<Record<string, string>> = {
  alabama: 'al',
  alaska: 'ak',
  arizona: 'az',
  arkansas: 'ar',
  california: 'ca',
  colorado: 'co',
  connecticut: 'ct',
  delaware: 'de',
  districtofcolumbia: 'dc',
  florida: 'fl',
  georgia: 'ga',
  hawaii: 'hi',
  idaho: 'id',
  illinois: 'il',
  indiana: 'in',
  iowa: 'ia',
  kansas: 'ks',
  kentucky: 'ky',
  louisiana: 'la',
  maine: 'me',
  maryland: 'md',
  massachusetts: 'ma',
  michigan: 'mi',
  minnesota: 'mn',
  mississippi: 'ms',
  missouri: 'mo',
  montana: 'mt',
  nebraska: 'ne',
  nevada: 'nv',
  newhampshire: 'nh',
  newjersey: 'nj',
  newmexico: 'nm',
  newyork: 'ny',
  northcarolina: 'nc',
  northdakota: 'nd',
  ohio: 'oh',
  oklahoma: 'ok',
  oregon: 'or',
  pennsylvania: 'pa',
  rhodeisland: 'ri',
  southcarolina: 'sc',
  southdakota: 'sd',
  tennessee: 'tn',
  texas: 'tx',
  utah: 'ut',
  vermont: 'vt',
  virginia: 'va',
  washington: 'wa',
  westvirginia: 'wv',
  wisconsin: 'wi',
  wyoming: 'wy',
};

/** The 249 officially assigned ISO 3166-1 alpha-2 codes: `zz` or `uk` are well formed and match nobody. */
const COUNTRIES: ReadonlySet<string> = new Set(
  [
    'ad ae af ag ai al am ao aq ar as at au aw ax az',
    'ba bb bd be bf bg bh bi bj bl bm bn bo bq br bs bt bv bw by bz',
    'ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg eh er es et',
    'fi fj fk fm fo fr ga gb gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu',
    'id ie il im in io iq ir is it je jm jo jp ke kg kh ki km kn kp kr kw ky kz',
    'la lb lc li lk lr ls lt lu lv ly',
    'ma mc md me mf mg mh mk ml mm mn mo mp mq mr ms mt mu mv mw mx my mz',
    'na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pl pm pn pr ps pt pw py qa',
    're ro rs ru rw sa sb sc sd se sg sh si sj sk sl sm sn so sr ss st sv sx sy sz',
    'tc td tf tg th tj tk tl tm tn to tr tt tv tw tz ua ug um us uy uz va vc ve vg vi vn vu wf ws',
    'ye yt za zm zw',
  ]
    .join(' ')
    .split(' '),
);

function normalizePhone(raw: string): string | undefined {
  // Symbols, letters and leading zeros go; the country code must already be there (Meta cannot
  // guess it), so `0049 30 1234567` and `+49 30 1234567` both become 49301234567.
  const digits = raw.replace(/\D/g, '').replace(/^0+/, '');
  return digits.length >= 7 && digits.length <= 15 ? digits : undefined;
}

function normalizeName(raw: string): string | undefined {
  const name = raw.normalize('NFC').toLowerCase().replace(PUNCTUATION_AND_SPACE, '');
  return name === '' ? undefined : name;
}

function normalizeGender(raw: string): string | undefined {
  const gender = raw.trim().toLowerCase();
  if (gender === 'f' || gender === 'female') return 'f';
  if (gender === 'm' || gender === 'male') return 'm';
  return undefined;
}

/**
 * YYYYMMDD, from `19970216`, `1997-02-16`, `1997/02/16` or `1997.02.16`: year first only, since
 * `02/03/1997` is a different day in the US and in Europe and a wrong date matches nobody.
 */
function normalizeDateOfBirth(raw: string, currentYear: number): string | undefined {
  const match = /^(\d{4})[-/. ]?(\d{2})[-/. ]?(\d{2})$/.exec(raw.trim());
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (year < 1900 || year > currentYear || month < 1 || month > 12) return undefined;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day >= 1 && day <= daysInMonth ? `${match[1]}${match[2]}${match[3]}` : undefined;
}

function normalizeCity(raw: string): string | undefined {
  const city = raw.normalize('NFC').toLowerCase().replace(NOT_A_LETTER, '');
  return city === '' ? undefined : city;
}

/** US states as their two-letter code (`California` → `ca`); elsewhere the letters of the name. */
function normalizeState(raw: string): string | undefined {
  const state = normalizeCity(raw);
  return state === undefined ? undefined : (US_STATES[state] ?? state);
}

/**
 * A US ZIP (or ZIP+4) keeps its first five digits; any other postcode loses spaces and dashes
 * (`M1 1AE` → `m11ae`). Fewer than two characters is no postcode.
 */
function normalizeZip(raw: string): string | undefined {
  const compact = raw.trim().toLowerCase();
  const us = /^(\d{5})(?:-?\d{4})?$/.exec(compact);
  const zip = us ? us[1]! : compact.replace(/[\s-]+/g, '');
  return zip.length >= 2 && /^[\p{L}\p{N}]+$/u.test(zip) ? zip : undefined;
}

function normalizeCountry(raw: string): string | undefined {
  const code = raw.trim().toLowerCase();
  return COUNTRIES.has(code) ? code : undefined;
}

/** Meta's parameter builder: lower case, no whitespace; the advertiser's id otherwise as it is. */
function normalizeExternalId(raw: string): string | undefined {
  const id = raw.toLowerCase().replace(/\s+/g, '');
  return id === '' ? undefined : id;
}

/**
 * The value Meta hashes for `key`, or undefined when `raw` cannot be normalised into one (a hash of
 * something malformed matches nobody, so it is better not sent). `today` bounds a date of birth.
 */
export function normalizeMetaValue(key: MetaHashedKey, raw: string, today = new Date()): string | undefined {
  switch (key) {
    case 'em':
      return normalizeEmail(raw);
    case 'ph':
      return normalizePhone(raw);
    case 'fn':
    case 'ln':
      return normalizeName(raw);
    case 'ge':
      return normalizeGender(raw);
    case 'db':
      return normalizeDateOfBirth(raw, today.getUTCFullYear());
    case 'ct':
      return normalizeCity(raw);
    case 'st':
      return normalizeState(raw);
    case 'zp':
      return normalizeZip(raw);
    case 'country':
      return normalizeCountry(raw);
    case 'external_id':
      return normalizeExternalId(raw);
  }
}

/**
 * What Meta receives for `key`: the SHA-256 (lower-case hex) of the normalised value. A value that
 * already is a SHA-256 is passed on as it is (lower case), never hashed twice. Undefined for
 * anything that is not a string or does not normalise.
 */
export function hashMetaValue(key: MetaHashedKey, raw: unknown, today = new Date()): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const trimmed = raw.trim();
  if (isSha256Hex(trimmed)) return trimmed.toLowerCase();
  const normalized = normalizeMetaValue(key, trimmed, today);
  return normalized === undefined ? undefined : sha256Hex(normalized);
}
