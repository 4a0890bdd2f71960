import { withTransaction, type Pool } from '../../db/pool.ts';
import type { Actor } from '../auth/access-tokens.ts';
import { revokeUserApiKeys } from '../api-keys/revoke-user-api-keys.ts';
import { recordAudit } from '../audit/record-audit.ts';
import { checkUserChange } from './check-user-change.ts';
import { lockAgencyUsers, requireManager } from './require-manager.ts';
import { canManageUsers, type Role } from './roles.ts';
import { assignSites, checkSiteIds } from '../sites/site-ids.ts';
import { getManagedUser, type ManagedUser } from './user-record.ts';

export interface UpdateUserInput {
  role?: Role;
  /** Replaces the user's assigned sites. */
  siteIds?: string[];
}

/**
 * Changes a user's role and/or assigned sites (owners and admins; see checkUserChange for the rules).
 * Writes take the new role at once (they read it from the database); reads with an access token
 * issued before keep the old one until it lapses, within 15 minutes. A user who may no longer make
 * API keys (now member or viewer) loses the ones they made, in the same transaction.
 */
export async function updateUser({
  db,
  actor,
  userId,
  input,
  ip,
}: {
  db: Pool;
  actor: Actor;
  userId: string;
  input: UpdateUserInput;
  ip: string | undefined;
}): Promise<ManagedUser> {
  return withTransaction(db, async (client) => {
    await lockAgencyUsers(client, actor.agencyId);
    const manager = await requireManager(client, actor);
    const target = await getManagedUser(client, actor.agencyId, userId);
    await checkUserChange(client, {
      agencyId: actor.agencyId,
      manager: manager.role,
      target,
      to: input.role,
    });
    const siteIds =
      input.siteIds === undefined ? undefined : await checkSiteIds(client, actor.agencyId, input.siteIds);
    if (input.role === undefined && siteIds === undefined) return target;
    let revokedApiKeys: string[] = [];
    if (input.role !== undefined && input.role !== target.role) {
      await client.query('UPDATE dashboard_users SET role = $3 WHERE id = $1 AND agency_id = $2', [
        userId,
        actor.agencyId,
        input.role,
      ]);
      if (!canManageUsers(input.role)) {
        revokedApiKeys = await revokeUserApiKeys(client, { agencyId: actor.agencyId, userId });
      }
    }
    if (siteIds !== undefined) await assignSites(client, userId, siteIds);
    await recordAudit(client, {
      actor,
      action: 'user.update',
      targetType: 'user',
      targetId: userId,
      ip,
      details: {
        ...(input.role === undefined ? {} : { role: { from: target.role, to: input.role } }),
        ...(siteIds === undefined ? {} : { siteIds }),
        ...(revokedApiKeys.length === 0 ? {} : { revokedApiKeys }),
      },
    });
    return getManagedUser(client, actor.agencyId, userId);
  });
}
