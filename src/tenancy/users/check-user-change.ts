import type { Queryable } from '../../db/pool.ts';
import { AppError } from '../../errors.ts';
import { canManageRole, type Role } from './roles.ts';
import { countOtherOwners, type ManagedUser } from './user-record.ts';

/**
 * The rules for changing a user's role or removing them (`to: 'removed'`):
 * admins may not touch an owner nor make anyone owner; the instance administrator stays an owner;
 * the last owner of an agency can be neither demoted nor removed. Call it with the agency's users
 * locked (lockAgencyUsers) so the owner count cannot change underneath.
 */
export async function checkUserChange(
  db: Queryable,
  {
    agencyId,
    manager,
    target,
    to,
  }: { agencyId: string; manager: Role; target: ManagedUser; to: Role | 'removed' | undefined },
): Promise<void> {
  if (!canManageRole(manager, target.role)) {
    throw new AppError('forbidden', 'Admins may not change or remove an owner');
  }
  if (to !== undefined && to !== 'removed' && !canManageRole(manager, to)) {
    throw new AppError('forbidden', 'Only owners may make someone an owner', { field: 'role' });
  }
  const losesOwner = target.role === 'owner' && to !== undefined && to !== 'owner';
  if (!losesOwner) return;
  if (target.isInstanceAdmin) {
    throw new AppError('forbidden', 'The instance administrator stays an owner of their agency', {
      ...(to === 'removed' ? {} : { field: 'role' }),
    });
  }
  if ((await countOtherOwners(db, agencyId, target.id)) === 0) {
    throw new AppError('conflict', 'An agency keeps at least one owner; make someone else owner first', {
      ...(to === 'removed' ? {} : { field: 'role' }),
    });
  }
}
