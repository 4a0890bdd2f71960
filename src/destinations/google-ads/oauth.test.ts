import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startFakeGoogleOauth,
  type FakeGoogleOauth,
  type FakeServiceAccount,
} from '../../../test/fakes/google-oauth-server.ts';
import { parseCredential, type GoogleCredential } from './google-ads-config.ts';
import {
  ADWORDS_SCOPE,
  classifyTokenRefusal,
  createAccessTokens,
  DATA_MANAGER_SCOPE,
  type TokenOutcome,
  type TokenRequest,
} from './oauth.ts';

let oauth: FakeGoogleOauth;
let account: FakeServiceAccount;
const user = {
  clientId: 'client.apps.googleusercontent.com',
  clientSecret: 'secret',
  subject: 'ads@example.com',
};

beforeAll(async () => {
  oauth = await startFakeGoogleOauth();
  oauth.addRefreshToken({ ...user, refreshToken: '1//both', scopes: [DATA_MANAGER_SCOPE, ADWORDS_SCOPE] });
  oauth.addRefreshToken({ ...user, refreshToken: '1//adwords-only', scopes: [ADWORDS_SCOPE] });
  account = oauth.addServiceAccount('beacon@beacon-test.iam.gserviceaccount.com');
});
afterAll(() => oauth.close());

const refreshCredential = (refreshToken = '1//both'): GoogleCredential => ({
  kind: 'refresh_token',
  clientId: user.clientId,
  clientSecret: user.clientSecret,
  refreshToken,
});
const serviceCredential = (): GoogleCredential => {
  const parsed = parseCredential({ serviceAccountKey: account.keyFile });
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
};

function tokenRequest(overrides: Partial<TokenRequest> = {}): TokenRequest {
  return {
    credential: refreshCredential(),
    scope: DATA_MANAGER_SCOPE,
    tokenUrl: oauth.tokenUrl,
    fetch,
    now: () => new Date(),
    signal: new AbortController().signal,
    ...overrides,
  };
}

const tokenOf = (outcome: TokenOutcome) =>
  outcome.ok ? outcome.accessToken : `failed: ${outcome.failure.error}`;

