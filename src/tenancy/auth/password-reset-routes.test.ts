import { describe, expect, it } from 'vitest';
import {
  createTenant,
  mailedToken,
  TEST_PASSWORD,
  TEST_PUBLIC_URL,
  uniqueEmail,
  useTestApp,
} from '../../../test/helpers.ts';
import { createMemoryMailer } from '../mailer.ts';
import { LOCKOUT_THRESHOLD } from './login-lockout.ts';
import { requestPasswordReset, RESET_MAILS_PER_HOUR } from './request-password-reset.ts';

const context = useTestApp();
const NEW_PASSWORD = 'a brand new password';

function requestReset(email: string) {
  return context.app.inject({ method: 'POST', url: '/api/auth/password-reset', payload: { email } });
}

function confirm(payload: unknown) {
  return context.app.inject({
    method: 'POST',
    url: '/api/auth/password-reset/confirm',
    payload: payload as object,
  });
}

function login(email: string, password: string) {
  return context.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });
}

/** Resets run after the reply: wait for the message to this address (its link carries the token too). */
async function tokenMailedTo(email: string, previous?: string): Promise<string> {
  let token: string | undefined;
  await expect
    .poll(() => {
      const message = context.mail.filter((mail) => mail.to === email).at(-1);
      token = message && mailedToken(message.text, 'reset-password')?.token;
      return token !== undefined && token !== previous;
    })
    .toBe(true);
  return token!;
}

describe('POST /api/auth/password-reset', () => {
  it('answers 202 alike for a known and an unknown email, and mails the known one a token', async () => {
    const tenant = await createTenant(context);
    const known = await requestReset(tenant.email.toUpperCase());
    const unknown = await requestReset(uniqueEmail('nobody'));
    expect(known.statusCode, known.body).toBe(202);
    expect(unknown.statusCode).toBe(202);
    expect(known.body).toBe(unknown.body);
    const token = await tokenMailedTo(tenant.email);
    const { rows } = await context.db.query(
      'SELECT extract(epoch FROM expires_at - created_at)::float AS ttl FROM password_resets WHERE user_id = $1',
      [tenant.userId],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].ttl).toBeCloseTo(3600, -1);
    expect(token).toHaveLength(43);
  });

  it('does nothing for an unknown email: no message, no row', async () => {
    const { mailer, sent } = createMemoryMailer();
    const outcome = await requestPasswordReset({
      db: context.db,
      mailer,
      publicUrl: TEST_PUBLIC_URL,
      email: uniqueEmail('nobody'),
    });
    expect(outcome).toBe('unknown_email');
    expect(sent).toEqual([]);
  });

  it(`mails one account at most ${RESET_MAILS_PER_HOUR} times an hour, and answers 202 alike past that`, async () => {
    const tenant = await createTenant(context);
    const before = context.mail.length;
    for (let index = 0; index < RESET_MAILS_PER_HOUR + 2; index++) {
      const response = await requestReset(tenant.email);
      expect(response.statusCode, response.body).toBe(202);
      expect(response.json()).toEqual((await requestReset(uniqueEmail('nobody'))).json());
    }
    await expect
      .poll(async () => {
        const { rows } = await context.db.query(
          'SELECT count(*)::int AS count FROM password_resets WHERE user_id = $1',
          [tenant.userId],
        );
        return rows[0].count;
      })
      .toBe(RESET_MAILS_PER_HOUR);
    // The resets run after their replies; a throttle that let one through would show in this time.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const mailed = context.mail.slice(before).filter((mail) => mail.to === tenant.email);
    expect(mailed).toHaveLength(RESET_MAILS_PER_HOUR);
  });

  it('counts the throttle over the last hour: an hour after the first request, one more is mailed', async () => {
    const tenant = await createTenant(context);
    const { mailer, sent } = createMemoryMailer();
    const t0 = Date.now();
    const at = (now: number) =>
      requestPasswordReset({ db: context.db, mailer, publicUrl: TEST_PUBLIC_URL, email: tenant.email, now });
    const outcomes = [];
    for (let index = 0; index < RESET_MAILS_PER_HOUR; index++) outcomes.push(await at(t0 + index * 60_000));
    outcomes.push(await at(t0 + 59 * 60_000));
    outcomes.push(await at(t0 + 60 * 60_000 + 1));
    outcomes.push(await at(t0 + 60 * 60_000 + 2));
    expect(outcomes).toEqual([
      ...Array<string>(RESET_MAILS_PER_HOUR).fill('mailed'),
      'throttled',
      'mailed',
      'throttled',
    ]);
    expect(sent).toHaveLength(RESET_MAILS_PER_HOUR + 1);
  });

  it.each([[{}], [{ email: 'not an email' }], [{ email: 42 }]])(
    'rejects %j naming email',
    async (payload) => {
      const response = await context.app.inject({
        method: 'POST',
        url: '/api/auth/password-reset',
        payload,
      });
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json().error).toMatchObject({ code: 'validation_failed', field: 'email' });
    },
  );
});

