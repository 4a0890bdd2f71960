import type { Queryable } from '../db/pool.ts';
import { FAILURE_MEMORY_MS, KNOWN_ADDRESS_MS } from './auth/login-lockout.ts';

export interface PrunedCredentials {
  passwordResets: number;
  invitations: number;
  refreshTokens: number;
  loginAttempts: number;
}

/**
 * Deletes what can no longer be used, so these tables stay small (run hourly):
 * - password resets past their expiry: a used one stays until then, because the per-account
 *   throttle counts every reset of the last hour, which is exactly the unexpired ones;
 * - invitations expired, accepted or revoked (the audit log keeps the story);
 * - refresh tokens past their expiry: an expired token is refused whether its row exists or not,
 *   and a live session's current token is never expired;
 * - login attempts with no failure for a day, no running lock and no sign-in for 30 days.
 * Returns how many rows went from each table.
 */
export async function pruneExpiredCredentials({
  db,
  now = Date.now(),
}: {
  db: Queryable;
  now?: number;
}): Promise<PrunedCredentials> {
  const at = new Date(now);
  const deleted = async (sql: string, params: unknown[]) => (await db.query(sql, params)).rowCount ?? 0;
  return {
    passwordResets: await deleted('DELETE FROM password_resets WHERE expires_at <= $1', [at]),
    invitations: await deleted(
      'DELETE FROM invitations WHERE expires_at <= $1 OR accepted_at <= $1 OR revoked_at <= $1',
      [at],
    ),
    refreshTokens: await deleted('DELETE FROM refresh_tokens WHERE expires_at <= $1', [at]),
    loginAttempts: await deleted(
      `DELETE FROM login_attempts
       WHERE (last_failed_at IS NULL OR last_failed_at <= $2)
         AND (locked_until IS NULL OR locked_until <= $1)
         AND (signed_in_at IS NULL OR signed_in_at <= $3)`,
      [at, new Date(now - FAILURE_MEMORY_MS), new Date(now - KNOWN_ADDRESS_MS)],
    ),
  };
}
