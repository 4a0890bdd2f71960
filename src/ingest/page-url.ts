import { personalDataNamed, scrubUrlComponent, scrubUrlPath, scrubValue } from './scrub-personal-data.ts';

export type UtmParameters = {
  source: string | null;
  medium: string | null;
  campaign: string | null;
  term: string | null;
  content: string | null;
};

export type ClickIds = {
  gclid: string | null;
  gbraid: string | null;
  wbraid: string | null;
  fbclid: string | null;
  msclkid: string | null;
  ttclid: string | null;
  li_fat_id: string | null;
};

export type PageUrl = {
  /**
   * Normalised URL without fragment, credentials, campaign parameters or personal-data parameters;
   * emails, phone numbers and tokens in the path and the remaining parameters replaced by
   * placeholders (scrub-personal-data.ts).
   */
  url: string;
  /** Lower case, no trailing dot. */
  hostname: string;
  /** Pathname as sent (still percent-encoded, personal data replaced), "/" at least. */
  path: string;
  /** Remaining parameters sorted by key so the same page groups together, or null when none remain. */
  query: string | null;
  utm: UtmParameters;
  clickIds: ClickIds;
};

const MAX_URL_LENGTH = 2048;
const MAX_UTM_LENGTH = 200;
const MAX_CLICK_ID_LENGTH = 512;

const UTM_FIELDS: ReadonlyMap<string, keyof UtmParameters> = new Map([
  ['utm_source', 'source'],
  ['utm_medium', 'medium'],
  ['utm_campaign', 'campaign'],
  ['utm_term', 'term'],
  ['utm_content', 'content'],
]);

const CLICK_ID_FIELDS: ReadonlyMap<string, keyof ClickIds> = new Map(
  (['gclid', 'gbraid', 'wbraid', 'fbclid', 'msclkid', 'ttclid', 'li_fat_id'] as const).map((key) => [
    key,
    key,
  ]),
);

// Forms that submit with GET and careless links put these in URLs; they must never reach storage,
// and neither must parameters whose names say phone number or secret (`personalDataNamed`).
const PERSONAL_DATA_KEYS: ReadonlySet<string> = new Set([
  'email',
  'e-mail',
  'mail',
  'phone',
  'tel',
  'password',
  'pass',
  'pwd',
  'token',
  'access_token',
  'auth',
  'key',
  'apikey',
  'api_key',
  'ssn',
  'name',
  'firstname',
  'lastname',
]);

/**
 * Splits a page URL into what reports group by and what attribution needs. Undefined when it is not an
 * absolute http(s) URL of at most 2048 characters.
 */
export function parsePageUrl(raw: string | undefined): PageUrl | undefined {
  if (typeof raw !== 'string' || raw.length > MAX_URL_LENGTH) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
  const hostname = parsed.hostname.replace(/\.+$/, '');
  if (hostname === '') return undefined;

  const utm: UtmParameters = { source: null, medium: null, campaign: null, term: null, content: null };
  const clickIds: ClickIds = {
    gclid: null,
    gbraid: null,
    wbraid: null,
    fbclid: null,
    msclkid: null,
    ttclid: null,
    li_fat_id: null,
  };
  const kept: { key: string; segment: string }[] = [];
  for (const segment of parsed.search.slice(1).split('&')) {
    if (segment === '') continue;
    const equals = segment.indexOf('=');
    const rawKey = equals === -1 ? segment : segment.slice(0, equals);
    const rawValue = equals === -1 ? '' : segment.slice(equals + 1);
    const key = decodeComponent(rawKey).toLowerCase();
    const utmField = UTM_FIELDS.get(key);
    const clickIdField = CLICK_ID_FIELDS.get(key);
    if (utmField !== undefined) {
      const value = cleanValue(rawValue, MAX_UTM_LENGTH);
      utm[utmField] ??= value === null ? null : scrubValue(value);
    } else if (clickIdField !== undefined) {
      clickIds[clickIdField] ??= cleanValue(rawValue, MAX_CLICK_ID_LENGTH);
    } else if (!key.startsWith('utm_') && !PERSONAL_DATA_KEYS.has(key) && !personalDataNamed(key)) {
      const scrubbedKey = scrubUrlComponent(rawKey);
      kept.push({
        key: scrubbedKey,
        segment: equals === -1 ? scrubbedKey : `${scrubbedKey}=${scrubUrlComponent(rawValue)}`,
      });
    }
  }
  // Array sort is stable, so repeated keys keep their relative order (it can matter to the page).
  kept.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const query = kept.length === 0 ? null : kept.map((entry) => entry.segment).join('&');

  const host = parsed.port === '' ? hostname : `${hostname}:${parsed.port}`;
  const path = scrubUrlPath(parsed.pathname);
  return {
    url: `${parsed.protocol}//${host}${path}${query === null ? '' : `?${query}`}`,
    hostname,
    path,
    query,
    utm,
    clickIds,
  };
}

/**
 * Whether an ad platform put a click id on the landing URL. fbclid is left out: Facebook appends it to every
 * outbound link, organic posts included.
 */
export function hasPaidClickId(clickIds: ClickIds): boolean {
  return (
    clickIds.gclid !== null ||
    clickIds.gbraid !== null ||
    clickIds.wbraid !== null ||
    clickIds.msclkid !== null ||
    clickIds.ttclid !== null ||
    clickIds.li_fat_id !== null
  );
}

function decodeComponent(value: string): string {
  const spaced = value.replaceAll('+', ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

function cleanValue(rawValue: string, maxLength: number): string | null {
  // PostgreSQL text cannot hold NUL, and "%00" decodes to one.
  let value = decodeComponent(rawValue).replaceAll('\u0000', '').trim();
  if (value.length > maxLength) {
    // Never leave half a surrogate pair behind.
    const end = isHighSurrogate(value.charCodeAt(maxLength - 1)) ? maxLength - 1 : maxLength;
    value = value.slice(0, end).trimEnd();
  }
  return value === '' ? null : value;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
