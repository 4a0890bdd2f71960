import type { Queryable } from '../../db/pool.ts';
import type { Mailer } from '../mailer.ts';
import { newOneTimeToken } from '../one-time-token.ts';

/** A reset token is valid for one hour and can be used once. */
export const PASSWORD_RESET_TTL_MS = 60 * 60 * 1000;

function resetText(token: string, expiresAt: Date): string {
  return [
    'Someone asked to reset the password of your Beacon account.',
    '',
    'To choose a new password, send it with this one-time token to POST /api/auth/password-reset/confirm',
    `({"token": "…", "password": "…"}) before ${expiresAt.toISOString()}:`,
    '',
    token,
    '',
    'If it was not you, ignore this message: your password stays as it is.',
  ].join('\n');
}

/**
 * Mails a one-time reset token when an account has this email, and does nothing otherwise. The
 * caller answers the same either way and does not wait for this, so neither the response nor its
 * timing tells whether the account exists.
 */
export async function requestPasswordReset({
  db,
  mailer,
  email,
  now = Date.now(),
}: {
  db: Queryable;
  mailer: Mailer;
  email: string;
  now?: number;
}): Promise<void> {
  const { rows } = await db.query<{ id: string; email: string }>(
    'SELECT id, email FROM dashboard_users WHERE email = $1',
    [email.trim().toLowerCase()],
  );
  const user = rows[0];
  if (user === undefined) return;
  const { token, hash } = newOneTimeToken();
  const expiresAt = new Date(now + PASSWORD_RESET_TTL_MS);
  await db.query('INSERT INTO password_resets (token_hash, user_id, expires_at) VALUES ($1, $2, $3)', [
    hash,
    user.id,
    expiresAt,
  ]);
  await mailer.send({
    to: user.email,
    subject: 'Reset your Beacon password',
    text: resetText(token, expiresAt),
  });
}
