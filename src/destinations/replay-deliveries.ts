import type { Pool } from '../db/pool.ts';
import type { Actor } from '../tenancy/auth/access-tokens.ts';
import { recordAudit } from '../tenancy/audit/record-audit.ts';
import { findDestinationRow, getDestinationSite } from './get-destination.ts';

/**
 * Dead-letter replay (owners and admins): the destination's failed deliveries, or those of `ids`
 * that failed, are due again now with a fresh retry budget. A replayed delivery to Meta or Google
 * Ads goes without the full client address, which was wiped when it failed.
 */
export async function replayDeliveries({
  db,
  actor,
  siteId,
  destinationId,
  ids,
  ip,
  now = new Date(),
}: {
  db: Pool;
  actor: Actor;
  siteId: string;
  destinationId: string;
  ids: number[] | undefined;
  ip: string | undefined;
  now?: Date;
}): Promise<{ requeued: number }> {
  await getDestinationSite({ db, actor, siteId, access: 'manage' });
  await findDestinationRow(db, siteId, destinationId);
  const { rowCount } = await db.query(
    `UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = $4, last_error = NULL,
       finished_at = NULL, lease_token = NULL
     WHERE destination_id = $1 AND site_id = $2 AND status = 'failed' AND ($3::bigint[] IS NULL OR id = ANY($3))`,
    [destinationId, siteId, ids ?? null, now],
  );
  const requeued = rowCount ?? 0;
  if (requeued > 0) {
    await recordAudit(db, {
      actor,
      action: 'destination.replay',
      targetType: 'destination',
      targetId: destinationId,
      ip,
      details: { siteId, requeued },
    });
  }
  return { requeued };
}
