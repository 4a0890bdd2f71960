import { randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTenant, TEST_PASSWORD, uniqueEmail, useTestApp } from '../../../test/helpers.ts';
import { AppError } from '../../errors.ts';
import { login } from './login.ts';
import {
  ACCOUNT_FAILURE_CEILING,
  accountKey,
  CEILING_WINDOW_MS,
  LOCKOUT_THRESHOLD,
  lockoutMs,
} from './login-lockout.ts';

const context = useTestApp();
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** A client address no other test uses, so neither locks nor route rate limits leak between tests. */
function newAddress(): string {
  return `10.${randomInt(256)}.${randomInt(256)}.${randomInt(256)}`;
}

function attempt(email: string, password: string, address: string) {
  return context.app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { email, password },
    remoteAddress: address,
  });
}

async function failTimes(email: string, times: number, address: string) {
  for (let index = 0; index < times; index++) {
    const response = await attempt(email, 'wrong password', address);
    expect(response.statusCode, response.body).toBe(401);
  }
}

/** What a client sees of an answer, with the seconds to wait left out of the message. */
async function seen(response: Awaited<ReturnType<typeof attempt>>) {
  const { code, message } = response.json().error;
  return {
    status: response.statusCode,
    code,
    message: (message as string).replace(/\d+/g, 'N'),
    retryAfter: response.headers['retry-after'] === undefined ? 'none' : 'some',
  };
}

