/**
 * Replaces personal data in free text (titles, event names, property values, URL components) with
 * placeholders, by what values look like rather than what they are called: an email address in
 * `?ref=`, a phone number in a title, a password-reset token in a path. Runs on every event, so a
 * single pass over the characters decides first whether any rule can apply at all; only the few
 * strings with an `@`, eight digits or a long unbroken run of letters and digits meet a regex.
 *
 * Every function here is idempotent (a placeholder never looks personal) and never throws.
 */

export const PLACEHOLDERS = { email: '[email]', phone: '[phone]', token: '[token]' } as const;

/**
 * Local part up to 64 characters (RFC 5321), without the characters that end it in text and URLs
 * and without brackets, so a placeholder never becomes part of a new match; then labels and a
 * letters-only top-level domain. Every quantifier is bounded, so a long string costs linear time.
 */
const EMAIL = /[^\s@<>()[\]\\,;:"'`/?&=#]{1,64}@(?:[\p{L}\p{N}_-]{1,63}\.){1,8}\p{L}{2,24}/gu;

/** header.payload.signature, each base64url; the header of every JWT starts `{"` → `eyJ`. */
const JWT = /eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]*/g;

/**
 * Digit groups joined by one separator each (space, dot, dash, slash, or a bracketed area code),
 * optionally led by `+`, not glued to a word, a number, an email or a placeholder (which stands where
 * a word was), nor continued by a dot, dash or slash and more of a word: digits that run on into
 * letters are an identifier (the UUID `08353253-8188-4a95-…`, a file `555-123-4567.pdf`). A `+`
 * before it may be a query string's space. Separators are mandatory between groups, so the pattern
 * cannot backtrack much. `isPhoneNumber` judges each candidate.
 */
const PHONE_CANDIDATE =
  /(?<![\w@./-]|\[(?:email|phone|token)\])(?:\+ ?)?\(?\d+(?:(?:\) ?|[ ./-]\(?)\d+)*(?![\w@]|[./-]\w)/g;

/** North American: (555) 123-4567, 555-123-4567, 555.123.4567, 1-800-555-0199. */
const NANP = /^(?:1[ .-]?)?(?:\([2-9]\d\d\) ?|[2-9]\d\d[ .-])\d{3}[ .-]\d{4}$/;

/** 24.12.2024, 12/24/2024, 2024-12-24: a date inside a candidate means it is a date (and a time). */
const DATE = /(?:^|\D)(?:\d{1,2}[./-]\d{1,2}[./-](?:19|20)\d\d|(?:19|20)\d\d[./-]\d{1,2}[./-]\d{1,2})(?!\d)/;

/** A UUID names a thing (an order, a document); it is an identifier, not a secret. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const TOKEN_CANDIDATE = /[A-Za-z0-9_-]{24,}/g;
const MIN_TOKEN_LENGTH = 24;
const MIN_PHONE_DIGITS = 8;

/**
 * A phone number by its format. Realistic negatives decide the rules: dates, times, years, prices,
 * order and product numbers (UPC/EAN), ISBNs, IPv4 addresses, postcodes and card numbers must
 * survive, so a bare run of digits is never a phone unless it has a trunk prefix:
 * - international: `+` and 8 to 15 digits (E.164), separators allowed: +49 30 12345678;
 * - North American with separators: (555) 123-4567, 555-123-4567;
 * - national with a trunk prefix 0 (not 00): 9 to 12 digits with separators (020 7946 0958,
 *   06 12 34 56 78, 0151/12345678), 10 or 11 without (07911123456, 0612345678).
 * A bare 10-digit North American number (5551234567) is not recognised: it looks like a Unix time.
 */
export function isPhoneNumber(candidate: string): boolean {
  const digits = countDigits(candidate);
  if (digits < MIN_PHONE_DIGITS || digits > 15 || DATE.test(candidate)) return false;
  if (candidate.startsWith('+')) return true;
  if (NANP.test(candidate)) return true;
  const national = candidate.startsWith('(') ? candidate.slice(1) : candidate;
  if (national[0] !== '0' || national[1] === '0' || national[1] === undefined) return false;
  const separated = digits !== candidate.length;
  return separated ? digits >= 9 && digits <= 12 : digits === 10 || digits === 11;
}

function countDigits(text: string): number {
  let digits = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code >= 48 && code <= 57) digits += 1;
  }
  return digits;
}

