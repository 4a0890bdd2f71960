import { withTransaction, type Pool } from '../db/pool.ts';
import type { Actor } from '../tenancy/auth/access-tokens.ts';
import { recordAudit } from '../tenancy/audit/record-audit.ts';
import { findDestinationRow, getDestinationSite } from './get-destination.ts';

/**
 * Removes a destination (owners and admins) and its delivery log; deliveries still pending are
 * dropped with it, so nothing more is sent to it.
 */
export async function deleteDestination({
  db,
  actor,
  siteId,
  destinationId,
  ip,
}: {
  db: Pool;
  actor: Actor;
  siteId: string;
  destinationId: string;
  ip: string | undefined;
}): Promise<{ siteKey: string }> {
  const site = await getDestinationSite({ db, actor, siteId, access: 'manage' });
  await withTransaction(db, async (client) => {
    const row = await findDestinationRow(client, siteId, destinationId, true);
    await client.query('DELETE FROM destinations WHERE site_id = $1 AND id = $2', [siteId, destinationId]);
    await recordAudit(client, {
      actor,
      action: 'destination.delete',
      targetType: 'destination',
      targetId: destinationId,
      ip,
      details: { siteId, type: row.type, name: row.name },
    });
  });
  return { siteKey: site.siteKey };
}
