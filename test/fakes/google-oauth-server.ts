import { generateKeyPairSync, randomBytes, verify, type KeyObject } from 'node:crypto';
import {
  startFakeHttp,
  type Fault,
  type FakeHttp,
  type FakeRequest,
  type FakeResponse,
} from './google-fake-server.ts';

/**
 * A fake of Google's OAuth 2.0 token endpoint (`POST https://oauth2.googleapis.com/token`): the
 * refresh-token grant (RFC 6749 §6) and the service-account JWT bearer grant (RFC 7523). It checks
 * requests the way Google does, answers with Google's error bodies, and keeps the access tokens it
 * issued, so the Data Manager and Google Ads fakes can tell a live token with the right scope from
 * one that is unknown, expired or scoped for the other API.
 *
 * Checks (one test each in google-oauth-server.test.ts):
 * 1. Only `POST /token`; anything else is 404.
 * 2. The body is `application/x-www-form-urlencoded`; `grant_type` is `refresh_token` or
 *    `urn:ietf:params:oauth:grant-type:jwt-bearer` (else 400 unsupported_grant_type); missing
 *    parameters are 400 invalid_request.
 * 3. Refresh grant: `client_id` and `client_secret` name a registered client (else 401 invalid_client).
 * 4. Refresh grant: `refresh_token` was issued to that client and is not revoked (else 400 invalid_grant
 *    "Token has been expired or revoked."); the answer carries the scopes the user granted.
 * 5. JWT grant: three base64url parts, header `alg: RS256` (and `kid`, when present, the key's id).
 * 6. JWT grant: `iss` is a registered service account whose key is not deleted (else invalid_grant).
 * 7. JWT grant: the RS256 signature verifies against that service account's public key (else
 *    invalid_grant "Invalid JWT Signature.").
 * 8. JWT grant: `aud` is this endpoint's URL (else invalid_grant "Failed audience check").
 * 9. JWT grant: `iat` and `exp` are numbers, `exp - iat` ≤ 3600 s, and now lies within them, give or
 *    take 5 minutes (else invalid_grant "Token must be a short-lived token…").
 * 10. JWT grant: `scope` is present and every scope is a known Google scope (else 400 invalid_scope).
 * 11. Issued tokens expire after `tokenLifetimeSeconds` of the fake's clock; `verifyAccessToken` says
 *    whether a token is known, live and carries a scope.
 * 12. Faults on order: 500/503/429 answers, or hanging.
 */

export const KNOWN_SCOPES = [
  'https://www.googleapis.com/auth/datamanager',
  'https://www.googleapis.com/auth/adwords',
  'https://www.googleapis.com/auth/cloud-platform',
] as const;

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const MAX_ASSERTION_LIFETIME_S = 3600;
const CLOCK_SKEW_S = 300;

export type TokenCheck =
  { ok: true; subject: string } | { ok: false; reason: 'unknown' | 'expired' | 'scope' };

export interface FakeServiceAccount {
  clientEmail: string;
  /** The JSON key file as Google Cloud hands it out (what `serviceAccountKey` holds). */
  keyFile: string;
  privateKeyId: string;
}

export interface FakeGrant {
  grantType: 'refresh_token' | 'jwt_bearer';
  subject: string;
  scopes: string[];
  accessToken: string;
}

export interface FakeGoogleOauth extends FakeHttp {
  /** `${url}/token`: GOOGLE_OAUTH_TOKEN_URL, and the audience service-account assertions must name. */
  tokenUrl: string;
  /** Every request the endpoint answered (faults and hangs aside). */
  requests: Array<{
    method: string;
    path: string;
    contentType: string | undefined;
    form: Record<string, string>;
  }>;
  /** The tokens minted through the endpoint, in order. */
  grants: FakeGrant[];
  settings: { tokenLifetimeSeconds: number };
  /** Registers an OAuth client and a refresh token a user (`subject`) granted it with `scopes`. */
  addRefreshToken(grant: {
    clientId: string;
    clientSecret: string;
    refreshToken: string;
    scopes: string[];
    subject: string;
  }): void;
  revokeRefreshToken(refreshToken: string): void;
  /** Creates a service account with a fresh RSA key; `deleteKey` makes its assertions fail as Google's would. */
  addServiceAccount(clientEmail: string): FakeServiceAccount;
  deleteKey(clientEmail: string): void;
  /** A token issued without the endpoint, for tests of the API fakes. */
  issueAccessToken(grant: { subject: string; scopes: string[]; lifetimeSeconds?: number }): string;
  verifyAccessToken(token: string, scope: string): TokenCheck;
}

