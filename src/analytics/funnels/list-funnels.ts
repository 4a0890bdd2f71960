import type { Queryable } from '../../db/pool.ts';
import type { Actor } from '../../tenancy/auth/access-tokens.ts';
import { getSite } from '../../tenancy/sites/get-site.ts';
import { FUNNEL_COLUMNS, toFunnel, type Funnel, type FunnelRow } from './funnel-record.ts';

/** The site's saved funnels, oldest first (anyone who may read the site). */
export async function listFunnels({
  db,
  actor,
  siteId,
}: {
  db: Queryable;
  actor: Actor;
  siteId: string;
}): Promise<Funnel[]> {
  await getSite({ db, actor, siteId, access: 'read' });
  const { rows } = await db.query<FunnelRow>(
    `SELECT ${FUNNEL_COLUMNS} FROM funnels WHERE site_id = $1 ORDER BY created_at, id`,
    [siteId],
  );
  return rows.map(toFunnel);
}
