import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { AppError } from '../errors.ts';
import type { DestinationType } from './destination-type.ts';

// ajv-formats is CommonJS: under ESM its function arrives as the module's default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = addFormats(new Ajv({ allErrors: false, strict: false, coerceTypes: false, useDefaults: true }));
const compiled = new WeakMap<DestinationType, ValidateFunction>();

/** `config.oauth.refreshToken` from ajv's `/oauth` and a missing `refreshToken`. */
function fieldOf(error: ErrorObject): string {
  const segments = error.instancePath.split('/').filter(Boolean);
  const extra =
    (error.params as { missingProperty?: unknown; additionalProperty?: unknown }).missingProperty ??
    (error.params as { additionalProperty?: unknown }).additionalProperty;
  if (typeof extra === 'string') segments.push(extra);
  return ['config', ...segments].join('.');
}

function describe(error: ErrorObject, field: string): string {
  switch (error.keyword) {
    case 'required':
      return `${field} is required`;
    case 'additionalProperties':
      return `${field} is not a field of this destination type`;
    default:
      return `${field} ${error.message ?? 'is invalid'}`;
  }
}

/**
 * Checks a destination's whole configuration (secrets included, as given or kept) against its type's
 * schema, then the type's own rules. A problem is a 400 naming the field: `config.measurementId`.
 */
export function checkConfig(type: DestinationType, config: Record<string, unknown>): void {
  let validate = compiled.get(type);
  if (validate === undefined) {
    validate = ajv.compile(type.configSchema);
    compiled.set(type, validate);
  }
  if (!validate(config)) {
    const error = validate.errors![0]!;
    const field = fieldOf(error);
    throw new AppError('validation_failed', describe(error, field), { field });
  }
  const problem = type.validateConfig?.(config);
  if (problem !== undefined) {
    // Platforms name a field inside the config (`apiSecret`) or, like Google Ads, with the prefix.
    const inside = problem.field.replace(/^config\./, '');
    const field = `config.${inside}`;
    const message = problem.message.startsWith(inside)
      ? `config.${problem.message}`
      : problem.message.startsWith(field)
        ? problem.message
        : `${field} ${problem.message}`;
    throw new AppError('validation_failed', message, { field });
  }
}