describe('createAccessTokens', () => {
  it('mints with a refresh token (form-encoded refresh_token grant) a token the API accepts', async () => {
    const outcome = await createAccessTokens().get(tokenRequest());
    expect(oauth.verifyAccessToken(tokenOf(outcome), DATA_MANAGER_SCOPE)).toEqual({
      ok: true,
      subject: user.subject,
    });
    expect(oauth.requests.at(-1)).toMatchObject({
      contentType: 'application/x-www-form-urlencoded',
      form: {
        grant_type: 'refresh_token',
        client_id: user.clientId,
        client_secret: 'secret',
        refresh_token: '1//both',
      },
    });
  });

  it.each([
    [DATA_MANAGER_SCOPE, ADWORDS_SCOPE],
    [ADWORDS_SCOPE, DATA_MANAGER_SCOPE],
  ])(
    'mints with a service-account key a token for %s only (signed RS256 JWT the fake verifies)',
    async (scope, other) => {
      const outcome = await createAccessTokens().get(
        tokenRequest({ credential: serviceCredential(), scope }),
      );
      expect(oauth.verifyAccessToken(tokenOf(outcome), scope)).toEqual({
        ok: true,
        subject: account.clientEmail,
      });
      expect(oauth.verifyAccessToken(tokenOf(outcome), other)).toEqual({ ok: false, reason: 'scope' });
      expect(oauth.grants.at(-1)).toMatchObject({ grantType: 'jwt_bearer', scopes: [scope] });
    },
  );

  it('mints once for many sends, and once for concurrent ones', async () => {
    const tokens = createAccessTokens();
    const before = oauth.grants.length;
    const together = await Promise.all(Array.from({ length: 20 }, () => tokens.get(tokenRequest())));
    const later = await tokens.get(tokenRequest());
    expect(new Set([...together, later].map(tokenOf)).size).toBe(1);
    expect(oauth.grants.length - before).toBe(1);
  });

  it('keeps a token per credential and per scope', async () => {
    const tokens = createAccessTokens();
    const before = oauth.grants.length;
    const outcomes = await Promise.all([
      tokens.get(tokenRequest()),
      tokens.get(tokenRequest({ scope: ADWORDS_SCOPE })),
      tokens.get(tokenRequest({ credential: serviceCredential() })),
    ]);
    expect(new Set(outcomes.map(tokenOf)).size).toBe(3);
    expect(oauth.grants.length - before).toBe(3);
  });

  it('mints again shortly before the token expires, by the injected clock', async () => {
    let clock = Date.parse('2026-11-02T10:00:00Z');
    const now = () => new Date(clock);
    const tokens = createAccessTokens();
    const before = oauth.grants.length;
    const first = tokenOf(await tokens.get(tokenRequest({ now })));
    clock += 3599_000 - 61_000; // more than a minute left
    expect(tokenOf(await tokens.get(tokenRequest({ now })))).toBe(first);
    clock += 2000; // less than a minute left
    const second = tokenOf(await tokens.get(tokenRequest({ now })));
    expect(second).not.toBe(first);
    expect(oauth.grants.length - before).toBe(2);
  });

  it('forgets a token the API refused, and only that one', async () => {
    const tokens = createAccessTokens();
    const first = tokenOf(await tokens.get(tokenRequest()));
    tokens.forget(tokenRequest(), 'ya29.some-other-token');
    expect(tokenOf(await tokens.get(tokenRequest()))).toBe(first);
    tokens.forget(tokenRequest(), first);
    expect(tokenOf(await tokens.get(tokenRequest()))).not.toBe(first);
  });

  it('makes a revoked refresh token a permanent failure that says to authorise again', async () => {
    oauth.addRefreshToken({ ...user, refreshToken: '1//revoked', scopes: [DATA_MANAGER_SCOPE] });
    oauth.revokeRefreshToken('1//revoked');
    expect(
      await createAccessTokens().get(tokenRequest({ credential: refreshCredential('1//revoked') })),
    ).toEqual({
      ok: false,
      failure: {
        kind: 'permanent',
        status: 400,
        error: expect.stringMatching(/invalid_grant.*authorise again and save the new refreshToken/),
      },
    });
  });

  it('makes a deleted service-account key a permanent failure that says to create a new key', async () => {
    const doomed = oauth.addServiceAccount('doomed@beacon-test.iam.gserviceaccount.com');
    oauth.deleteKey(doomed.clientEmail);
    const parsed = parseCredential({ serviceAccountKey: doomed.keyFile });
    const outcome = await createAccessTokens().get(
      tokenRequest({ credential: parsed.ok ? parsed.value : refreshCredential() }),
    );
    expect(outcome).toEqual({
      ok: false,
      failure: { kind: 'permanent', status: 400, error: expect.stringContaining('create a new key') },
    });
  });

  it('refuses a refresh token granted without the scope the API needs', async () => {
    expect(
      await createAccessTokens().get(tokenRequest({ credential: refreshCredential('1//adwords-only') })),
    ).toEqual({
      ok: false,
      failure: { kind: 'permanent', error: expect.stringContaining(`not granted ${DATA_MANAGER_SCOPE}`) },
    });
  });

  it('retries a 5xx, does not keep the failure, and mints on the next call', async () => {
    const tokens = createAccessTokens();
    oauth.failNext({ status: 503 });
    expect(await tokens.get(tokenRequest())).toEqual({
      ok: false,
      failure: { kind: 'retry', status: 503, error: expect.stringContaining('503') },
    });
    expect((await tokens.get(tokenRequest())).ok).toBe(true);
  });

  it('bounds a token endpoint that hangs', async () => {
    oauth.hang(true);
    try {
      const started = Date.now();
      const outcome = await createAccessTokens({ timeoutMs: 300 }).get(tokenRequest());
      expect(outcome).toEqual({
        ok: false,
        failure: { kind: 'retry', error: expect.stringContaining('token endpoint') },
      });
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      oauth.hang(false);
    }
  });

  it('stops waiting when the caller is aborted', async () => {
    oauth.hang(true);
    try {
      const controller = new AbortController();
      const waiting = createAccessTokens({ timeoutMs: 60_000 }).get(
        tokenRequest({ signal: controller.signal }),
      );
      controller.abort();
      expect(await waiting).toEqual({
        ok: false,
        failure: { kind: 'retry', error: 'aborted while waiting for an access token' },
      });
    } finally {
      oauth.hang(false);
    }
  });

  it('retries when the endpoint cannot be reached', async () => {
    const outcome = await createAccessTokens().get(tokenRequest({ tokenUrl: 'http://127.0.0.1:1/token' }));
    expect(outcome).toMatchObject({ ok: false, failure: { kind: 'retry' } });
  });
});

describe('classifyTokenRefusal', () => {
  it.each([
    [
      400,
      { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' },
      'refresh_token',
      'permanent',
      'refreshToken',
    ],
    [
      400,
      { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' },
      'service_account',
      'permanent',
      'serviceAccountKey',
    ],
    [
      401,
      { error: 'invalid_client', error_description: 'Unauthorized' },
      'refresh_token',
      'permanent',
      'clientId, clientSecret',
    ],
    [400, { error: 'unauthorized_client' }, 'refresh_token', 'permanent', 'OAuth client'],
    [400, { error: 'invalid_scope' }, 'service_account', 'permanent', 'scopes'],
    [400, { error: 'invalid_request' }, 'refresh_token', 'permanent', 'renewed'],
    [500, { error: 'internal_failure' }, 'refresh_token', 'retry', '500'],
    [503, 'Service Unavailable', 'service_account', 'retry', '503'],
    [429, {}, 'refresh_token', 'retry', '429'],
    [408, null, 'refresh_token', 'retry', '408'],
  ] as const)('%i %j (%s) → %s', (status, body, credentialKind, kind, said) => {
    const failure = classifyTokenRefusal(status, body, credentialKind);
    expect(failure).toMatchObject({ kind, status });
    expect(failure.error).toContain(said);
  });
});
