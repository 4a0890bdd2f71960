import { createHash, createPrivateKey, sign } from 'node:crypto';
import type { SendResult } from '../destination-type.ts';
import type { GoogleCredential } from './google-ads-config.ts';

export const DATA_MANAGER_SCOPE = 'https://www.googleapis.com/auth/datamanager';
export const ADWORDS_SCOPE = 'https://www.googleapis.com/auth/adwords';

/** How long a minted token is still used for: it is replaced this long before Google says it expires. */
const EXPIRY_MARGIN_MS = 60_000;
/** Service-account assertions: Google accepts at most an hour between `iat` and `exp`. */
const ASSERTION_LIFETIME_S = 3600;
const TIMEOUT_MS = 10_000;

export type TokenFailure = Extract<SendResult, { kind: 'retry' } | { kind: 'permanent' }>;
export type TokenOutcome = { ok: true; accessToken: string } | { ok: false; failure: TokenFailure };

export interface TokenRequest {
  credential: GoogleCredential;
  scope: string;
  /** GOOGLE_OAUTH_TOKEN_URL: where tokens are minted, and the audience of service-account assertions. */
  tokenUrl: string;
  fetch: typeof fetch;
  now: () => Date;
  signal: AbortSignal;
}

export interface AccessTokens {
  /** A token for the credential and scope: the cached one while it is valid, else a new one; one mint at a time. */
  get(request: TokenRequest): Promise<TokenOutcome>;
  /** Drops a token the API refused (401), so that the next `get` mints a new one. */
  forget(request: TokenRequest, accessToken: string): void;
}

interface Entry {
  promise: Promise<TokenOutcome>;
  accessToken?: string;
  /** Until when the token is used (epoch ms); undefined while the mint is under way. */
  usableUntilMs?: number;
}

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/** The RS256 JWT a service account trades for an access token (RFC 7523, Google's JWT bearer flow). */
export function serviceAccountAssertion(
  credential: Extract<GoogleCredential, { kind: 'service_account' }>,
  scope: string,
  audience: string,
  now: Date,
): string {
  const issuedAt = Math.floor(now.getTime() / 1000);
  const header = {
    alg: 'RS256',
    typ: 'JWT',
    ...(credential.privateKeyId ? { kid: credential.privateKeyId } : {}),
  };
  const claims = {
    iss: credential.clientEmail,
    scope,
    aud: audience,
    iat: issuedAt,
    exp: issuedAt + ASSERTION_LIFETIME_S,
  };
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(signingInput), createPrivateKey(credential.privateKey));
  return `${signingInput}.${base64url(signature)}`;
}

function grantBody(request: TokenRequest): URLSearchParams {
  const { credential } = request;
  if (credential.kind === 'refresh_token') {
    return new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: credential.clientId,
      client_secret: credential.clientSecret,
      refresh_token: credential.refreshToken,
    });
  }
  return new URLSearchParams({
    grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
    assertion: serviceAccountAssertion(credential, request.scope, request.tokenUrl, request.now()),
  });
}

/**
 * What a refusal of the token endpoint means (RFC 6749 §5.2 errors). A credential Google refuses will
 * not start working by itself, so those are permanent, with what to do about it; a 5xx, 408 or 429 is
 * passing trouble.
 */
export function classifyTokenRefusal(
  status: number,
  body: unknown,
  credentialKind: GoogleCredential['kind'],
): TokenFailure {
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const code = typeof record.error === 'string' ? record.error : undefined;
  const description = typeof record.error_description === 'string' ? record.error_description : undefined;
  const said = `Google's token endpoint answered ${status}${code ? ` ${code}` : ''}${description ? `: ${description}` : ''}`;
  if (status >= 500 || status === 408 || status === 429) return { kind: 'retry', status, error: said };
  const remedy =
    code === 'invalid_grant'
      ? credentialKind === 'refresh_token'
        ? 'the refresh token was revoked or has expired: authorise again and save the new refreshToken'
        : "the service account's key was deleted or disabled, or this server's clock is off: create a new key and save it as serviceAccountKey"
      : code === 'invalid_client' || code === 'unauthorized_client'
        ? 'the OAuth client (clientId, clientSecret) is wrong or deleted'
        : code === 'invalid_scope'
          ? 'the credential may not ask for the Google Ads scopes'
          : "the destination's oauth credential must be renewed";
  return { kind: 'permanent', status, error: `${said} (${remedy})` };
}

