import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS: under ESM its function arrives as the module's default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** The longest address SMTP carries (RFC 5321 path limit), as the API's schemas allow. */
const MAX_EMAIL_LENGTH = 254;

const validateEmail = addFormats(new Ajv()).compile<string>({
  type: 'string',
  format: 'email',
  maxLength: MAX_EMAIL_LENGTH,
});

/**
 * Whether `value` is an email address by the one rule Beacon has: the API's `format: 'email'`
 * (ajv-formats), also applied to BEACON_ADMIN_EMAIL, the CLI's --email and new owners, so an
 * address one of them accepts is never refused by another.
 */
export function isEmailAddress(value: unknown): boolean {
  return validateEmail(value);
}
