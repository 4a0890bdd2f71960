import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../../test/helpers.ts';

// ajv-formats is CommonJS: under ESM its function arrives as the module's default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const context = useTestApp();

/**
 * Operations whose request body has no example yet, each with the reason. An entry that gains an
 * example fails the test below until it is removed, so this list only shrinks.
 */
const BODIES_WITHOUT_EXAMPLES: Record<string, string> = {};

interface Media {
  schema?: unknown;
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
}
interface Operation {
  requestBody?: { content: Record<string, Media> };
  responses?: Record<string, { content?: Record<string, Media> }>;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, unknown> };
}

const METHODS = ['get', 'put', 'post', 'patch', 'delete'];

let document: OpenApiDocument;
beforeAll(async () => {
  const response = await context.app.inject({ method: 'GET', url: '/api/openapi.json' });
  expect(response.statusCode, response.body).toBe(200);
  document = response.json<OpenApiDocument>();
});

function operations(): Array<{ name: string; operation: Operation }> {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method] !== undefined).map((method) => ({
      name: `${method.toUpperCase()} ${path}`,
      operation: item[method]!,
    })),
  );
}

/** A media object's examples: Swagger UI shows `example` (one) or `examples` (several) as the body. */
function examplesOf(media: Media): unknown[] {
  if (media.example !== undefined) return [media.example];
  return Object.values(media.examples ?? {}).map((entry) => entry.value);
}

/** Every media object (request bodies and responses) that carries examples, with where it is. */
function mediaWithExamples(): Array<{ where: string; media: Media; examples: unknown[] }> {
  return operations().flatMap(({ name, operation }) => {
    const media = [
      ...Object.entries(operation.requestBody?.content ?? {}).map(([type, m]) => ({
        where: `${name} request ${type}`,
        media: m,
      })),
      ...Object.entries(operation.responses ?? {}).flatMap(([status, response]) =>
        Object.entries(response.content ?? {}).map(([type, m]) => ({
          where: `${name} ${status} ${type}`,
          media: m,
        })),
      ),
    ];
    return media
      .map((entry) => ({ ...entry, examples: examplesOf(entry.media) }))
      .filter((entry) => entry.examples.length > 0);
  });
}

/**
 * The schema with `additionalProperties: false` wherever an object schema leaves it open by default,
 * so that an example with a misspelt or stale field fails; an explicit `true` stays.
 */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (typeof schema !== 'object' || schema === null) return schema;
  const copy = Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, closed(value)]));
  if ('properties' in copy && !('additionalProperties' in copy)) copy.additionalProperties = false;
  return copy;
}

describe('OpenAPI document', () => {
  it('has a whole-body example for every request body, so /docs shows one', () => {
    const missing = operations()
      .filter(({ operation }) => operation.requestBody !== undefined)
      .filter(({ operation }) =>
        Object.values(operation.requestBody!.content).some((media) => examplesOf(media).length === 0),
      )
      .map(({ name }) => name);
    const unexplained = missing.filter((name) => !(name in BODIES_WITHOUT_EXAMPLES));
    expect(unexplained, 'add `examples` to these request body schemas').toEqual([]);
    const stale = Object.keys(BODIES_WITHOUT_EXAMPLES).filter((name) => !missing.includes(name));
    expect(stale, 'these have examples now: remove them from BODIES_WITHOUT_EXAMPLES').toEqual([]);
  });

  it('documents request bodies at all (the walk above is not vacuous)', () => {
    const withBodies = operations().filter(({ operation }) => operation.requestBody !== undefined);
    expect(withBodies.map(({ name }) => name)).toEqual(
      expect.arrayContaining(['POST /api/auth/login', 'POST /api/invitations', 'POST /api/track/batch']),
    );
  });

  it('has only examples that its own schemas accept, requests and responses alike', () => {
    const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
    addFormats(ajv);
    const checked = mediaWithExamples();
    expect(checked.length).toBeGreaterThan(20);
    const invalid = checked.flatMap(({ where, media, examples }) => {
      // The components travel along so that `#/components/schemas/…` references resolve.
      const validate = ajv.compile({
        allOf: [closed(media.schema)],
        components: closed(document.components),
      });
      return examples.flatMap((example, index) =>
        validate(example) ? [] : [`${where}, example ${index + 1}: ${ajv.errorsText(validate.errors)}`],
      );
    });
    expect(invalid).toEqual([]);
  });
});
