import { withTransaction, type Pool } from '../../db/pool.ts';
import { AppError } from '../../errors.ts';
import { sha256Hex } from '../../lib/ids.ts';
import { recordAudit } from '../audit/record-audit.ts';
import { forgetLoginAttempts } from './login-lockout.ts';
import { hashPassword } from './passwords.ts';
import type { Role } from '../users/roles.ts';

const INVALID_TOKEN = 'Password reset token is invalid, expired or already used';

/**
 * Sets a new password with a reset token. Single use: this token and every other outstanding one of
 * the user are spent. Every session of the user is revoked (a reset usually means the password may be
 * known to someone else) and every login lockout of the email is lifted.
 */
export async function confirmPasswordReset({
  db,
  input,
  ip,
  now = Date.now(),
}: {
  db: Pool;
  input: { token: string; password: string };
  ip: string | undefined;
  now?: number;
}): Promise<void> {
  const passwordHash = await hashPassword(input.password);
  const hash = sha256Hex(input.token);
  await withTransaction(db, async (client) => {
    // Lock the user first: two resets of one user confirmed at once then queue instead of deadlocking.
    const { rows: users } = await client.query<{
      id: string;
      agency_id: string;
      email: string;
      role: Role;
      is_instance_admin: boolean;
    }>(
      `SELECT id, agency_id, email, role, is_instance_admin FROM dashboard_users
       WHERE id = (SELECT user_id FROM password_resets WHERE token_hash = $1) FOR UPDATE`,
      [hash],
    );
    const { rows: resets } = await client.query<{ expires_at: Date; used_at: Date | null }>(
      'SELECT expires_at, used_at FROM password_resets WHERE token_hash = $1',
      [hash],
    );
    const user = users[0];
    const reset = resets[0];
    if (
      user === undefined ||
      reset === undefined ||
      reset.used_at !== null ||
      reset.expires_at.getTime() <= now
    ) {
      throw new AppError('validation_failed', INVALID_TOKEN, { field: 'token' });
    }
    await client.query('UPDATE password_resets SET used_at = now() WHERE user_id = $1 AND used_at IS NULL', [
      user.id,
    ]);
    await client.query('UPDATE dashboard_users SET password_hash = $2 WHERE id = $1', [
      user.id,
      passwordHash,
    ]);
    await forgetLoginAttempts(client, user.email);
    const { rowCount } = await client.query(
      'UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL',
      [user.id],
    );
    await recordAudit(client, {
      actor: {
        userId: user.id,
        agencyId: user.agency_id,
        role: user.role,
        isInstanceAdmin: user.is_instance_admin,
      },
      action: 'password.reset',
      targetType: 'user',
      targetId: user.id,
      ip,
      details: { revokedRefreshTokens: rowCount ?? 0 },
    });
  });
}
