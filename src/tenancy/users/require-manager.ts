import type { Queryable } from '../../db/pool.ts';
import { AppError } from '../../errors.ts';
import type { Actor } from '../auth/access-tokens.ts';
import { currentActor } from './current-actor.ts';
import { canManageUsers } from './roles.ts';

/**
 * The actor, with its role as the database has it now (currentActor), if it may manage users,
 * invitations and API keys: an owner or admin signed in as a person, never an API key.
 */
export async function requireManager(db: Queryable, actor: Actor): Promise<Actor> {
  if (actor.apiKeyId !== undefined) {
    throw new AppError('forbidden', 'API keys may not manage users, invitations or API keys');
  }
  const current = await currentActor(db, actor);
  if (!canManageUsers(current.role)) {
    throw new AppError('forbidden', 'Only owners and admins may manage users, invitations and API keys');
  }
  return current;
}

/**
 * Serialises changes to an agency's users inside a transaction, so two owners demoting each other at
 * once cannot leave the agency without an owner. FOR NO KEY UPDATE does not block inserts elsewhere
 * that merely reference the agency (their foreign-key checks take KEY SHARE).
 */
export async function lockAgencyUsers(db: Queryable, agencyId: string): Promise<void> {
  await db.query('SELECT 1 FROM agencies WHERE id = $1 FOR NO KEY UPDATE', [agencyId]);
}
