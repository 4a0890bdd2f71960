import { Ajv } from 'ajv';
import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import { DEFAULT_META_API_VERSION, MetaConfig, validateMetaConfig } from './meta-config.ts';

const schema = Compile(MetaConfig);
const valid = { pixelId: '1234567890123456', accessToken: 'EAAtoken' };

describe('MetaConfig', () => {
  it.each<[string, Record<string, unknown>]>([
    ['the minimum', valid],
    ['a version', { ...valid, apiVersion: 'v26.0' }],
    ['a test code', { ...valid, testEventCode: 'TEST12345' }],
  ])('takes %s', (_, config) => {
    expect(schema.Check(config)).toBe(true);
  });

  describe('robustness to invalid data', () => {
    it.each<[string, unknown]>([
      ['no pixel', { accessToken: 'EAAtoken' }],
      ['a pixel with letters', { ...valid, pixelId: 'px-123' }],
      ['a numeric pixel', { ...valid, pixelId: 1234567890123456 }],
      ['no token', { pixelId: valid.pixelId }],
      ['an empty token', { ...valid, accessToken: '' }],
      ['a huge token', { ...valid, accessToken: 'x'.repeat(10_000) }],
      ['a version without v', { ...valid, apiVersion: '25.0' }],
      ['a version without minor', { ...valid, apiVersion: 'v25' }],
      ['a test code with spaces', { ...valid, testEventCode: 'TEST 1' }],
      ['an unknown field', { ...valid, pixel: '1' }],
      ['not an object', 'config'],
      ['null', null],
    ])('refuses %s', (_, config) => {
      expect(schema.Check(config)).toBe(false);
    });
  });
});

it('stores no version a destination did not choose, so raising the default moves it too', () => {
  // As the API validates bodies: ajv filling in schema defaults.
  const validate = new Ajv({ useDefaults: true, strict: false }).compile(MetaConfig);
  const config = { ...valid };
  expect(validate(config)).toBe(true);
  expect(config).toEqual(valid);
});

describe('validateMetaConfig', () => {
  it.each<[string | undefined]>([[undefined], ['v25.0'], [DEFAULT_META_API_VERSION], ['v30.0']])(
    'takes apiVersion %j',
    (apiVersion) => {
      expect(
        validateMetaConfig({ ...valid, ...(apiVersion === undefined ? {} : { apiVersion }) }),
      ).toBeUndefined();
    },
  );

  it.each([['v24.0'], ['v19.0'], ['v2.12']])('refuses the retired %s, naming apiVersion', (apiVersion) => {
    expect(validateMetaConfig({ ...valid, apiVersion })).toEqual({
      field: 'apiVersion',
      message: expect.stringMatching(new RegExp(`${apiVersion} is retired`)),
    });
  });
});
