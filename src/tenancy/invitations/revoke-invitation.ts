import { withTransaction, type Pool } from '../../db/pool.ts';
import { AppError } from '../../errors.ts';
import type { Actor } from '../auth/access-tokens.ts';
import { recordAudit } from '../audit/record-audit.ts';
import { requireManager } from '../users/require-manager.ts';

/**
 * Revokes a pending invitation of the actor's agency; its token stops working at once. Another
 * agency's invitation, or one already accepted or revoked, is "not found".
 */
export async function revokeInvitation({
  db,
  actor,
  invitationId,
  ip,
}: {
  db: Pool;
  actor: Actor;
  invitationId: string;
  ip: string | undefined;
}): Promise<void> {
  await withTransaction(db, async (client) => {
    await requireManager(client, actor);
    const { rows } = await client.query<{ email: string }>(
      `UPDATE invitations SET revoked_at = now()
       WHERE id = $1 AND agency_id = $2 AND accepted_at IS NULL AND revoked_at IS NULL
       RETURNING email`,
      [invitationId, actor.agencyId],
    );
    if (rows[0] === undefined)
      throw new AppError('not_found', 'Invitation not found', { field: 'invitationId' });
    await recordAudit(client, {
      actor,
      action: 'invitation.revoke',
      targetType: 'invitation',
      targetId: invitationId,
      ip,
      details: { email: rows[0].email },
    });
  });
}
