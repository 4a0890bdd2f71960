import type { Queryable } from '../../db/pool.ts';
import { newOneTimeToken } from '../one-time-token.ts';

/** A reset token is valid for one hour and can be used once. */
export const PASSWORD_RESET_TTL_MS = 60 * 60 * 1000;

/**
 * Stores a new reset token for the user and returns it; only its SHA-256 is kept. `created_at`
 * comes from the caller's clock, the same one the per-account throttle counts with.
 */
export async function insertPasswordReset(
  db: Queryable,
  userId: string,
  now: number,
): Promise<{ token: string; expiresAt: Date }> {
  const { token, hash } = newOneTimeToken();
  const expiresAt = new Date(now + PASSWORD_RESET_TTL_MS);
  await db.query(
    'INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)',
    [hash, userId, new Date(now), expiresAt],
  );
  return { token, expiresAt };
}

/** How the owner of a token sets the new password: the text of the mail and of the CLI. */
export function confirmInstructions(expiresAt: Date): string {
  return [
    'To choose a new password, send it with this one-time token to POST /api/auth/password-reset/confirm',
    `({"token": "…", "password": "…"}) before ${expiresAt.toISOString()}:`,
  ].join('\n');
}
