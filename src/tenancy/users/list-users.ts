import type { Queryable } from '../../db/pool.ts';
import type { Actor } from '../auth/access-tokens.ts';
import { requireManager } from './require-manager.ts';
import { listManagedUsers, type ManagedUser } from './user-record.ts';

/** Every user of the actor's agency with role and assigned sites (owners and admins only). */
export async function listUsers({ db, actor }: { db: Queryable; actor: Actor }): Promise<ManagedUser[]> {
  await requireManager(db, actor);
  return listManagedUsers(db, actor.agencyId);
}
