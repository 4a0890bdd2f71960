import type { Pool, Queryable } from '../db/pool.ts';
import { AppError } from '../errors.ts';
import { newId } from '../lib/ids.ts';
import type { AccessTokens, Actor } from './access-tokens.ts';
import { toUser, type User, type UserRow } from './agency-record.ts';
import { DUMMY_PASSWORD_HASH, verifyPassword } from './passwords.ts';
import { issueRefreshToken, rotateRefreshToken, type ClientMeta } from './refresh-tokens.ts';

export interface Session {
  accessToken: string;
  refreshToken: string;
  user: User;
}

function actorOf(user: UserRow, sessionId: string): Actor {
  return {
    userId: user.id,
    agencyId: user.agency_id,
    role: user.role,
    isInstanceAdmin: user.is_instance_admin,
    sessionId,
  };
}

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
 * Starts a session for a user whose identity is established (password, invitation): a new refresh
 * token family, and an access token that names it so the session list can mark the current one.
 */
export async function startSession({
  db,
  tokens,
  user,
  meta,
}: {
  db: Queryable;
  tokens: AccessTokens;
  user: UserRow;
  meta: ClientMeta;
}): Promise<Session> {
  const familyId = newId('fam');
  const refreshToken = await issueRefreshToken(db, {
    userId: user.id,
    agencyId: user.agency_id,
    familyId,
    meta,
  });
  return { accessToken: tokens.sign(actorOf(user, familyId)), refreshToken, user: toUser(user) };
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

export async function refreshSession({
  db,
  tokens,
  input,
  meta,
}: {
  db: Pool;
  tokens: AccessTokens;
  input: { refreshToken: string };
  meta: ClientMeta;
}): Promise<Session> {
  const result = await rotateRefreshToken(db, input.refreshToken, meta);
  switch (result.outcome) {
    case 'rotated':
      return {
        accessToken: tokens.sign(actorOf(result.user, result.familyId)),
        refreshToken: result.refreshToken,
        user: toUser(result.user),
      };
    case 'reused':
      throw new AppError('unauthorized', 'Refresh token was already used; this session has been revoked', {
        field: 'refreshToken',
      });
    case 'invalid':
      throw new AppError('unauthorized', 'Refresh token is invalid or expired', { field: 'refreshToken' });
  }
}
