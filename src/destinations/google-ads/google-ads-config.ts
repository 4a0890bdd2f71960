import { createPrivateKey } from 'node:crypto';
import { Type, type Static } from 'typebox';

/** A Google Ads customer id as the UI shows it (`123-456-7890`) or as digits; sent as digits. */
const customerId = (description: string) =>
  Type.String({
    pattern: '^\\d{3}-?\\d{3}-?\\d{4}$',
    description: `${description}: \`123-456-7890\` or \`1234567890\``,
  });

export const ConversionActionId = Type.String({
  pattern: '^\\d{1,20}$',
  description: 'A conversion action id: digits, not the resource name `customers/…/conversionActions/…`',
});

export const GoogleAdsOauth = Type.Object(
  {
    clientId: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    clientSecret: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    refreshToken: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    serviceAccountKey: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 16_384,
        description: "The service account's JSON key file, as text",
      }),
    ),
  },
  {
    additionalProperties: false,
    description:
      'Either `{clientId, clientSecret, refreshToken}` (an OAuth client and a user who granted it access) or `{serviceAccountKey}`',
  },
);
export type GoogleAdsOauth = Static<typeof GoogleAdsOauth>;

export const GoogleAdsConfig = Type.Object(
  {
    customerId: customerId('The Google Ads account that receives the conversions'),
    conversionActionId: ConversionActionId,
    loginCustomerId: Type.Optional(
      customerId('The manager (MCC) account the credential reaches it through, if any'),
    ),
    api: Type.Optional(
      Type.Union([Type.Literal('datamanager'), Type.Literal('legacy')], {
        default: 'datamanager',
        description:
          '`datamanager` (events:ingest, no developer token) or `legacy` (uploadClickConversions, for accounts Google still allows)',
      }),
    ),
    developerToken: Type.Optional(
      Type.String({ minLength: 1, maxLength: 256, description: 'Required with `api: "legacy"`' }),
    ),
    oauth: GoogleAdsOauth,
  },
  { additionalProperties: false },
);
export type GoogleAdsConfig = Static<typeof GoogleAdsConfig>;

export const GOOGLE_ADS_SECRET_FIELDS = [
  'developerToken',
  'oauth.clientSecret',
  'oauth.refreshToken',
  'oauth.serviceAccountKey',
] as const;

/** What mints access tokens: a user's refresh token with its OAuth client, or a service account's key. */
export type GoogleCredential =
  | { kind: 'refresh_token'; clientId: string; clientSecret: string; refreshToken: string }
  | { kind: 'service_account'; clientEmail: string; privateKey: string; privateKeyId: string | undefined };

type Problem = { field: string; message: string };
type Parsed<T> = { ok: true; value: T } | ({ ok: false } & Problem);

/** `123-456-7890` → `1234567890`: both APIs take digits only. */
export function customerDigits(customerId: string): string {
  return customerId.replaceAll('-', '');
}

function parseServiceAccountKey(text: string): Parsed<GoogleCredential> {
  const field = 'config.oauth.serviceAccountKey';
  let key: unknown;
  try {
    key = JSON.parse(text);
  } catch {
    return { ok: false, field, message: 'is not JSON: paste the whole key file Google Cloud gave you' };
  }
  if (typeof key !== 'object' || key === null || Array.isArray(key)) {
    return { ok: false, field, message: 'is not a service-account key file (a JSON object)' };
  }
  const record = key as Record<string, unknown>;
  if (record.type !== 'service_account') {
    return {
      ok: false,
      field,
      message: 'is not a service-account key: its "type" must be "service_account"',
    };
  }
  if (typeof record.client_email !== 'string' || !record.client_email.includes('@')) {
    return { ok: false, field, message: 'has no "client_email"' };
  }
  if (typeof record.private_key !== 'string') return { ok: false, field, message: 'has no "private_key"' };
  try {
    if (createPrivateKey(record.private_key).asymmetricKeyType !== 'rsa') {
      return { ok: false, field, message: 'has a "private_key" that is not an RSA key' };
    }
  } catch {
    return { ok: false, field, message: 'has a "private_key" that is not a readable PEM key' };
  }
  return {
    ok: true,
    value: {
      kind: 'service_account',
      clientEmail: record.client_email,
      privateKey: record.private_key,
      privateKeyId: typeof record.private_key_id === 'string' ? record.private_key_id : undefined,
    },
  };
}

/**
 * The credential `oauth` describes. The schema lists the fields; which combinations make a
 * credential is said here, so that a mistake is named by its field (`config.oauth.refreshToken`)
 * rather than by a branch of a union the client never thought about.
 */
export function parseCredential(oauth: GoogleAdsOauth): Parsed<GoogleCredential> {
  const { clientId, clientSecret, refreshToken, serviceAccountKey } = oauth;
  if (serviceAccountKey !== undefined) {
    const extra = (['clientId', 'clientSecret', 'refreshToken'] as const).find(
      (name) => oauth[name] !== undefined,
    );
    if (extra !== undefined) {
      return {
        ok: false,
        field: `config.oauth.${extra}`,
        message: 'cannot be given with serviceAccountKey: use either a refresh token or a service account',
      };
    }
    return parseServiceAccountKey(serviceAccountKey);
  }
  if (clientId === undefined || clientSecret === undefined || refreshToken === undefined) {
    const missing =
      clientId === undefined ? 'clientId' : clientSecret === undefined ? 'clientSecret' : 'refreshToken';
    return {
      ok: false,
      field: `config.oauth.${missing}`,
      message: 'is required: give clientId, clientSecret and refreshToken, or serviceAccountKey',
    };
  }
  return { ok: true, value: { kind: 'refresh_token', clientId, clientSecret, refreshToken } };
}

/** The first problem the schema cannot see, named by its field; undefined when the config is usable. */
export function validateGoogleAdsConfig(config: GoogleAdsConfig): Problem | undefined {
  if (config.api === 'legacy' && config.developerToken === undefined) {
    return {
      field: 'config.developerToken',
      message: 'is required with api "legacy" (uploadClickConversions needs an approved developer token)',
    };
  }
  const credential = parseCredential(config.oauth);
  return credential.ok ? undefined : { field: credential.field, message: credential.message };
}
