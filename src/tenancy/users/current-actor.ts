import type { Queryable } from '../../db/pool.ts';
import { AppError } from '../../errors.ts';
import type { Actor } from '../auth/access-tokens.ts';
import type { Role } from './roles.ts';

/**
 * The actor with its role and instance-administrator flag as the database has them now. An access
 * token carries the role it was signed with for up to 15 minutes; writes ask here instead, so a
 * demotion or removal stops them at once. Reads keep the token's role: they change nothing, and a
 * removed user's refresh token is gone, so the window closes when the access token lapses.
 * An API key's actor comes back as it is: its row was read for this very request.
 */
export async function currentActor(db: Queryable, actor: Actor): Promise<Actor> {
  if (actor.apiKeyId !== undefined) return actor;
  const { rows } = await db.query<{ role: Role; is_instance_admin: boolean }>(
    'SELECT role, is_instance_admin FROM dashboard_users WHERE id = $1 AND agency_id = $2',
    [actor.userId, actor.agencyId],
  );
  const user = rows[0];
  if (user === undefined) throw new AppError('unauthorized', 'Your account no longer exists');
  return { ...actor, role: user.role, isInstanceAdmin: user.is_instance_admin };
}