async function mintAccessToken(
  request: TokenRequest,
  timeoutMs: number,
): Promise<{ ok: true; accessToken: string; lifetimeMs: number } | { ok: false; failure: TokenFailure }> {
  let grant: URLSearchParams;
  try {
    grant = grantBody(request);
  } catch (error) {
    const message = `the service account's private_key cannot sign: ${(error as Error).message}`;
    return { ok: false, failure: { kind: 'permanent', error: message } };
  }
  let response: Response;
  try {
    response = await request.fetch(request.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: grant.toString(),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    return {
      ok: false,
      failure: { kind: 'retry', error: `Google's token endpoint: ${(error as Error).message}` },
    };
  }
  const text = await response.text().catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (response.status !== 200) {
    return {
      ok: false,
      failure: classifyTokenRefusal(response.status, body ?? text.slice(0, 200), request.credential.kind),
    };
  }
  const record = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (typeof record.access_token !== 'string' || record.access_token === '') {
    return {
      ok: false,
      failure: {
        kind: 'retry',
        status: 200,
        error: "Google's token endpoint answered without an access_token",
      },
    };
  }
  // A refresh token carries the scopes the user granted; one granted only for Google Ads (adwords)
  // cannot be used for Data Manager, and no retry changes that: the user must consent again.
  if (typeof record.scope === 'string' && !record.scope.split(' ').includes(request.scope)) {
    return {
      ok: false,
      failure: {
        kind: 'permanent',
        error: `the credential was not granted ${request.scope} (it has: ${record.scope}): authorise again with that scope and save the new refreshToken`,
      },
    };
  }
  const expiresIn = typeof record.expires_in === 'number' ? record.expires_in : Number(record.expires_in);
  return {
    ok: true,
    accessToken: record.access_token,
    lifetimeMs: Number.isFinite(expiresIn) ? expiresIn * 1000 : 0,
  };
}

function untilAborted(promise: Promise<TokenOutcome>, signal: AbortSignal): Promise<TokenOutcome> {
  const aborted: TokenOutcome = {
    ok: false,
    failure: { kind: 'retry', error: 'aborted while waiting for an access token' },
  };
  if (signal.aborted) return Promise.resolve(aborted);
  return new Promise((resolve) => {
    const onAbort = () => resolve(aborted);
    signal.addEventListener('abort', onAbort, { once: true });
    void promise.then((outcome) => {
      signal.removeEventListener('abort', onAbort);
      resolve(outcome);
    });
  });
}

/** Secrets never become map keys in the clear. */
function cacheKey(request: TokenRequest): string {
  const { credential } = request;
  const identity =
    credential.kind === 'refresh_token'
      ? [credential.clientId, credential.clientSecret, credential.refreshToken]
      : [credential.clientEmail, credential.privateKey];
  return createHash('sha256')
    .update(JSON.stringify([request.tokenUrl, request.scope, credential.kind, ...identity]))
    .digest('hex');
}

/**
 * Access tokens per credential and scope, kept until shortly before they expire (judged by the
 * request's clock). Concurrent sends for one credential share a single mint; a failed mint is not
 * kept, so the next send tries again. The mint has its own time bound (it is shared, so one caller's
 * abort must not fail the others); a caller that is aborted stops waiting for it.
 */
export function createAccessTokens({ timeoutMs = TIMEOUT_MS }: { timeoutMs?: number } = {}): AccessTokens {
  const entries = new Map<string, Entry>();

  function dropExpired(nowMs: number) {
    for (const [key, entry] of entries) {
      if (entry.usableUntilMs !== undefined && entry.usableUntilMs <= nowMs) entries.delete(key);
    }
  }

  return {
    get(request) {
      const key = cacheKey(request);
      const nowMs = request.now().getTime();
      const cached = entries.get(key);
      if (cached && (cached.usableUntilMs === undefined || nowMs < cached.usableUntilMs)) {
        return untilAborted(cached.promise, request.signal);
      }
      dropExpired(nowMs);
      const entry: Entry = {
        promise: mintAccessToken(request, timeoutMs).then((minted) => {
          if (!minted.ok) {
            if (entries.get(key) === entry) entries.delete(key);
            return minted;
          }
          const margin = Math.min(EXPIRY_MARGIN_MS, minted.lifetimeMs / 2);
          entry.accessToken = minted.accessToken;
          entry.usableUntilMs = request.now().getTime() + minted.lifetimeMs - margin;
          return { ok: true, accessToken: minted.accessToken };
        }),
      };
      entries.set(key, entry);
      return untilAborted(entry.promise, request.signal);
    },
    forget(request, accessToken) {
      const key = cacheKey(request);
      if (entries.get(key)?.accessToken === accessToken) entries.delete(key);
    },
  };
}