/**
 * A secret by its shape, judged on a run of letters, digits, `-` and `_` of 24 or more, and on each of
 * its `-`/`_`-separated parts of that length (a reset link's `<timestamp>-<hash>`): base64 or base62
 * with upper case, lower case and digits mixed as chance mixes them (at least a quarter of the letters
 * in each case, where CamelCase words have one capital each), or 32+ hex digits (hashes, session
 * ids). Slugs, CamelCase names, SKUs and UUIDs survive; so do lower-case base36 strings, which look
 * too much like slugs with numbers in them.
 */
export function looksLikeToken(run: string): boolean {
  if (run.length < MIN_TOKEN_LENGTH || UUID.test(run)) return false;
  if (looksRandom(run)) return true;
  return run
    .split(/[-_]/)
    .some((part) => part.length >= MIN_TOKEN_LENGTH && part.length < run.length && looksRandom(part));
}

function looksRandom(run: string): boolean {
  let upper = 0;
  let lower = 0;
  let digits = 0;
  let hexLetters = 0;
  for (let index = 0; index < run.length; index++) {
    const code = run.charCodeAt(index);
    if (code >= 48 && code <= 57) digits += 1;
    else if (code >= 65 && code <= 90) {
      upper += 1;
      if (code <= 70) hexLetters += 1;
    } else if (code >= 97 && code <= 122) {
      lower += 1;
      if (code <= 102) hexLetters += 1;
    }
  }
  const letters = upper + lower;
  if (digits === 0 || letters === 0) return false;
  const hex = hexLetters === letters && (upper === 0 || lower === 0);
  if (hex) return digits + letters >= 32;
  return upper * 4 >= letters && lower * 4 >= letters;
}

/**
 * The single pass that lets most strings through untouched: whether an email (an `@`), a phone
 * (eight digits) or a token (24 unbroken letters, digits, `-` or `_`) could be in there at all.
 */
function mayHoldPersonalData(text: string): boolean {
  let digits = 0;
  let run = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 64) return true;
    const isDigit = code >= 48 && code <= 57;
    if (isDigit) digits += 1;
    if (isDigit || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 45 || code === 95) {
      run += 1;
      if (run >= MIN_TOKEN_LENGTH) return true;
    } else run = 0;
  }
  return digits >= MIN_PHONE_DIGITS;
}

/** Replaces email addresses, phone numbers, JWTs and other tokens in free text with placeholders. */
export function scrubText(text: string): string {
  if (typeof text !== 'string' || !mayHoldPersonalData(text)) return text;
  let result = text.includes('@') ? text.replace(EMAIL, PLACEHOLDERS.email) : text;
  if (result.includes('eyJ')) result = result.replace(JWT, PLACEHOLDERS.token);
  result = result.replace(TOKEN_CANDIDATE, (run) => (looksLikeToken(run) ? PLACEHOLDERS.token : run));
  return result.replace(PHONE_CANDIDATE, (candidate) =>
    isPhoneNumber(candidate) ? PLACEHOLDERS.phone : candidate,
  );
}

/**
 * One component of a URL (a path segment, a query key or value) as it appears in the URL,
 * percent-encoded: judged decoded, returned encoded, and returned as it came when nothing changed.
 * A `+` is judged as itself, not as a space, so `+49…` and `jane+news@…` are recognised.
 */
export function scrubUrlComponent(raw: string): string {
  if (typeof raw !== 'string' || !(raw.includes('%') || mayHoldPersonalData(raw))) return raw;
  let decoded: string | undefined;
  try {
    decoded = raw.includes('%') ? decodeURIComponent(raw) : raw;
  } catch {
    decoded = undefined;
  }
  // Malformed escapes: judged as they are, placeholders left unencoded (an encoded one would run
  // into the text after it: `%5D` + `abc…` reads as one longer word).
  if (decoded === undefined) return scrubText(raw);
  const scrubbed = scrubText(decoded);
  // `'` as well: URL parsers encode it in query strings, so a parsed-again URL stays the same.
  return scrubbed === decoded ? raw : encodeURIComponent(scrubbed).replaceAll("'", '%27');
}