describe('POST /api/auth/password-reset/confirm', () => {
  it('sets the new password, ends every session, and is audited', async () => {
    const tenant = await createTenant(context);
    const session = (await login(tenant.email, TEST_PASSWORD)).json();
    await requestReset(tenant.email);
    const token = await tokenMailedTo(tenant.email);
    const response = await confirm({ token, password: NEW_PASSWORD });
    expect(response.statusCode, response.body).toBe(204);
    expect((await login(tenant.email, TEST_PASSWORD)).statusCode).toBe(401);
    expect((await login(tenant.email, NEW_PASSWORD)).statusCode).toBe(200);
    const refresh = await context.app.inject({
      method: 'POST',
      url: '/api/auth/refresh',
      payload: { refreshToken: session.refreshToken },
    });
    expect(refresh.statusCode).toBe(401);
    const { rows } = await context.db.query('SELECT action, actor_id FROM audit_log WHERE agency_id = $1', [
      tenant.agencyId,
    ]);
    expect(rows).toContainEqual({ action: 'password.reset', actor_id: tenant.userId });
  });

  it('is single use, and spends the other outstanding tokens of the user too', async () => {
    const tenant = await createTenant(context);
    await requestReset(tenant.email);
    const first = await tokenMailedTo(tenant.email);
    await requestReset(tenant.email);
    const second = await tokenMailedTo(tenant.email, first);
    expect((await confirm({ token: second, password: NEW_PASSWORD })).statusCode).toBe(204);
    for (const token of [second, first]) {
      const response = await confirm({ token, password: 'yet another password' });
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json().error).toMatchObject({ code: 'validation_failed', field: 'token' });
    }
    expect((await login(tenant.email, NEW_PASSWORD)).statusCode).toBe(200);
  });

  it('refuses an expired or unknown token, naming token', async () => {
    const tenant = await createTenant(context);
    await requestReset(tenant.email);
    const token = await tokenMailedTo(tenant.email);
    await context.db.query(
      "UPDATE password_resets SET expires_at = now() - interval '1 second' WHERE user_id = $1",
      [tenant.userId],
    );
    for (const candidate of [token, 'x'.repeat(43)]) {
      const response = await confirm({ token: candidate, password: NEW_PASSWORD });
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json().error.field).toBe('token');
    }
    expect((await login(tenant.email, TEST_PASSWORD)).statusCode).toBe(200);
  });

  it('lifts every login lockout of the email', async () => {
    const tenant = await createTenant(context);
    const address = '192.0.2.77';
    for (let index = 0; index < LOCKOUT_THRESHOLD; index++) {
      await context.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: tenant.email, password: 'wrong password' },
        remoteAddress: address,
      });
    }
    const locked = await context.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: tenant.email, password: TEST_PASSWORD },
      remoteAddress: address,
    });
    expect(locked.statusCode, locked.body).toBe(429);
    await requestReset(tenant.email);
    const token = await tokenMailedTo(tenant.email);
    expect((await confirm({ token, password: NEW_PASSWORD })).statusCode).toBe(204);
    const after = await context.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: tenant.email, password: NEW_PASSWORD },
      remoteAddress: address,
    });
    expect(after.statusCode, after.body).toBe(200);
  });

  it.each([
    [{ password: NEW_PASSWORD }, 'token'],
    [{ token: '', password: NEW_PASSWORD }, 'token'],
    [{ token: 'abc' }, 'password'],
    [{ token: 'abc', password: 'short' }, 'password'],
    [{ token: 'abc', password: NEW_PASSWORD, email: 'a@test.example' }, 'email'],
  ])('rejects %j naming %s', async (payload, field) => {
    const response = await confirm(payload);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'validation_failed', field });
  });
});
