import { describe, expect, it } from 'vitest';
import { createTenant, TEST_PASSWORD, useTestApp } from '../../../test/helpers.ts';
import { AppError } from '../../errors.ts';
import { LOCKOUT_THRESHOLD, lockoutMs, login } from './login.ts';

const context = useTestApp();
const MINUTE = 60_000;

async function attempt(email: string, password: string) {
  return context.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });
}

async function failTimes(email: string, times: number) {
  for (let index = 0; index < times; index++) {
    const response = await attempt(email, 'wrong password');
    expect(response.statusCode, response.body).toBe(401);
  }
}

describe('lockoutMs', () => {
  it.each([
    [0, 0],
    [1, 0],
    [4, 0],
    [5, MINUTE],
    [6, 2 * MINUTE],
    [7, 4 * MINUTE],
    [10, 32 * MINUTE],
    [11, 60 * MINUTE],
    [50, 60 * MINUTE],
  ])('%i consecutive failures lock for %i ms', (failures, expected) => {
    expect(lockoutMs(failures)).toBe(expected);
  });

  describe('robustness to invalid data', () => {
    it.each([NaN, -1, -Infinity])('%s failures lock for nothing', (failures) => {
      expect(lockoutMs(failures)).toBe(0);
    });

    it.each([Infinity, Number.MAX_SAFE_INTEGER, 1e308])(
      '%s failures lock for at most an hour',
      (failures) => {
        expect(lockoutMs(failures)).toBe(60 * MINUTE);
      },
    );
  });
});

describe('per-account lockout on POST /api/auth/login', () => {
  it(`locks the account after ${LOCKOUT_THRESHOLD} failures: even the right password answers 429 with Retry-After`, async () => {
    const tenant = await createTenant(context);
    await failTimes(tenant.email, LOCKOUT_THRESHOLD);
    const locked = await attempt(tenant.email, TEST_PASSWORD);
    expect(locked.statusCode, locked.body).toBe(429);
    expect(locked.json().error.code).toBe('rate_limited');
    const retryAfter = Number(locked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(55);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const { rows } = await context.db.query('SELECT failed_logins FROM dashboard_users WHERE id = $1', [
      tenant.userId,
    ]);
    expect(rows[0].failed_logins, 'attempts while locked are not counted').toBe(LOCKOUT_THRESHOLD);
  });

  it('lets the right password in once the lock has passed, and resets the count', async () => {
    const tenant = await createTenant(context);
    await failTimes(tenant.email, LOCKOUT_THRESHOLD);
    await context.db.query(
      "UPDATE dashboard_users SET locked_until = now() - interval '1 second' WHERE id = $1",
      [tenant.userId],
    );
    const response = await attempt(tenant.email, TEST_PASSWORD);
    expect(response.statusCode, response.body).toBe(200);
    const { rows } = await context.db.query(
      'SELECT failed_logins, locked_until FROM dashboard_users WHERE id = $1',
      [tenant.userId],
    );
    expect(rows[0]).toEqual({ failed_logins: 0, locked_until: null });
  });

  it('a success before the threshold resets the count: failures must be consecutive', async () => {
    const tenant = await createTenant(context);
    await failTimes(tenant.email, LOCKOUT_THRESHOLD - 1);
    expect((await attempt(tenant.email, TEST_PASSWORD)).statusCode).toBe(200);
    await failTimes(tenant.email, LOCKOUT_THRESHOLD - 1);
    expect((await attempt(tenant.email, TEST_PASSWORD)).statusCode).toBe(200);
  });

  it('never locks an unknown email, and answers it exactly like a wrong password', async () => {
    const tenant = await createTenant(context);
    const unknown = `nobody-${tenant.userId}@test.example`;
    const wrong = await attempt(tenant.email, 'wrong password');
    for (let index = 0; index < LOCKOUT_THRESHOLD + 2; index++) {
      const response = await attempt(unknown, 'wrong password');
      expect(response.statusCode, response.body).toBe(401);
      expect(response.json().error.message).toBe(wrong.json().error.message);
      expect(response.headers['retry-after']).toBeUndefined();
    }
  });

  it('doubles the lock with each further failure after a lock, up to an hour (injected clock)', async () => {
    const tenant = await createTenant(context);
    const meta = { ip: '192.0.2.1', userAgent: undefined };
    const t0 = Date.now();
    const tryAt = (now: number, password = 'wrong password') =>
      login({
        db: context.db,
        tokens: context.tokens,
        input: { email: tenant.email, password },
        meta,
        now,
      }).then(
        () => 'ok',
        (error: AppError) => `${error.code}${error.retryAfterSeconds ? ` ${error.retryAfterSeconds}` : ''}`,
      );
    for (let index = 0; index < LOCKOUT_THRESHOLD; index++) expect(await tryAt(t0)).toBe('unauthorized');
    expect(await tryAt(t0 + 30_000, TEST_PASSWORD)).toBe('rate_limited 30');
    // Lock over: the next failure (the 6th) locks for two minutes, the 7th for four.
    expect(await tryAt(t0 + MINUTE + 1)).toBe('unauthorized');
    expect(await tryAt(t0 + MINUTE + 1 + 119_000, TEST_PASSWORD)).toBe('rate_limited 1');
    const t1 = t0 + 4 * MINUTE;
    expect(await tryAt(t1)).toBe('unauthorized');
    expect(await tryAt(t1 + 1000, TEST_PASSWORD)).toBe('rate_limited 239');
    // Many more failures: never longer than an hour.
    let now = t1 + 5 * MINUTE;
    for (let index = 0; index < 6; index++) {
      expect(await tryAt(now)).toBe('unauthorized');
      now += 61 * MINUTE;
    }
    expect(await tryAt(now - 61 * MINUTE + 1000, TEST_PASSWORD)).toBe('rate_limited 3599');
    expect(await tryAt(now, TEST_PASSWORD)).toBe('ok');
  });
});