interface IssuedToken {
  subject: string;
  scopes: string[];
  expiresAtMs: number;
}

const oauthError = (status: number, error: string, description: string): FakeResponse => ({
  status,
  body: { error, error_description: description },
});

const decodeSegment = (segment: string): unknown => {
  if (!/^[A-Za-z0-9_-]+$/.test(segment)) return undefined;
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
};

export async function startFakeGoogleOauth({
  now = () => Date.now(),
}: { now?: () => number } = {}): Promise<FakeGoogleOauth> {
  const clients = new Map<string, string>();
  const refreshTokens = new Map<
    string,
    { clientId: string; scopes: string[]; subject: string; revoked: boolean }
  >();
  const serviceAccounts = new Map<string, { publicKey: KeyObject; privateKeyId: string; deleted: boolean }>();
  const issued = new Map<string, IssuedToken>();
  const requests: FakeGoogleOauth['requests'] = [];
  const grants: FakeGrant[] = [];
  const settings = { tokenLifetimeSeconds: 3599 };
  let tokenUrl = '';

  function issue(subject: string, scopes: string[], lifetimeSeconds = settings.tokenLifetimeSeconds): string {
    const token = `ya29.fake-${randomBytes(18).toString('base64url')}`;
    issued.set(token, { subject, scopes, expiresAtMs: now() + lifetimeSeconds * 1000 });
    return token;
  }

  function granted(grantType: FakeGrant['grantType'], subject: string, scopes: string[]): FakeResponse {
    const accessToken = issue(subject, scopes);
    grants.push({ grantType, subject, scopes, accessToken });
    return {
      status: 200,
      body: {
        access_token: accessToken,
        expires_in: settings.tokenLifetimeSeconds,
        ...(grantType === 'refresh_token' ? { scope: scopes.join(' ') } : {}),
        token_type: 'Bearer',
      },
    };
  }

  function refreshGrant(form: Record<string, string>): FakeResponse {
    for (const name of ['client_id', 'client_secret', 'refresh_token']) {
      if (!form[name]) return oauthError(400, 'invalid_request', `Missing required parameter: ${name}`);
    }
    const secret = clients.get(form.client_id!);
    if (secret === undefined) return oauthError(401, 'invalid_client', 'The OAuth client was not found.');
    if (secret !== form.client_secret) return oauthError(401, 'invalid_client', 'Unauthorized');
    const grant = refreshTokens.get(form.refresh_token!);
    if (!grant || grant.revoked || grant.clientId !== form.client_id) {
      return oauthError(400, 'invalid_grant', 'Token has been expired or revoked.');
    }
    return granted('refresh_token', grant.subject, grant.scopes);
  }

  function jwtGrant(form: Record<string, string>): FakeResponse {
    if (!form.assertion) return oauthError(400, 'invalid_request', 'Missing required parameter: assertion');
    const segments = form.assertion.split('.');
    const header =
      segments.length === 3
        ? (decodeSegment(segments[0]!) as Record<string, unknown> | undefined)
        : undefined;
    const claims =
      segments.length === 3
        ? (decodeSegment(segments[1]!) as Record<string, unknown> | undefined)
        : undefined;
    if (typeof header !== 'object' || header === null || typeof claims !== 'object' || claims === null) {
      return oauthError(400, 'invalid_grant', 'Invalid JWT: the assertion is not a JSON Web Token.');
    }
    if (header.alg !== 'RS256')
      return oauthError(400, 'invalid_grant', 'Invalid JWT: the algorithm must be RS256.');
    const account = typeof claims.iss === 'string' ? serviceAccounts.get(claims.iss) : undefined;
    if (!account || account.deleted)
      return oauthError(400, 'invalid_grant', 'Invalid grant: account not found');
    if (header.kid !== undefined && header.kid !== account.privateKeyId) {
      return oauthError(400, 'invalid_grant', 'Invalid JWT Signature.');
    }
    const signature = Buffer.from(segments[2]!, 'base64url');
    const signed = Buffer.from(`${segments[0]}.${segments[1]}`);
    if (!verify('sha256', signed, account.publicKey, signature)) {
      return oauthError(400, 'invalid_grant', 'Invalid JWT Signature.');
    }
    if (claims.aud !== tokenUrl) {
      return oauthError(
        400,
        'invalid_grant',
        `Invalid JWT: Failed audience check. The expected audience is ${tokenUrl}.`,
      );
    }
    const nowS = now() / 1000;
    const { iat, exp } = claims;
    if (
      typeof iat !== 'number' ||
      typeof exp !== 'number' ||
      exp <= iat ||
      exp - iat > MAX_ASSERTION_LIFETIME_S ||
      iat > nowS + CLOCK_SKEW_S ||
      exp < nowS - CLOCK_SKEW_S
    ) {
      return oauthError(
        400,
        'invalid_grant',
        'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.',
      );
    }
    const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : [];
    if (scopes.length === 0 || scopes.some((scope) => !(KNOWN_SCOPES as readonly string[]).includes(scope))) {
      return oauthError(400, 'invalid_scope', 'Invalid OAuth scope or ID token audience provided.');
    }
    return granted('jwt_bearer', claims.iss as string, scopes);
  }

  function handle(request: FakeRequest): FakeResponse {
    const contentType = request.headers['content-type'];
    const form = Object.fromEntries(new URLSearchParams(request.text));
    if (request.method !== 'POST' || request.path !== '/token')
      return { status: 404, body: { error: 'not_found' } };
    requests.push({ method: request.method, path: request.path, contentType, form });
    if (!contentType?.startsWith('application/x-www-form-urlencoded')) {
      return oauthError(
        400,
        'invalid_request',
        'The request body must be application/x-www-form-urlencoded.',
      );
    }
    if (!form.grant_type) return oauthError(400, 'invalid_request', 'Missing required parameter: grant_type');
    if (form.grant_type === 'refresh_token') return refreshGrant(form);
    if (form.grant_type === JWT_BEARER) return jwtGrant(form);
    return oauthError(400, 'unsupported_grant_type', `Invalid grant_type: ${form.grant_type}`);
  }

  const http = await startFakeHttp(handle, (fault: Fault) => ({
    status: fault.status,
    body: {
      error: fault.status === 429 ? 'rate_limit_exceeded' : 'internal_failure',
      error_description: 'Fault injected by the test.',
    },
    ...(fault.retryAfter ? { headers: { 'retry-after': fault.retryAfter } } : {}),
  }));
  tokenUrl = `${http.url}/token`;

  return {
    ...http,
    tokenUrl,
    requests,
    grants,
    settings,
    addRefreshToken({ clientId, clientSecret, refreshToken, scopes, subject }) {
      clients.set(clientId, clientSecret);
      refreshTokens.set(refreshToken, { clientId, scopes, subject, revoked: false });
    },
    revokeRefreshToken(refreshToken) {
      const grant = refreshTokens.get(refreshToken);
      if (grant) grant.revoked = true;
    },
    addServiceAccount(clientEmail) {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const privateKeyId = randomBytes(20).toString('hex');
      serviceAccounts.set(clientEmail, {
        publicKey,
        privateKeyId,
        deleted: false,
      });
      const keyFile = JSON.stringify({
        type: 'service_account',
        project_id: 'beacon-test',
        private_key_id: privateKeyId,
        private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
        client_email: clientEmail,
        client_id: '100000000000000000001',
        auth_uri: 'https://accounts.google.com/o/oauth2/auth',
        token_uri: tokenUrl,
      });
      return { clientEmail, keyFile, privateKeyId };
    },
    deleteKey(clientEmail) {
      const account = serviceAccounts.get(clientEmail);
      if (account) account.deleted = true;
    },
    issueAccessToken({ subject, scopes, lifetimeSeconds }) {
      return issue(subject, scopes, lifetimeSeconds);
    },
    verifyAccessToken(token, scope) {
      const found = issued.get(token);
      if (!found) return { ok: false, reason: 'unknown' };
      if (found.expiresAtMs <= now()) return { ok: false, reason: 'expired' };
      if (!found.scopes.includes(scope)) return { ok: false, reason: 'scope' };
      return { ok: true, subject: found.subject };
    },
  };
}
