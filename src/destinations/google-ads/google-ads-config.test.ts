import { generateKeyPairSync } from 'node:crypto';
import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { createValidatorCompiler } from '../../http/validation.ts';
import {
  customerDigits,
  GoogleAdsConfig,
  parseCredential,
  validateGoogleAdsConfig,
} from './google-ads-config.ts';

const privateKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
  type: 'pkcs8',
  format: 'pem',
}) as string;
const serviceAccountKey = JSON.stringify({
  type: 'service_account',
  private_key_id: 'abc123',
  private_key: privateKey,
  client_email: 'beacon@project.iam.gserviceaccount.com',
});
const refreshOauth = {
  clientId: 'client.apps.googleusercontent.com',
  clientSecret: 'secret',
  refreshToken: '1//token',
};
const valid = { customerId: '123-456-7890', conversionActionId: '555000111', oauth: refreshOauth };

/** The body validator the API uses, on `{config}`: answers the field of the first error as the API would name it. */
const validate = createValidatorCompiler()({
  schema: Type.Object({ config: GoogleAdsConfig }),
  httpPart: 'body',
  method: 'POST',
  url: '/api/sites/:siteId/destinations',
}) as ((data: unknown) => boolean) & {
  errors?: Array<{ instancePath: string; params: Record<string, unknown> }>;
};

function schemaField(config: unknown): string | undefined {
  if (validate({ config })) return undefined;
  const error = validate.errors![0]!;
  const extra = error.params.missingProperty ?? error.params.additionalProperty;
  return [
    ...error.instancePath.split('/').filter(Boolean),
    ...(typeof extra === 'string' ? [extra] : []),
  ].join('.');
}

describe('GoogleAdsConfig schema', () => {
  it.each([
    ['customer id with dashes', valid],
    ['customer id as digits', { ...valid, customerId: '1234567890' }],
    ['manager account', { ...valid, loginCustomerId: '987-654-3210' }],
    ['legacy with developer token', { ...valid, api: 'legacy', developerToken: 'abcDEF123_-' }],
    ['service account', { ...valid, oauth: { serviceAccountKey } }],
  ])('accepts %s', (_, config) => {
    expect(schemaField(config)).toBeUndefined();
  });

  it('defaults api to datamanager', () => {
    const config = structuredClone(valid) as Record<string, unknown>;
    validate({ config });
    expect(config.api).toBe('datamanager');
  });

  it.each([
    ['a customer id of 9 digits', { ...valid, customerId: '123456789' }, 'config.customerId'],
    ['a customer id with spaces', { ...valid, customerId: '123 456 7890' }, 'config.customerId'],
    [
      'a conversion action resource name',
      { ...valid, conversionActionId: 'customers/1/conversionActions/2' },
      'config.conversionActionId',
    ],
    ['an unknown api', { ...valid, api: 'v2' }, 'config.api'],
    ['a login customer id in words', { ...valid, loginCustomerId: 'manager' }, 'config.loginCustomerId'],
    ['no oauth', { customerId: '1234567890', conversionActionId: '1' }, 'config.oauth'],
    [
      'an unknown oauth field',
      { ...valid, oauth: { ...refreshOauth, accessToken: 'x' } },
      'config.oauth.accessToken',
    ],
    [
      'an empty refresh token',
      { ...valid, oauth: { ...refreshOauth, refreshToken: '' } },
      'config.oauth.refreshToken',
    ],
    ['an unknown field', { ...valid, pixelId: '1' }, 'config.pixelId'],
  ])('refuses %s, naming %s', (_, config, field) => {
    expect(schemaField(config)).toBe(field);
  });
});

describe('validateGoogleAdsConfig', () => {
  it.each([
    ['a refresh-token credential', valid],
    ['a service-account credential', { ...valid, oauth: { serviceAccountKey } }],
    ['legacy with a developer token', { ...valid, api: 'legacy' as const, developerToken: 'dev' }],
  ])('accepts %s', (_, config) => {
    expect(validateGoogleAdsConfig(config)).toBeUndefined();
  });

  it.each([
    ['legacy without a developer token', { ...valid, api: 'legacy' as const }, 'config.developerToken'],
    ['a refresh token alone', { ...valid, oauth: { refreshToken: '1//x' } }, 'config.oauth.clientId'],
    [
      'no client secret',
      { ...valid, oauth: { clientId: 'c', refreshToken: 'r' } },
      'config.oauth.clientSecret',
    ],
    [
      'no refresh token',
      { ...valid, oauth: { clientId: 'c', clientSecret: 's' } },
      'config.oauth.refreshToken',
    ],
    ['nothing in oauth', { ...valid, oauth: {} }, 'config.oauth.clientId'],
    [
      'both shapes at once',
      { ...valid, oauth: { ...refreshOauth, serviceAccountKey } },
      'config.oauth.clientId',
    ],
    [
      'a key that is not JSON',
      { ...valid, oauth: { serviceAccountKey: '-----BEGIN PRIVATE KEY-----' } },
      'config.oauth.serviceAccountKey',
    ],
    [
      'an OAuth client file instead of a key',
      { ...valid, oauth: { serviceAccountKey: '{"installed":{"client_id":"x"}}' } },
      'config.oauth.serviceAccountKey',
    ],
    [
      'a key without client_email',
      {
        ...valid,
        oauth: { serviceAccountKey: JSON.stringify({ type: 'service_account', private_key: privateKey }) },
      },
      'config.oauth.serviceAccountKey',
    ],
    [
      'a key with a broken private_key',
      {
        ...valid,
        oauth: {
          serviceAccountKey: JSON.stringify({
            type: 'service_account',
            client_email: 'a@b',
            private_key: 'garbage',
          }),
        },
      },
      'config.oauth.serviceAccountKey',
    ],
  ])('refuses %s, naming %s', (_, config, field) => {
    expect(validateGoogleAdsConfig(config)).toEqual({ field, message: expect.any(String) });
  });

  it('reads the key file into a credential', () => {
    expect(parseCredential({ serviceAccountKey })).toEqual({
      ok: true,
      value: {
        kind: 'service_account',
        clientEmail: 'beacon@project.iam.gserviceaccount.com',
        privateKey,
        privateKeyId: 'abc123',
      },
    });
  });

  describe('robustness to invalid data', () => {
    it.each([
      ['null'],
      ['[]'],
      ['42'],
      ['"text"'],
      [`{"type":"service_account","client_email":"a@b","private_key":${JSON.stringify('x'.repeat(10_000))}}`],
    ])('refuses the key %s without throwing', (key) => {
      expect(
        validateGoogleAdsConfig({ ...valid, oauth: { serviceAccountKey: key.slice(0, 16_000) } })?.field,
      ).toBe('config.oauth.serviceAccountKey');
    });
  });
});

describe('customerDigits', () => {
  it.each([
    ['123-456-7890', '1234567890'],
    ['1234567890', '1234567890'],
  ])('%s → %s', (input, expected) => {
    expect(customerDigits(input)).toBe(expected);
  });
});
