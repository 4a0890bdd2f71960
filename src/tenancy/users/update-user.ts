import { withTransaction, type Pool } from '../../db/pool.ts';
import type { Actor } from '../auth/access-tokens.ts';
import { recordAudit } from '../audit/record-audit.ts';
import { checkUserChange } from './check-user-change.ts';
import { lockAgencyUsers, requireManager } from './require-manager.ts';
import type { Role } from './roles.ts';
import { assignSites, checkSiteIds } from '../sites/site-ids.ts';
import { getManagedUser, type ManagedUser } from './user-record.ts';

export interface UpdateUserInput {
  role?: Role;
  /** Replaces the user's assigned sites. */
  siteIds?: string[];
}

/**
 * Changes a user's role and/or assigned sites (owners and admins; see checkUserChange for the rules).
 * The new role applies to the user's next access token, within 15 minutes.
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
    if (input.role !== undefined && input.role !== target.role) {
      await client.query('UPDATE dashboard_users SET role = $3 WHERE id = $1 AND agency_id = $2', [
        userId,
        actor.agencyId,
        input.role,
      ]);
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
      },
    });
    return getManagedUser(client, actor.agencyId, userId);
  });
}
