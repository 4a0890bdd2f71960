import type { Pool, Queryable } from '../../db/pool.ts';
import { AppError } from '../../errors.ts';
import type { UserRow } from '../users/agency-record.ts';
import type { AccessTokens } from './access-tokens.ts';
import { DUMMY_PASSWORD_HASH, verifyPassword } from './passwords.ts';
import type { ClientMeta } from './refresh-tokens.ts';
import { startSession, type Session } from './start-session.ts';

/** One message for unknown email and wrong password, so the response does not reveal accounts. */
const INVALID_CREDENTIALS = 'Invalid email or password';

/** Consecutive failed logins after which an account is locked. */
export const LOCKOUT_THRESHOLD = 5;
const FIRST_LOCKOUT_MS = 60 * 1000;
const LONGEST_LOCKOUT_MS = 60 * 60 * 1000;

/**
 * How long an account is locked after `failures` consecutive failed logins: nothing below the
 * threshold, then one minute, doubling with each further failure, at most an hour.
 */
export function lockoutMs(failures: number): number {
  if (!(failures >= LOCKOUT_THRESHOLD)) return 0;
  return Math.min(FIRST_LOCKOUT_MS * 2 ** Math.floor(failures - LOCKOUT_THRESHOLD), LONGEST_LOCKOUT_MS);
}

/**
 * Checks email and password. An account with LOCKOUT_THRESHOLD consecutive failures is locked (see
 * lockoutMs) and answers 429 with Retry-After without its password being checked, the right one
 * included. Unknown emails are never locked and answer exactly like a wrong password.
 * `now` is injectable for tests of the lockout schedule.
 */
export async function login({
  db,
  tokens,
  input,
  meta,
  now = Date.now(),
}: {
  db: Pool;
  tokens: AccessTokens;
  input: { email: string; password: string };
  meta: ClientMeta;
  now?: number;
}): Promise<Session> {
  const { rows } = await db.query<UserRow & { password_hash: string; locked_until: Date | null }>(
    `SELECT id, agency_id, email, name, role, is_instance_admin, password_hash, locked_until
     FROM dashboard_users WHERE email = $1`,
    [input.email.trim().toLowerCase()],
  );
  const user = rows[0];
  if (user?.locked_until && user.locked_until.getTime() > now) {
    const retryAfterSeconds = Math.ceil((user.locked_until.getTime() - now) / 1000);
    throw new AppError(
      'rate_limited',
      `Too many failed logins for this account; try again in ${retryAfterSeconds} s`,
      { retryAfterSeconds },
    );
  }
  const valid = await verifyPassword(input.password, user?.password_hash ?? DUMMY_PASSWORD_HASH);
  if (user === undefined || !valid) {
    if (user !== undefined) await recordFailedLogin(db, user.id, now);
    throw new AppError('unauthorized', INVALID_CREDENTIALS);
  }
  await db.query(
    'UPDATE dashboard_users SET last_login_at = now(), failed_logins = 0, locked_until = NULL WHERE id = $1',
    [user.id],
  );
  return startSession({ db, tokens, user, meta });
}

/**
 * Counts a failure atomically and locks the account once it reaches the threshold. GREATEST keeps
 * concurrent failures from shortening a lock another one has just set.
 */
async function recordFailedLogin(db: Queryable, userId: string, now: number): Promise<void> {
  const { rows } = await db.query<{ failed_logins: number }>(
    'UPDATE dashboard_users SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins',
    [userId],
  );
  const lockMs = lockoutMs(rows[0]?.failed_logins ?? 0);
  if (lockMs > 0) {
    await db.query(
      'UPDATE dashboard_users SET locked_until = GREATEST(locked_until, $2::timestamptz) WHERE id = $1',
      [userId, new Date(now + lockMs)],
    );
  }
}
