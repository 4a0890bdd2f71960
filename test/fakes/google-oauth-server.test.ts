import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startFakeGoogleOauth,
  type FakeGoogleOauth,
  type FakeServiceAccount,
} from './google-oauth-server.ts';

const DATA_MANAGER = 'https://www.googleapis.com/auth/datamanager';
const ADWORDS = 'https://www.googleapis.com/auth/adwords';

let clock = Date.now();
let oauth: FakeGoogleOauth;
let account: FakeServiceAccount;

beforeAll(async () => {
  oauth = await startFakeGoogleOauth({ now: () => clock });
  oauth.addRefreshToken({
    clientId: 'client-1.apps.googleusercontent.com',
    clientSecret: 'secret-1',
    refreshToken: '1//refresh-1',
    scopes: [DATA_MANAGER],
    subject: 'ads-manager@example.com',
  });
  account = oauth.addServiceAccount('beacon@beacon-test.iam.gserviceaccount.com');
});
afterAll(() => oauth.close());

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
async function post(fields: Record<string, string>, contentType = 'application/x-www-form-urlencoded') {
  const response = await fetch(oauth.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: form(fields),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const refresh = (overrides: Record<string, string> = {}) =>
  post({
    grant_type: 'refresh_token',
    client_id: 'client-1.apps.googleusercontent.com',
    client_secret: 'secret-1',
    refresh_token: '1//refresh-1',
    ...overrides,
  });

const segment = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

function assertion({
  header = { alg: 'RS256', typ: 'JWT', kid: account.privateKeyId },
  claims = {},
  privateKey = (JSON.parse(account.keyFile) as { private_key: string }).private_key,
}: { header?: object; claims?: object; privateKey?: string } = {}) {
  const iat = Math.floor(clock / 1000);
  const body = {
    iss: account.clientEmail,
    scope: DATA_MANAGER,
    aud: oauth.tokenUrl,
    iat,
    exp: iat + 3600,
    ...claims,
  };
  const input = `${segment(header)}.${segment(body)}`;
  return `${input}.${sign('sha256', Buffer.from(input), createPrivateKey(privateKey)).toString('base64url')}`;
}

const jwt = (token: string) =>
  post({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: token });

describe('Google OAuth fake', () => {
  it('1. answers only POST /token', async () => {
    expect((await fetch(oauth.tokenUrl)).status).toBe(404);
    expect((await fetch(`${oauth.url}/oauth2/v4/token`, { method: 'POST' })).status).toBe(404);
  });

  it('2. wants a form body, a known grant type and every parameter', async () => {
    const json = await fetch(oauth.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'refresh_token' }),
    });
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ error: 'invalid_request' });
    expect(await post({ grant_type: 'password' })).toMatchObject({
      status: 400,
      body: { error: 'unsupported_grant_type' },
    });
    expect(await refresh({ refresh_token: '' })).toMatchObject({
      status: 400,
      body: { error: 'invalid_request', error_description: 'Missing required parameter: refresh_token' },
    });
  });

  it('3. refresh grant: refuses an unknown client or a wrong secret with 401 invalid_client', async () => {
    expect(await refresh({ client_id: 'other' })).toMatchObject({
      status: 401,
      body: { error: 'invalid_client' },
    });
    expect(await refresh({ client_secret: 'wrong' })).toMatchObject({
      status: 401,
      body: { error: 'invalid_client' },
    });
  });

  it('4. refresh grant: mints a token with the granted scopes, refuses a revoked or foreign refresh token', async () => {
    const granted = await refresh();
    expect(granted).toMatchObject({
      status: 200,
      body: { expires_in: 3599, scope: DATA_MANAGER, token_type: 'Bearer' },
    });
    expect(oauth.verifyAccessToken(granted.body.access_token as string, DATA_MANAGER)).toEqual({
      ok: true,
      subject: 'ads-manager@example.com',
    });
    oauth.addRefreshToken({
      clientId: 'client-2',
      clientSecret: 's2',
      refreshToken: '1//refresh-2',
      scopes: [ADWORDS],
      subject: 'x',
    });
    expect(await refresh({ refresh_token: '1//refresh-2' })).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant' },
    });
    oauth.addRefreshToken({
      clientId: 'client-3',
      clientSecret: 's3',
      refreshToken: '1//refresh-3',
      scopes: [ADWORDS],
      subject: 'y',
    });
    oauth.revokeRefreshToken('1//refresh-3');
    expect(
      await post({
        grant_type: 'refresh_token',
        client_id: 'client-3',
        client_secret: 's3',
        refresh_token: '1//refresh-3',
      }),
    ).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' },
    });
  });

  it('5. JWT grant: wants three parts and RS256', async () => {
    expect(await jwt('not.a-jwt')).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    const hs256 = assertion({ header: { alg: 'HS256', typ: 'JWT' } });
    expect(await jwt(hs256)).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant', error_description: expect.stringContaining('RS256') },
    });
  });

  it('6. JWT grant: refuses an unknown service account or a deleted key', async () => {
    expect(await jwt(assertion({ claims: { iss: 'nobody@example.iam.gserviceaccount.com' } }))).toMatchObject(
      {
        status: 400,
        body: { error: 'invalid_grant' },
      },
    );
    const doomed = oauth.addServiceAccount('doomed@beacon-test.iam.gserviceaccount.com');
    oauth.deleteKey(doomed.clientEmail);
    const key = JSON.parse(doomed.keyFile) as { private_key: string };
    const token = assertion({
      header: { alg: 'RS256' },
      claims: { iss: doomed.clientEmail },
      privateKey: key.private_key,
    });
    expect(await jwt(token)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it("7. JWT grant: verifies the signature against the service account's public key", async () => {
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    expect(await jwt(assertion({ privateKey: stranger as string }))).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' },
    });
    const [header, claims, signature] = assertion().split('.');
    const tampered = `${header}.${segment({ ...(JSON.parse(Buffer.from(claims!, 'base64url').toString()) as object), scope: ADWORDS })}.${signature}`;
    expect(await jwt(tampered)).toMatchObject({
      status: 400,
      body: { error_description: 'Invalid JWT Signature.' },
    });
  });

  it('8. JWT grant: the audience must be the token URL', async () => {
    expect(await jwt(assertion({ claims: { aud: 'https://oauth2.googleapis.com/token' } }))).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant', error_description: expect.stringContaining('audience') },
    });
  });

  it('9. JWT grant: iat/exp at most an hour apart and around now', async () => {
    const now = Math.floor(clock / 1000);
    for (const claims of [
      { iat: now, exp: now + 7200 },
      { iat: now - 7200, exp: now - 3600 },
      { iat: now + 3600, exp: now + 4000 },
      { iat: 'yesterday', exp: now },
    ]) {
      expect(await jwt(assertion({ claims })), JSON.stringify(claims)).toMatchObject({
        status: 400,
        body: { error: 'invalid_grant', error_description: expect.stringContaining('short-lived') },
      });
    }
  });

  it('10. JWT grant: needs known scopes and mints a token carrying them', async () => {
    expect(await jwt(assertion({ claims: { scope: undefined } }))).toMatchObject({
      status: 400,
      body: { error: 'invalid_scope' },
    });
    expect(await jwt(assertion({ claims: { scope: 'https://example.com/all' } }))).toMatchObject({
      status: 400,
      body: { error: 'invalid_scope' },
    });
    const granted = await jwt(assertion());
    expect(granted.status).toBe(200);
    expect(oauth.verifyAccessToken(granted.body.access_token as string, DATA_MANAGER)).toEqual({
      ok: true,
      subject: account.clientEmail,
    });
    expect(oauth.verifyAccessToken(granted.body.access_token as string, ADWORDS)).toEqual({
      ok: false,
      reason: 'scope',
    });
  });

  it('11. tokens expire on the fake clock; unknown tokens are unknown', async () => {
    const token = oauth.issueAccessToken({ subject: 's', scopes: [DATA_MANAGER], lifetimeSeconds: 60 });
    expect(oauth.verifyAccessToken(token, DATA_MANAGER).ok).toBe(true);
    clock += 61_000;
    expect(oauth.verifyAccessToken(token, DATA_MANAGER)).toEqual({ ok: false, reason: 'expired' });
    expect(oauth.verifyAccessToken('ya29.made-up', DATA_MANAGER)).toEqual({ ok: false, reason: 'unknown' });
  });

  it('12. answers ordered faults and hangs', async () => {
    oauth.failNext({ status: 503 });
    expect((await refresh()).status).toBe(503);
    oauth.failNext({ status: 429, retryAfter: '7' });
    const limited = await fetch(oauth.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=refresh_token',
    });
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '7']);
    oauth.hang(true);
    const hung = fetch(oauth.tokenUrl, { method: 'POST', signal: AbortSignal.timeout(300) });
    await expect(hung).rejects.toThrow();
    oauth.hang(false);
    expect((await refresh()).status).toBe(200);
  });
});
