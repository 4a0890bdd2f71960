import type { Queryable } from '../../db/pool.ts';
import { AppError } from '../../errors.ts';
import type { Actor } from '../../tenancy/auth/access-tokens.ts';
import { getSite } from '../../tenancy/sites/get-site.ts';
import { currentActor } from '../../tenancy/users/current-actor.ts';

/**
 * Whether a live connection opened by `actor` may go on watching the site. A connection outlives
 * the access token that opened it (15 minutes), so this is asked again from time to time, against
 * the database as it is now: the user removed or the key revoked, the site deleted or a member no
 * longer assigned to it all end the connection. A failing database is an error, not a "no".
 */
export async function checkLiveAccess({
  db,
  actor,
  siteId,
}: {
  db: Queryable;
  actor: Actor;
  siteId: string;
}): Promise<boolean> {
  try {
    if (actor.apiKeyId !== undefined) {
      const { rows } = await db.query(
        `SELECT 1 FROM api_keys WHERE id = $1 AND agency_id = $2 AND revoked_at IS NULL
           AND (expires_at IS NULL OR expires_at > now())`,
        [actor.apiKeyId, actor.agencyId],
      );
      if (rows.length === 0) return false;
    }
    await getSite({ db, actor: await currentActor(db, actor), siteId });
    return true;
  } catch (error) {
    if (error instanceof AppError && ['unauthorized', 'forbidden', 'not_found'].includes(error.code)) {
      return false;
    }
    throw error;
  }
}
