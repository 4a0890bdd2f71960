import { createHash } from 'node:crypto';

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/** Email as Meta and GA4 match it: trimmed and lower-cased. Undefined when it is not an address. */
export function normalizeEmail(raw: string): string | undefined {
  const email = raw.trim().toLowerCase();
  const at = email.indexOf('@');
  if (at < 1 || at !== email.lastIndexOf('@') || /\s/.test(email)) return undefined;
  const domain = email.slice(at + 1);
  if (!/^[^.]+(\.[^.]+)+$/.test(domain)) return undefined;
  return email;
}

/**
 * Google's rule on top (Data Manager API formatting guide): for gmail.com and googlemail.com the
 * local part loses its `+tag` and every dot. Other domains are left as they are.
 */
export function normalizeEmailForGoogle(email: string): string | undefined {
  const at = email.indexOf('@');
  const domain = email.slice(at + 1);
  if (domain !== 'gmail.com' && domain !== 'googlemail.com') return email;
  const local = email.slice(0, at).split('+')[0]!.replaceAll('.', '');
  return local === '' ? undefined : `${local}@${domain}`;
}

/** E.164 (`+` and 8 to 15 digits, country code first). National numbers without a country code are refused. */
export function normalizePhone(raw: string): string | undefined {
  const compact = raw.trim().replace(/[\s().-]/g, '');
  const international = compact.startsWith('+')
    ? compact.slice(1)
    : compact.startsWith('00')
      ? compact.slice(2)
      : undefined;
  if (international === undefined || !/^[1-9]\d{7,14}$/.test(international)) return undefined;
  return `+${international}`;
}

/**
 * SHA-256 of the user's identifiers, in the form each destination matches on, because the
 * platforms normalise differently and a hash cannot be re-normalised later:
 * `em` (Meta, GA4), `em_google` (Google's gmail rule), `ph` (Meta: digits only), `ph_e164` (Google).
 * Raw values are never stored; values that do not normalise are dropped, since their hash matches nothing.
 */
export function hashUserIdentifiers(
  user: { email?: unknown; phone?: unknown } | undefined,
): Record<string, string> | null {
  if (user === undefined) return null;
  const hashes: Record<string, string> = {};
  const email = typeof user.email === 'string' ? normalizeEmail(user.email) : undefined;
  if (email !== undefined) {
    hashes.em = sha256(email);
    const google = normalizeEmailForGoogle(email);
    if (google !== undefined) hashes.em_google = sha256(google);
  }
  const phone = typeof user.phone === 'string' ? normalizePhone(user.phone) : undefined;
  if (phone !== undefined) {
    hashes.ph = sha256(phone.slice(1));
    hashes.ph_e164 = sha256(phone);
  }
  return Object.keys(hashes).length > 0 ? hashes : null;
}
