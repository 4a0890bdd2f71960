import { withTransaction, type Pool } from '../../db/pool.ts';
import type { Mailer } from '../mailer.ts';
import { confirmInstructions, insertPasswordReset, PASSWORD_RESET_TTL_MS } from './password-reset-record.ts';

/**
 * Reset messages one account receives per hour at most. More requests are answered alike and do
 * nothing, so nobody can fill a mailbox (or, without a mail server, the log) through this route.
 * The window equals the token lifetime, so every row it counts is still unexpired and unpruned.
 */
export const RESET_MAILS_PER_HOUR = 3;

export type PasswordResetOutcome = 'mailed' | 'unknown_email' | 'throttled';

function resetText(publicUrl: string, token: string, expiresAt: Date): string {
  return [
    'Someone asked to reset the password of your Beacon account.',
    '',
    confirmInstructions(publicUrl, token, expiresAt),
    '',
    'If it was not you, ignore this message: your password stays as it is.',
  ].join('\n');
}

/**
 * Mails a one-time reset token when an account has this email, and does nothing otherwise or past
 * RESET_MAILS_PER_HOUR. The caller answers the same in every case and does not wait for this, so
 * neither the response nor its timing tells whether the account exists. Without a mail server the
 * token is still made (so the throttle also bounds the warnings), and the mailer only logs that
 * nothing was sent and how an administrator can help.
 */
export async function requestPasswordReset({
  db,
  mailer,
  publicUrl,
  email,
  now = Date.now(),
}: {
  db: Pool;
  mailer: Mailer;
  /** BEACON_PUBLIC_URL: where the mailed link leads. */
  publicUrl: string;
  email: string;
  now?: number;
}): Promise<PasswordResetOutcome> {
  const reset = await withTransaction(db, async (client) => {
    // Locking the user makes concurrent requests count one after the other.
    const { rows } = await client.query<{ id: string; email: string }>(
      'SELECT id, email FROM dashboard_users WHERE email = $1 FOR UPDATE',
      [email.trim().toLowerCase()],
    );
    const user = rows[0];
    if (user === undefined) return 'unknown_email';
    const { rows: recent } = await client.query<{ count: number }>(
      'SELECT count(*)::int AS count FROM password_resets WHERE user_id = $1 AND created_at > $2',
      [user.id, new Date(now - PASSWORD_RESET_TTL_MS)],
    );
    if (recent[0]!.count >= RESET_MAILS_PER_HOUR) return 'throttled';
    return { email: user.email, ...(await insertPasswordReset(client, user.id, now)) };
  });
  if (typeof reset === 'string') return reset;
  await mailer.send({
    to: reset.email,
    subject: 'Reset your Beacon password',
    text: resetText(publicUrl, reset.token, reset.expiresAt),
    withoutMail: `an administrator can make a reset token with: npm run beacon -- password-reset --email ${reset.email}`,
  });
  return 'mailed';
}
