import type { Queryable } from '../../db/pool.ts';
import { tokenLink } from '../mail-links.ts';
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

/**
 * How the owner of a token sets the new password, in the mail and from the CLI: the dashboard's
 * link, and the token on a line of its own for API users.
 */
export function confirmInstructions(publicUrl: string, token: string, expiresAt: Date): string {
  return [
    `To choose a new password, open this link before ${expiresAt.toISOString()}:`,
    '',
    tokenLink(publicUrl, 'reset-password', token),
    '',
    'Without a browser, send the new password with this one-time token to',
    'POST /api/auth/password-reset/confirm ({"token": "…", "password": "…"}):',
    '',
    token,
  ].join('\n');
}
