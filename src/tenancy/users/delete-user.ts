import { withTransaction, type Pool } from '../../db/pool.ts';
import type { Actor } from '../auth/access-tokens.ts';
import { revokeUserApiKeys } from '../api-keys/revoke-user-api-keys.ts';
import { recordAudit } from '../audit/record-audit.ts';
import { checkUserChange } from './check-user-change.ts';
import { lockAgencyUsers, requireManager } from './require-manager.ts';
import { getManagedUser } from './user-record.ts';

/**
 * Removes a user from the agency (owners and admins; see checkUserChange). Their refresh tokens,
 * site assignments and pending password resets go with the row (ON DELETE CASCADE), so no session
 * can be renewed; an access token already issued can no longer write (writes read the role from
 * the database) and lapses within 15 minutes. The API keys they created are revoked in the same
 * transaction (revokeUserApiKeys).
 */
export async function deleteUser({
  db,
  actor,
  userId,
  ip,
}: {
  db: Pool;
  actor: Actor;
  userId: string;
  ip: string | undefined;
}): Promise<void> {
  await withTransaction(db, async (client) => {
    await lockAgencyUsers(client, actor.agencyId);
    const manager = await requireManager(client, actor);
    const target = await getManagedUser(client, actor.agencyId, userId);
    await checkUserChange(client, { agencyId: actor.agencyId, manager: manager.role, target, to: 'removed' });
    const revokedApiKeys = await revokeUserApiKeys(client, { agencyId: actor.agencyId, userId });
    await client.query('DELETE FROM dashboard_users WHERE id = $1 AND agency_id = $2', [
      userId,
      actor.agencyId,
    ]);
    await recordAudit(client, {
      actor,
      action: 'user.delete',
      targetType: 'user',
      targetId: userId,
      ip,
      details: { email: target.email, role: target.role, revokedApiKeys },
    });
  });
}