/** login() on the injected clock: 'ok', or the error code with its Retry-After. */
function loginAt(email: string, address: string, now: number, password = 'wrong password') {
  return login({
    db: context.db,
    tokens: context.tokens,
    input: { email, password },
    meta: { ip: address, userAgent: undefined },
    address,
    now,
  }).then(
    () => 'ok',
    (error: AppError) => `${error.code}${error.retryAfterSeconds ? ` ${error.retryAfterSeconds}` : ''}`,
  );
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

describe('accountKey', () => {
  it.each([
    ['Owner@Agency.example', 'owner@agency.example'],
    ['  owner@agency.example ', 'owner@agency.example'],
  ])('%j counts as %j', (email, same) => {
    expect(accountKey(email)).toBe(accountKey(same));
  });
});

describe('lockout per email and address on POST /api/auth/login', () => {
  it(`locks the email for this address after ${LOCKOUT_THRESHOLD} failures: even the right password answers 429 with Retry-After`, async () => {
    const tenant = await createTenant(context);
    const address = newAddress();
    await failTimes(tenant.email, LOCKOUT_THRESHOLD, address);
    const locked = await attempt(tenant.email, TEST_PASSWORD, address);
    expect(locked.statusCode, locked.body).toBe(429);
    expect(locked.json().error.code).toBe('rate_limited');
    const retryAfter = Number(locked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(55);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const { rows } = await context.db.query(
      'SELECT failures FROM login_attempts WHERE account_key = $1 AND address = $2',
      [accountKey(tenant.email), address],
    );
    expect(rows[0].failures, 'attempts while locked are not counted').toBe(LOCKOUT_THRESHOLD);
  });

  it('a lock from one address leaves the owner signing in from another', async () => {
    const tenant = await createTenant(context);
    const attacker = newAddress();
    const owner = newAddress();
    await failTimes(tenant.email, LOCKOUT_THRESHOLD, attacker);
    const ownerLogin = await attempt(tenant.email, TEST_PASSWORD, owner);
    expect(ownerLogin.statusCode, ownerLogin.body).toBe(200);
    expect((await attempt(tenant.email, TEST_PASSWORD, attacker)).statusCode).toBe(429);
  });

  it('answers an unknown email exactly like an account, through the lock and after it', async () => {
    const tenant = await createTenant(context);
    const unknown = uniqueEmail('nobody');
    const [first, second] = [newAddress(), newAddress()];
    const known: unknown[] = [];
    const nobody: unknown[] = [];
    for (let index = 0; index < LOCKOUT_THRESHOLD + 2; index++) {
      known.push(await seen(await attempt(tenant.email, 'wrong password', first)));
      nobody.push(await seen(await attempt(unknown, 'wrong password', second)));
    }
    expect(nobody).toEqual(known);
    expect(known.at(-1)).toMatchObject({ status: 429, retryAfter: 'some' });
    // The right password of a locked account looks like any password for a locked unknown email.
    expect(await seen(await attempt(unknown, TEST_PASSWORD, second))).toEqual(
      await seen(await attempt(tenant.email, TEST_PASSWORD, first)),
    );
  });

  it('a success before the threshold resets the count: failures must be consecutive', async () => {
    const tenant = await createTenant(context);
    const address = newAddress();
    await failTimes(tenant.email, LOCKOUT_THRESHOLD - 1, address);
    expect((await attempt(tenant.email, TEST_PASSWORD, address)).statusCode).toBe(200);
    await failTimes(tenant.email, LOCKOUT_THRESHOLD - 1, address);
    expect((await attempt(tenant.email, TEST_PASSWORD, address)).statusCode).toBe(200);
  });
});

describe('lockout schedule (injected clock)', () => {
  it('lets the right password in once the lock has passed, and resets the count', async () => {
    const tenant = await createTenant(context);
    const address = newAddress();
    const t0 = Date.now();
    for (let index = 0; index < LOCKOUT_THRESHOLD; index++) {
      expect(await loginAt(tenant.email, address, t0)).toBe('unauthorized');
    }
    expect(await loginAt(tenant.email, address, t0 + MINUTE - 1000, TEST_PASSWORD)).toBe('rate_limited 1');
    expect(await loginAt(tenant.email, address, t0 + MINUTE, TEST_PASSWORD)).toBe('ok');
    const { rows } = await context.db.query(
      'SELECT failures, locked_until FROM login_attempts WHERE account_key = $1 AND address = $2',
      [accountKey(tenant.email), address],
    );
    expect(rows[0]).toEqual({ failures: 0, locked_until: null });
  });

  it('doubles the lock with each further failure after a lock, up to an hour', async () => {
    const tenant = await createTenant(context);
    const address = newAddress();
    const tryAt = (now: number, password?: string) => loginAt(tenant.email, address, now, password);
    const t0 = Date.now();
    for (let index = 0; index < LOCKOUT_THRESHOLD; index++) expect(await tryAt(t0)).toBe('unauthorized');
    expect(await tryAt(t0 + 30_000, TEST_PASSWORD)).toBe('rate_limited 30');
    // Lock over: the next failure (the 6th) locks for two minutes, the 7th for four.
    expect(await tryAt(t0 + MINUTE + 1)).toBe('unauthorized');
    expect(await tryAt(t0 + MINUTE + 1 + 119_000, TEST_PASSWORD)).toBe('rate_limited 1');
    const t1 = t0 + 4 * MINUTE;
    expect(await tryAt(t1)).toBe('unauthorized');
    expect(await tryAt(t1 + 1000, TEST_PASSWORD)).toBe('rate_limited 239');
    // Many more failures, each within a day of the last: never longer than an hour.
    let now = t1 + 5 * MINUTE;
    for (let index = 0; index < 6; index++) {
      expect(await tryAt(now)).toBe('unauthorized');
      now += 61 * MINUTE;
    }
    expect(await tryAt(now - 61 * MINUTE + 1000, TEST_PASSWORD)).toBe('rate_limited 3599');
    expect(await tryAt(now, TEST_PASSWORD)).toBe('ok');
  });

  it('forgets failures more than a day apart', async () => {
    const tenant = await createTenant(context);
    const address = newAddress();
    const t0 = Date.now();
    for (let index = 0; index < LOCKOUT_THRESHOLD - 1; index++) {
      expect(await loginAt(tenant.email, address, t0)).toBe('unauthorized');
    }
    expect(await loginAt(tenant.email, address, t0 + DAY + 1)).toBe('unauthorized');
    expect(await loginAt(tenant.email, address, t0 + DAY + 2, TEST_PASSWORD)).toBe('ok');
  });
});

describe(`per-email ceiling of ${ACCOUNT_FAILURE_CEILING} failures an hour over all addresses`, () => {
  /** Failures spread so that no address reaches its own lock: a distributed guesser. */
  async function spreadFailures(email: string, now: number) {
    const perAddress = LOCKOUT_THRESHOLD - 1;
    for (let done = 0; done < ACCOUNT_FAILURE_CEILING; done += perAddress) {
      const address = newAddress();
      for (let index = 0; index < Math.min(perAddress, ACCOUNT_FAILURE_CEILING - done); index++) {
        expect(await loginAt(email, address, now)).toBe('unauthorized');
      }
    }
  }

  it('refuses new addresses, the right password too, while the addresses it signed in from still sign in', async () => {
    const tenant = await createTenant(context);
    const home = newAddress();
    const t0 = Date.now();
    expect(await loginAt(tenant.email, home, t0 - DAY, TEST_PASSWORD)).toBe('ok');
    await spreadFailures(tenant.email, t0);
    const stranger = newAddress();
    expect(await loginAt(tenant.email, stranger, t0 + 1000, TEST_PASSWORD)).toBe('rate_limited 3599');
    expect(await loginAt(tenant.email, home, t0 + 1000, TEST_PASSWORD)).toBe('ok');
    // An hour after the failures they no longer count.
    expect(await loginAt(tenant.email, stranger, t0 + CEILING_WINDOW_MS + 1, TEST_PASSWORD)).toBe('ok');
  });

  it('treats an unknown email the same way', async () => {
    const unknown = uniqueEmail('nobody');
    const t0 = Date.now();
    await spreadFailures(unknown, t0);
    expect(await loginAt(unknown, newAddress(), t0 + 1000)).toBe('rate_limited 3599');
    expect(await loginAt(unknown, newAddress(), t0 + CEILING_WINDOW_MS + 1)).toBe('unauthorized');
  });

  it('answers 429 with Retry-After over HTTP', async () => {
    const tenant = await createTenant(context);
    await spreadFailures(tenant.email, Date.now());
    const response = await attempt(tenant.email, TEST_PASSWORD, newAddress());
    expect(response.statusCode, response.body).toBe(429);
    expect(Number(response.headers['retry-after'])).toBeGreaterThan(3500);
  });
});
