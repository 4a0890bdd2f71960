import type { Queryable } from '../../db/pool.ts';
import type { Actor } from '../../tenancy/auth/access-tokens.ts';
import { getSite } from '../../tenancy/sites/get-site.ts';
import { findFunnelRow, toFunnel, type Funnel } from './funnel-record.ts';

export async function getFunnel({
  db,
  actor,
  siteId,
  funnelId,
}: {
  db: Queryable;
  actor: Actor;
  siteId: string;
  funnelId: string;
}): Promise<Funnel> {
  await getSite({ db, actor, siteId, access: 'read' });
  return toFunnel(await findFunnelRow(db, siteId, funnelId));
}
