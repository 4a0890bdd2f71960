import { withTransaction, type Pool } from '../../db/pool.ts';
import { AppError } from '../../errors.ts';
import type { Actor } from './access-tokens.ts';
import { recordAudit } from '../audit/record-audit.ts';
import { requireUserSession } from './list-sessions.ts';

/**
 * Signs out one of the caller's sessions: its refresh tokens are revoked, so it cannot be renewed;
 * its current access token lapses within 15 minutes. Another user's session, or one already ended,
 * is "not found".
 */
export async function revokeSession({
  db,
  actor,
  sessionId,
  ip,
}: {
  db: Pool;
  actor: Actor;
  sessionId: string;
  ip: string | undefined;
}): Promise<void> {
  requireUserSession(actor);
  await withTransaction(db, async (client) => {
    const { rowCount } = await client.query(
      `UPDATE refresh_tokens SET revoked_at = now()
       WHERE family_id = $1 AND user_id = $2 AND agency_id = $3 AND revoked_at IS NULL`,
      [sessionId, actor.userId, actor.agencyId],
    );
    if (!rowCount) throw new AppError('not_found', 'Session not found', { field: 'sessionId' });
    await recordAudit(client, {
      actor,
      action: 'session.revoke',
      targetType: 'session',
      targetId: sessionId,
      ip,
    });
  });
}
