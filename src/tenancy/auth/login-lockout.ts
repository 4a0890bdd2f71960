import type { Queryable } from '../../db/pool.ts';
import { AppError } from '../../errors.ts';
import { sha256Hex } from '../../lib/ids.ts';

/**
 * Failed logins are counted per email and client address (`login_attempts`), whether or not an
 * account has the email, so a lock tells nothing about accounts, and an attacker's address cannot
 * lock the owner out from another one. Kept in PostgreSQL, beside the accounts: locks then hold
 * across instances and restarts, with or without Redis, and a login (at most 100 per 15 minutes
 * from an address) can afford a write.
 */

/** Consecutive failures from one address after which that address is locked out of the email. */
export const LOCKOUT_THRESHOLD = 5;
const FIRST_LOCKOUT_MS = 60 * 1000;
const LONGEST_LOCKOUT_MS = 60 * 60 * 1000;
/** Failures further apart than this do not add up: a typo a month ago counts for nothing. */
export const FAILURE_MEMORY_MS = 24 * 60 * 60 * 1000;

/**
 * Failures of one email from all addresses within CEILING_WINDOW_MS after which only addresses it
 * signed in from lately may try. One address can fail about 11 times in its first hour (5, then one
 * per lock of 1, 2, 4, … minutes), so an owner's few devices stay below it; an attacker spreading
 * guesses over many addresses (an IPv6 /48 holds 65,536 /64s) gets this many an hour, not
 * thousands. The owner keeps signing in from addresses known to work, or resets the password,
 * which clears the count.
 */
export const ACCOUNT_FAILURE_CEILING = 20;
export const CEILING_WINDOW_MS = 60 * 60 * 1000;
/** An address an account signed in from within this time is spared by the ceiling. */
export const KNOWN_ADDRESS_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * How long an address is locked out of an email after `failures` consecutive failures: nothing
 * below the threshold, then one minute, doubling with each further failure, at most an hour.
 */
export function lockoutMs(failures: number): number {
  if (!(failures >= LOCKOUT_THRESHOLD)) return 0;
  return Math.min(FIRST_LOCKOUT_MS * 2 ** Math.floor(failures - LOCKOUT_THRESHOLD), LONGEST_LOCKOUT_MS);
}

/** What login_attempts is keyed by: the normalised email's SHA-256, account or not. */
export function accountKey(email: string): string {
  return sha256Hex(email.trim().toLowerCase());
}

interface Attempt {
  /** accountKey of the email tried. */
  account: string;
  /** The client address: IPv4, or an IPv6 /64. */
  address: string;
  now: number;
}

function tooMany(untilMs: number, now: number): AppError {
  const retryAfterSeconds = Math.max(1, Math.ceil((untilMs - now) / 1000));
  return new AppError('rate_limited', `Too many failed logins; try again in ${retryAfterSeconds} s`, {
    retryAfterSeconds,
  });
}

/**
 * Throws rate_limited (429 with Retry-After) when this address is locked out of this email, or when
 * the email has failed ACCOUNT_FAILURE_CEILING times lately and this address has not signed in to
 * it within KNOWN_ADDRESS_MS. Called before the password is checked, so a locked attempt costs no
 * hashing, for unknown emails exactly as for accounts.
 */
export async function checkLoginAllowed(db: Queryable, attempt: Attempt): Promise<void> {
  const { rows } = await db.query<{
    locked_until: Date | null;
    signed_in_at: Date | null;
    failures: number;
    oldest_failure: Date | null;
  }>(
    `SELECT own.locked_until, own.signed_in_at, recent.failures, recent.oldest_failure
     FROM (SELECT coalesce(sum(failures), 0)::int AS failures, min(last_failed_at) AS oldest_failure
           FROM login_attempts WHERE account_key = $1 AND last_failed_at > $3) recent
     LEFT JOIN login_attempts own ON own.account_key = $1 AND own.address = $2`,
    [attempt.account, attempt.address, new Date(attempt.now - CEILING_WINDOW_MS)],
  );
  const state = rows[0]!;
  if (state.locked_until !== null && state.locked_until.getTime() > attempt.now) {
    throw tooMany(state.locked_until.getTime(), attempt.now);
  }
  const known = state.signed_in_at !== null && state.signed_in_at.getTime() > attempt.now - KNOWN_ADDRESS_MS;
  if (!known && state.failures >= ACCOUNT_FAILURE_CEILING && state.oldest_failure !== null) {
    throw tooMany(state.oldest_failure.getTime() + CEILING_WINDOW_MS, attempt.now);
  }
}

/**
 * Counts a failure atomically and locks the address out of the email once it reaches the
 * threshold. GREATEST keeps concurrent failures from shortening a lock another one has just set.
 */
export async function recordLoginFailure(db: Queryable, attempt: Attempt): Promise<void> {
  const at = new Date(attempt.now);
  const { rows } = await db.query<{ failures: number }>(
    `INSERT INTO login_attempts AS a (account_key, address, failures, last_failed_at)
     VALUES ($1, $2, 1, $3)
     ON CONFLICT (account_key, address) DO UPDATE SET
       failures = CASE WHEN a.last_failed_at > $4 THEN a.failures + 1 ELSE 1 END,
       last_failed_at = $3
     RETURNING failures`,
    [attempt.account, attempt.address, at, new Date(attempt.now - FAILURE_MEMORY_MS)],
  );
  const lockMs = lockoutMs(rows[0]!.failures);
  if (lockMs > 0) {
    await db.query(
      `UPDATE login_attempts SET locked_until = GREATEST(locked_until, $3::timestamptz)
       WHERE account_key = $1 AND address = $2`,
      [attempt.account, attempt.address, new Date(attempt.now + lockMs)],
    );
  }
}

/** A success from an address clears its failures and makes it known to the account. */
export async function recordLoginSuccess(db: Queryable, attempt: Attempt): Promise<void> {
  await db.query(
    `INSERT INTO login_attempts (account_key, address, signed_in_at) VALUES ($1, $2, $3)
     ON CONFLICT (account_key, address) DO UPDATE SET
       failures = 0, last_failed_at = NULL, locked_until = NULL, signed_in_at = $3`,
    [attempt.account, attempt.address, new Date(attempt.now)],
  );
}

/** After a password reset: every lock and count of the email is gone, known addresses too. */
export async function forgetLoginAttempts(db: Queryable, email: string): Promise<void> {
  await db.query('DELETE FROM login_attempts WHERE account_key = $1', [accountKey(email)]);
}
