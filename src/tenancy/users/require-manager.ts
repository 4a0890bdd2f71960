import type { Queryable } from '../../db/pool.ts';
import { AppError } from '../../errors.ts';
import type { Actor } from '../auth/access-tokens.ts';
import { canManageUsers, type Role } from './roles.ts';

/**
 * The actor, with its role as the database has it now, if it may manage users, invitations and API
 * keys: an owner or admin signed in as a person, never an API key. Reading the role again closes the
 * window in which an access token (valid 15 minutes) would still carry a role since taken away.
 */
export async function requireManager(db: Queryable, actor: Actor): Promise<Actor & { role: Role }> {
  if (actor.apiKeyId !== undefined) {
    throw new AppError('forbidden', 'API keys may not manage users, invitations or API keys');
  }
  if (!canManageUsers(actor.role)) {
    throw new AppError('forbidden', 'Only owners and admins may manage users, invitations and API keys');
  }
  const { rows } = await db.query<{ role: Role }>(
    'SELECT role FROM dashboard_users WHERE id = $1 AND agency_id = $2',
    [actor.userId, actor.agencyId],
  );
  const role = rows[0]?.role;
  if (role === undefined) throw new AppError('unauthorized', 'Your account no longer exists');
  if (!canManageUsers(role)) {
    throw new AppError('forbidden', 'Only owners and admins may manage users, invitations and API keys');
  }
  return { ...actor, role };
}

/**
 * Serialises changes to an agency's users inside a transaction, so two owners demoting each other at
 * once cannot leave the agency without an owner. FOR NO KEY UPDATE does not block inserts elsewhere
 * that merely reference the agency (their foreign-key checks take KEY SHARE).
 */
export async function lockAgencyUsers(db: Queryable, agencyId: string): Promise<void> {
  await db.query('SELECT 1 FROM agencies WHERE id = $1 FOR NO KEY UPDATE', [agencyId]);
}
