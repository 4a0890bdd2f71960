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

describe('the dashboard session in cookies', () => {
  /** `name=value` of each Set-Cookie of a response, by name, and the whole Set-Cookie text by name. */
  function cookiesOf(response: {
    headers: Record<string, unknown>;
  }): Map<string, { pair: string; value: string; raw: string }> {
    const raw = response.headers['set-cookie'];
    const list = Array.isArray(raw) ? (raw as string[]) : typeof raw === 'string' ? [raw] : [];
    return new Map(
      list.map((cookie) => {
        const pair = cookie.split(';')[0]!;
        const [name, value] = pair.split('=') as [string, string];
        return [name, { pair, value, raw: cookie }];
      }),
    );
  }

  async function cookieLogin() {
    const tenant = await createTenant(context);
    const response = await context.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: tenant.email, password: TEST_PASSWORD, cookie: true },
    });
    expect(response.statusCode, response.body).toBe(200);
    return { tenant, response, cookies: cookiesOf(response) };
  }

  function cookieCall(url: string, cookies: ReturnType<typeof cookiesOf>, csrf?: string) {
    return context.app.inject({
      method: 'POST',
      url,
      headers: {
        cookie: `${cookies.get('beacon_refresh')!.pair}; ${cookies.get('beacon_csrf')!.pair}`,
        ...(csrf === undefined ? {} : { 'x-beacon-csrf': csrf }),
      },
      payload: {},
    });
  }

  it('login keeps the refresh token out of the body, in an HttpOnly, Secure, SameSite=Strict cookie for the auth routes', async () => {
    const { response, cookies } = await cookieLogin();
    expect(response.json()).not.toHaveProperty('refreshToken');
    expect(response.json().accessToken).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(cookies.get('beacon_refresh')!.raw).toMatch(
      /^beacon_refresh=rt_\w+; Path=\/api\/auth; Max-Age=2592000; HttpOnly; Secure; SameSite=Strict$/,
    );
    expect(cookies.get('beacon_csrf')!.raw).toMatch(/; Secure; SameSite=Strict$/);
    expect(cookies.get('beacon_csrf')!.raw).not.toContain('HttpOnly');
  });

  it('refresh with the cookie and the matching CSRF header rotates the session into new cookies', async () => {
    const { tenant, cookies } = await cookieLogin();
    const response = await cookieCall('/api/auth/refresh', cookies, cookies.get('beacon_csrf')!.value);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).not.toHaveProperty('refreshToken');
    expect(response.json().user.id).toBe(tenant.userId);
    const rotated = cookiesOf(response);
    expect(rotated.get('beacon_refresh')!.value).not.toBe(cookies.get('beacon_refresh')!.value);
    const again = await cookieCall('/api/auth/refresh', rotated, rotated.get('beacon_csrf')!.value);
    expect(again.statusCode, again.body).toBe(200);
  });

  it.each([
    ['without the CSRF header', undefined],
    ['with a forged CSRF header', 'forged'],
  ])('refuses a refresh %s with 403, and the session stays usable', async (_label, csrf) => {
    const { cookies } = await cookieLogin();
    const forged = await cookieCall('/api/auth/refresh', cookies, csrf);
    expect(forged.statusCode, forged.body).toBe(403);
    expect(forged.json().error).toMatchObject({ code: 'forbidden', field: 'x-beacon-csrf' });
    const logout = await cookieCall('/api/auth/logout', cookies, csrf);
    expect(logout.statusCode, logout.body).toBe(403);
    const genuine = await cookieCall('/api/auth/refresh', cookies, cookies.get('beacon_csrf')!.value);
    expect(genuine.statusCode, genuine.body).toBe(200);
  });

  it('logout with the cookie revokes the session and clears both cookies', async () => {
    const { cookies } = await cookieLogin();
    const csrf = cookies.get('beacon_csrf')!.value;
    const response = await cookieCall('/api/auth/logout', cookies, csrf);
    expect(response.statusCode, response.body).toBe(204);
    const cleared = cookiesOf(response);
    expect(cleared.get('beacon_refresh')!.raw).toContain('Max-Age=0');
    expect(cleared.get('beacon_csrf')!.raw).toContain('Max-Age=0');
    expect((await cookieCall('/api/auth/refresh', cookies, csrf)).statusCode).toBe(401);
  });

  it('refresh with neither a body token nor a cookie is a 401 naming refreshToken', async () => {
    const response = await context.app.inject({ method: 'POST', url: '/api/auth/refresh', payload: {} });
    expect(response.statusCode, response.body).toBe(401);
    expect(response.json().error.field).toBe('refreshToken');
  });

  it('login without cookie: true sets no cookie', async () => {
    const tenant = await createTenant(context);
    const response = await login(tenant.email);
    expect(response.headers['set-cookie']).toBeUndefined();
  });
});
