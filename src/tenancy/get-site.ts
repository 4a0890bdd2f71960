import type { Queryable } from '../db/pool.ts';
import { AppError } from '../http/errors.ts';
import type { Actor } from './access-tokens.ts';
import { SITE_COLUMNS, toSite, type Site, type SiteRow } from './site-record.ts';

/** The site if it belongs to the actor's agency. Another agency's site is "not found", never "forbidden". */
export async function getSite({
  db,
  actor,
  siteId,
}: {
  db: Queryable;
  actor: Actor;
  siteId: string;
}): Promise<Site> {
  const { rows } = await db.query<SiteRow>(
    `SELECT ${SITE_COLUMNS} FROM sites WHERE id = $1 AND agency_id = $2 AND deleted_at IS NULL`,
    [siteId, actor.agencyId],
  );
  if (rows[0] === undefined) throw new AppError('not_found', 'Site not found', { field: 'siteId' });
  return toSite(rows[0]);
}

export async function listSites({ db, actor }: { db: Queryable; actor: Actor }): Promise<Site[]> {
  const { rows } = await db.query<SiteRow>(
    `SELECT ${SITE_COLUMNS} FROM sites WHERE agency_id = $1 AND deleted_at IS NULL ORDER BY created_at, id`,
    [actor.agencyId],
  );
  return rows.map(toSite);
}