/** An http(s) URL in text runs to the next white space. */
const URL_IN_TEXT = /https?:\/\/\S+/gi;
const URL_ORIGIN = /^https?:\/\/[^/?#]*/i;

/** A URL's path, percent-encoded as in the URL, segment by segment. */
export function scrubUrlPath(path: string): string {
  if (typeof path !== 'string' || !(path.includes('%') || mayHoldPersonalData(path))) return path;
  return path.split('/').map(scrubUrlComponent).join('/');
}

/**
 * An absolute URL inside free text (a property holding a link): its path segments, query and
 * fragment are judged component by component, the scheme and host never.
 */
function scrubUrlText(url: string): string {
  const origin = URL_ORIGIN.exec(url)?.[0] ?? '';
  return origin + url.slice(origin.length).replace(/[^/?#&=;]+/g, scrubUrlComponent);
}

/**
 * Free text with any http(s) URLs in it judged URL by URL, component by component, and the text
 * around them as text. Every URL is judged the same way whether it stands alone or not: judging
 * `https://x.example/555-123-4567)0151 12345678` as text replaced the number after the space, and
 * the result, a single URL now, was judged again as a URL (not idempotent).
 */
export function scrubValue(text: string): string {
  if (typeof text !== 'string' || !(text.includes('%') || mayHoldPersonalData(text))) return text;
  let scrubbed = '';
  let end = 0;
  for (const url of text.matchAll(URL_IN_TEXT)) {
    scrubbed += scrubText(text.slice(end, url.index)) + scrubUrlText(url[0]);
    end = url.index + url[0].length;
  }
  return end === 0 ? scrubText(text) : scrubbed + scrubText(text.slice(end));
}

/** What a property's name says its values are, whatever they look like. */
type KeyedPlaceholder = (typeof PLACEHOLDERS)['phone' | 'token'];

/**
 * Names whose values are personal whatever their shape: a phone number written as bare digits
 * (5551234567) or a password. Matched at the end of the name, in any case, words joined by nothing,
 * `_`, `-`, `.` or a space: `phone`, `mobile_number`, `customerPhone`, `user-password` count,
 * `phones_sold`, `hotel` and `telemetry` do not. Tested on the name as it is: no copy per key.
 */
const PHONE_KEY = /(?:phone(?:[-_. ]?number)?|mobile(?:[-_. ]?number)?|^tel|cell|fax|whats[-_. ]?app)$/i;
const SECRET_KEY = /(?:pass(?:word|wd)|^pwd|secret|token|api[-_. ]?key|access[-_. ]?key|private[-_. ]?key)$/i;
/** Either of them, so the usual name that is neither costs one test. */
const PERSONAL_KEY = new RegExp(`${PHONE_KEY.source}|${SECRET_KEY.source}`, 'i');
/** A phone-named value with fewer digits is something else (`mobile: "iPhone"`, `phone: 1`). */
const MIN_KEYED_PHONE_DIGITS = 6;

/** What a name (a property's, a query parameter's) says its values are: a phone number, a secret, or neither. */
export function personalDataNamed(key: string): KeyedPlaceholder | undefined {
  if (typeof key !== 'string' || !PERSONAL_KEY.test(key)) return undefined;
  return PHONE_KEY.test(key) ? PLACEHOLDERS.phone : PLACEHOLDERS.token;
}

function scrubKeyed(value: string | number, keyed: KeyedPlaceholder): string | number {
  if (keyed === PLACEHOLDERS.token) return value === '' ? value : keyed;
  return countDigits(String(value)) >= MIN_KEYED_PHONE_DIGITS ? keyed : value;
}

/**
 * Scrubs custom properties at any depth: keys and string values by what they look like (a value that
 * is a URL component by component), and every string or number under a phone- or secret-named key
 * by its name. Booleans and null stay. Returns the same object when nothing changed.
 */
export function scrubProps(props: Record<string, unknown>): Record<string, unknown> {
  const visit = (value: unknown, keyed: KeyedPlaceholder | undefined): unknown => {
    if (typeof value === 'string') {
      const byName = keyed === undefined ? value : scrubKeyed(value, keyed);
      return byName === value ? scrubValue(value) : byName;
    }
    if (typeof value === 'number') return keyed === undefined ? value : scrubKeyed(value, keyed);
    if (Array.isArray(value)) {
      let changed: unknown[] | undefined;
      for (let index = 0; index < value.length; index++) {
        const next = visit(value[index], keyed);
        if (next !== value[index]) (changed ??= [...value])[index] = next;
      }
      return changed ?? value;
    }
    if (value !== null && typeof value === 'object') {
      // Most props hold nothing personal: look first without allocating, copy only on a change.
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record);
      const scrubEntry = (key: string) =>
        [scrubText(key), visit(record[key], keyed ?? personalDataNamed(key))] as const;
      for (const key of keys) {
        const [nextKey, next] = scrubEntry(key);
        if (nextKey !== key || next !== record[key]) return Object.fromEntries(keys.map(scrubEntry));
      }
      return value;
    }
    return value;
  };
  if (props === null || typeof props !== 'object') return props;
  return visit(props, undefined) as Record<string, unknown>;
}
