import { withTransaction, type Pool } from '../../db/pool.ts';
import { AppError } from '../../errors.ts';
import { recordAudit } from '../audit/record-audit.ts';
import { insertPasswordReset } from './password-reset-record.ts';

/**
 * A reset token made by an administrator (`npm run beacon -- password-reset`), who hands it to
 * the account's owner; the way to reset a password when Beacon has no mail server. The token is
 * returned to the caller only, never logged, and works like a mailed one (1 hour, single use).
 * Audited as `password.reset_issue` by the system. An unknown email is "not found": whoever runs
 * the CLI can read the database anyway.
 */
export async function issuePasswordReset({
  db,
  email,
  now = Date.now(),
}: {
  db: Pool;
  email: string;
  now?: number;
}): Promise<{ email: string; token: string; expiresAt: Date }> {
  return withTransaction(db, async (client) => {
    const { rows } = await client.query<{ id: string; agency_id: string; email: string }>(
      'SELECT id, agency_id, email FROM dashboard_users WHERE email = $1',
      [email.trim().toLowerCase()],
    );
    const user = rows[0];
    if (user === undefined) {
      throw new AppError('not_found', `No account has the email ${email}`, { field: 'email' });
    }
    const reset = await insertPasswordReset(client, user.id, now);
    await recordAudit(client, {
      actor: { system: 'cli', agencyId: user.agency_id },
      action: 'password.reset_issue',
      targetType: 'user',
      targetId: user.id,
      ip: undefined,
      details: { expiresAt: reset.expiresAt.toISOString() },
    });
    return { email: user.email, ...reset };
  });
}
