import { withTransaction, type Pool } from '../../db/pool.ts';
import type { Actor } from '../../tenancy/auth/access-tokens.ts';
import { recordAudit } from '../../tenancy/audit/record-audit.ts';
import { getSite } from '../../tenancy/sites/get-site.ts';
import { findFunnelRow } from './funnel-record.ts';

/** Removes a saved funnel (anyone who may change the site's data). */
export async function deleteFunnel({
  db,
  actor,
  siteId,
  funnelId,
  ip,
}: {
  db: Pool;
  actor: Actor;
  siteId: string;
  funnelId: string;
  ip: string | undefined;
}): Promise<void> {
  await getSite({ db, actor, siteId, access: 'write' });
  await withTransaction(db, async (client) => {
    const row = await findFunnelRow(client, siteId, funnelId, true);
    await client.query('DELETE FROM funnels WHERE site_id = $1 AND id = $2', [siteId, funnelId]);
    await recordAudit(client, {
      actor,
      action: 'funnel.delete',
      targetType: 'funnel',
      targetId: funnelId,
      ip,
      details: { siteId, name: row.name },
    });
  });
}
