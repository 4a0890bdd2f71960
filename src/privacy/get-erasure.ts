import type { Queryable } from '../db/pool.ts';
import { AppError } from '../errors.ts';
import type { Actor } from '../tenancy/auth/access-tokens.ts';
import { currentActor } from '../tenancy/users/current-actor.ts';
import { canManageSites } from '../tenancy/users/roles.ts';
import { ERASURE_COLUMNS, toErasure, type Erasure, type ErasureRow } from './erasure-record.ts';

/** An erasure of the actor's agency, for owners and admins; another agency's is "not found". */
export async function getErasure({
  db,
  actor,
  erasureId,
}: {
  db: Queryable;
  actor: Actor;
  erasureId: string;
}): Promise<Erasure> {
  const current = await currentActor(db, actor);
  if (!canManageSites(current.role)) {
    throw new AppError('forbidden', `Your role (${current.role}) may not see erasures`);
  }
  const { rows } = await db.query<ErasureRow>(
    `SELECT ${ERASURE_COLUMNS} FROM erasures WHERE public_id = $1 AND agency_id = $2`,
    [erasureId, current.agencyId],
  );
  if (rows[0] === undefined) throw new AppError('not_found', 'Erasure not found', { field: 'erasureId' });
  return toErasure(rows[0]);
}
