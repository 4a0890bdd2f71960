import { describe, expect, it } from 'vitest';
import { createTenant, TEST_PASSWORD, useTestApp } from '../../../test/helpers.ts';
import { createAccessTokens } from './access-tokens.ts';

const context = useTestApp();

async function login(email: string, password = TEST_PASSWORD) {
  return context.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });
}

async function refresh(refreshToken: string) {
  return context.app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken } });
}

describe('POST /api/auth/login', () => {
  it('returns an access token, a refresh token and the user', async () => {
    const tenant = await createTenant(context);
    const response = await login(tenant.email.toUpperCase());
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({
      accessToken: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      refreshToken: expect.stringMatching(/^rt_/),
      user: { id: tenant.userId, agencyId: tenant.agencyId, email: tenant.email, role: 'owner' },
    });
    expect(body.user).not.toHaveProperty('passwordHash');
  });

  it('gives the same 401 for a wrong password and an unknown email', async () => {
    const tenant = await createTenant(context);
    const wrongPassword = await login(tenant.email, 'not the password');
    const unknownEmail = await login('nobody@test.example');
    expect(wrongPassword.statusCode).toBe(401);
    expect(unknownEmail.statusCode).toBe(401);
    expect(wrongPassword.json().error.message).toBe(unknownEmail.json().error.message);
  });
});

describe('POST /api/auth/refresh', () => {
  it('rotates: the new pair works, the access token authenticates', async () => {
    const tenant = await createTenant(context);
    const first = (await login(tenant.email)).json();
    const rotated = await refresh(first.refreshToken);
    expect(rotated.statusCode, rotated.body).toBe(200);
    expect(rotated.json().refreshToken).not.toBe(first.refreshToken);
    const me = await context.app.inject({
      method: 'GET',
      url: '/api/auth/me',
      headers: { authorization: `Bearer ${rotated.json().accessToken}` },
    });
    expect(me.json()).toMatchObject({ userId: tenant.userId, agencyId: tenant.agencyId });
  });

  it('revokes the whole session when a spent refresh token is presented again', async () => {
    const tenant = await createTenant(context);
    const first = (await login(tenant.email)).json();
    const second = (await refresh(first.refreshToken)).json();
    const replay = await refresh(first.refreshToken);
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error.field).toBe('refreshToken');
    // The legitimate holder's newer token dies with the family.
    expect((await refresh(second.refreshToken)).statusCode).toBe(401);
  });

  it('does not touch other sessions of the same user', async () => {
    const tenant = await createTenant(context);
    const laptop = (await login(tenant.email)).json();
    const phone = (await login(tenant.email)).json();
    await refresh(laptop.refreshToken);
    await refresh(laptop.refreshToken);
    expect((await refresh(phone.refreshToken)).statusCode).toBe(200);
  });

  it('rejects an unknown refresh token', async () => {
    const response = await refresh('rt_notatoken');
    expect(response.statusCode).toBe(401);
  });
});

describe('POST /api/auth/logout', () => {
  it('revokes the refresh token', async () => {
    const tenant = await createTenant(context);
    const session = (await login(tenant.email)).json();
    const response = await context.app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      payload: { refreshToken: session.refreshToken },
    });
    expect(response.statusCode).toBe(204);
    expect((await refresh(session.refreshToken)).statusCode).toBe(401);
  });
});

describe('access tokens on protected routes', () => {
  it.each([
    ['no header', undefined],
    ['not bearer', 'Basic abc'],
    ['garbage', 'Bearer not.a.jwt'],
  ])('answers 401 for %s', async (_label, authorization) => {
    const response = await context.app.inject({
      method: 'GET',
      url: '/api/sites',
      headers: authorization ? { authorization } : {},
    });
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe('unauthorized');
  });

  it('answers 401 for an expired token', async () => {
    const tenant = await createTenant(context);
    const expired = createAccessTokens({ key: context.key, signedAt: Date.now() - 16 * 60 * 1000 }).sign({
      userId: tenant.userId,
      agencyId: tenant.agencyId,
      role: 'owner',
      isInstanceAdmin: false,
    });
    const response = await context.app.inject({
      method: 'GET',
      url: '/api/sites',
      headers: { authorization: `Bearer ${expired}` },
    });
    expect(response.statusCode).toBe(401);
  });

  it('answers 401 for a token signed with another key', async () => {
    const tenant = await createTenant(context);
    const forged = createAccessTokens({ key: Buffer.alloc(32, 7) }).sign({
      userId: tenant.userId,
      agencyId: tenant.agencyId,
      role: 'owner',
      isInstanceAdmin: true,
    });
    const response = await context.app.inject({
      method: 'GET',
      url: '/api/sites',
      headers: { authorization: `Bearer ${forged}` },
    });
    expect(response.statusCode).toBe(401);
  });
});

describe('login rate limit', () => {
  it('answers 429 with Retry-After after 100 attempts from one IP in 15 minutes', async () => {
    const remoteAddress = '203.0.113.77';
    let last;
    for (let attempt = 0; attempt < 101; attempt++) {
      last = await context.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        remoteAddress,
        payload: { email: 'x' },
      });
    }
    expect(last!.statusCode, last!.body).toBe(429);
    expect(last!.json().error.code).toBe('rate_limited');
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
    const otherIp = await context.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      remoteAddress: '203.0.113.78',
      payload: { email: 'x' },
    });
    expect(otherIp.statusCode).toBe(400);
  });
});
