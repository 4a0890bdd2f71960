import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

// ajv-formats is CommonJS: under ESM its function arrives as the module's default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const common: Options = { removeAdditional: false, useDefaults: true, allErrors: false, strict: false };

/**
 * Unknown fields are refused where a schema says `additionalProperties: false` (management APIs name
 * the stray field) and ignored elsewhere (tracking, so older Beacons accept newer trackers).
 * Bodies are JSON and must carry the right types: `{"name": 42}` is an error, not the string "42".
 * Query strings and path parameters are text by nature, so there numbers and booleans are coerced.
 */
export function createValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const strict = new Ajv({ ...common, coerceTypes: false });
  const coercing = new Ajv({ ...common, coerceTypes: 'array' });
  addFormats(strict);
  addFormats(coercing);
  return ({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema as object);
}
