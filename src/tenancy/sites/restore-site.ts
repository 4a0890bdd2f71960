import { withTransaction, type Pool, type Queryable } from '../../db/pool.ts';
import { AppError } from '../../errors.ts';
import { DELETED_SITE_GRACE_DAYS } from '../../privacy/retention/retention-rules.ts';
import type { Actor } from '../auth/access-tokens.ts';
import { recordAudit } from '../audit/record-audit.ts';
import { currentActor } from '../users/current-actor.ts';
import { visibleParams } from './get-site.ts';
import { allows } from '../users/roles.ts';
import { SITE_COLUMNS, toSite, type DeletedSite, type Site, type SiteRow } from './site-record.ts';

/** Owners and admins only (their role as the database has it now), as for deleting a site. */
async function requireSiteManager(db: Queryable, actor: Actor, verb: string): Promise<void> {
  const current = await currentActor(db, actor);
  if (!allows(current.role, 'manage')) {
    throw new AppError('forbidden', `Your role (${current.role}) may not ${verb} sites`);
  }
}

type DeletedSiteRow = SiteRow & { deleted_at: Date; purge_after: Date };

const DELETED_SITE_COLUMNS = `${SITE_COLUMNS}, deleted_at,
  deleted_at + make_interval(days => ${DELETED_SITE_GRACE_DAYS}) AS purge_after`;

function toDeletedSite(row: DeletedSiteRow): DeletedSite {
  return {
    ...toSite(row),
    deletedAt: row.deleted_at.toISOString(),
    purgeAfter: row.purge_after.toISOString(),
  };
}

/** The agency's deleted sites that can still be restored, most recently deleted first (owner or admin). */
export async function listDeletedSites({ db, actor }: { db: Pool; actor: Actor }): Promise<DeletedSite[]> {
  await requireSiteManager(db, actor, 'list deleted');
  const { rows } = await db.query<DeletedSiteRow>(
    `SELECT ${DELETED_SITE_COLUMNS} FROM sites
     WHERE agency_id = $1 AND deleted_at IS NOT NULL
       AND deleted_at > now() - make_interval(days => ${DELETED_SITE_GRACE_DAYS})
     ORDER BY deleted_at DESC, id`,
    [actor.agencyId],
  );
  return rows.map(toDeletedSite);
}

/**
 * Undoes a site's deletion within its grace period (owner or admin; audited): tracking resumes with
 * the same keys, and nothing of its data is lost. Its tracker alias does not come back (another
 * site may have taken it since); set it again with PATCH. After the grace period the retention job
 * deletes the site and everything of it, so a restore then answers 409.
 */
export async function restoreSite({
  db,
  actor,
  siteId,
  ip,
}: {
  db: Pool;
  actor: Actor;
  siteId: string;
  ip: string | undefined;
}): Promise<Site> {
  const current = await currentActor(db, actor);
  return withTransaction(db, async (client) => {
    // Found as getSite finds sites: a member sees only the sites assigned to them, so another site
    // is "not found" for them, never "forbidden" (which would confirm it exists).
    const { rows } = await client.query<SiteRow & { deleted_at: Date | null; purge_due: boolean }>(
      `SELECT ${SITE_COLUMNS}, deleted_at,
         deleted_at <= now() - make_interval(days => ${DELETED_SITE_GRACE_DAYS}) AS purge_due
       FROM sites
       WHERE id = $1 AND agency_id = $2
         AND ($3::boolean OR EXISTS (SELECT 1 FROM site_members m WHERE m.site_id = sites.id AND m.user_id = $4))
       FOR UPDATE`,
      [siteId, ...visibleParams(current)],
    );
    const row = rows[0];
    if (row === undefined) throw new AppError('not_found', 'Site not found', { field: 'siteId' });
    if (!allows(current.role, 'manage')) {
      throw new AppError('forbidden', `Your role (${current.role}) may not restore sites`);
    }
    if (row.deleted_at === null)
      throw new AppError('conflict', 'This site is not deleted', { field: 'siteId' });
    if (row.purge_due) {
      throw new AppError(
        'conflict',
        `This site was deleted more than ${DELETED_SITE_GRACE_DAYS} days ago; its data is being deleted and it cannot be restored`,
        { field: 'siteId' },
      );
    }
    await client.query('UPDATE sites SET deleted_at = NULL, updated_at = now() WHERE id = $1', [siteId]);
    await recordAudit(client, { actor, action: 'site.restore', targetType: 'site', targetId: siteId, ip });
    return toSite(row);
  });
}
