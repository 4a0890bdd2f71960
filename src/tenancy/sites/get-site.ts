import type { Queryable } from '../../db/pool.ts';
import { AppError } from '../../errors.ts';
import type { Actor } from '../auth/access-tokens.ts';
import { currentActor } from '../users/current-actor.ts';
import { allows, seesAllSites, type SiteAccess } from '../users/roles.ts';
import { SITE_COLUMNS, toSite, type Site, type SiteRow } from './site-record.ts';

/**
 * Members see only their assigned sites; owners and admins every site of the agency. The condition
 * takes three parameters from `$first`: agency id, sees-all flag, user id (see visibleParams).
 */
export function visibleToActor(first: number): string {
  return `sites.agency_id = $${first} AND sites.deleted_at IS NULL
    AND ($${first + 1}::boolean OR EXISTS (
      SELECT 1 FROM site_members m WHERE m.site_id = sites.id AND m.user_id = $${first + 2}))`;
}

/** A management API key belongs to the agency, not to a person: even a read-only one sees every site. */
export function visibleParams(actor: Actor): [string, boolean, string] {
  return [actor.agencyId, seesAllSites(actor.role) || actor.apiKeyId !== undefined, actor.userId];
}

/**
 * The site if the actor may reach it with the given access. A site of another agency, or one a
 * member is not assigned to, is "not found" — never "forbidden", which would confirm it exists.
 * A reachable site the role may not change is 403. For `write` and `manage` the role is read from
 * the database (currentActor), so a user demoted or removed a moment ago cannot change anything.
 */
export async function getSite({
  db,
  actor,
  siteId,
  access = 'read',
}: {
  db: Queryable;
  actor: Actor;
  siteId: string;
  access?: SiteAccess;
}): Promise<Site> {
  if (access !== 'read') actor = await currentActor(db, actor);
  const { rows } = await db.query<SiteRow>(
    `SELECT ${SITE_COLUMNS} FROM sites WHERE id = $1 AND ${visibleToActor(2)}`,
    [siteId, ...visibleParams(actor)],
  );
  if (rows[0] === undefined) throw new AppError('not_found', 'Site not found', { field: 'siteId' });
  if (!allows(actor.role, access)) {
    throw new AppError(
      'forbidden',
      `Your role (${actor.role}) may not ${access === 'manage' ? 'change this site' : 'change data of this site'}`,
    );
  }
  return toSite(rows[0]);
}

export async function listSites({ db, actor }: { db: Queryable; actor: Actor }): Promise<Site[]> {
  const { rows } = await db.query<SiteRow>(
    `SELECT ${SITE_COLUMNS} FROM sites WHERE ${visibleToActor(1)} ORDER BY created_at, id`,
    visibleParams(actor),
  );
  return rows.map(toSite);
}
