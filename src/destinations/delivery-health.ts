import { Type, type Static } from 'typebox';
import type { Queryable } from '../db/pool.ts';
import type { Actor } from '../tenancy/auth/access-tokens.ts';
import { getDestinationSite } from './get-destination.ts';

/** How far back "delivered" and "skipped" count: what a glance at a destination's health asks. */
export const HEALTH_WINDOW_HOURS = 24;

export const DestinationHealth = Type.Object(
  {
    destinationId: Type.String(),
    pending: Type.Integer({ description: 'Waiting for their first attempt' }),
    retrying: Type.Integer({ description: 'Failed at least once, tried again later' }),
    dead: Type.Integer({ description: 'Dead letters: failed for good, waiting for a replay' }),
    delivered: Type.Integer({ description: `Delivered in the last ${HEALTH_WINDOW_HOURS} hours` }),
    skipped: Type.Integer({
      description: `Settled without sending in the last ${HEALTH_WINDOW_HOURS} hours (nothing to send)`,
    }),
    lastDeliveredAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    lastError: Type.Union(
      [
        Type.Object({
          deliveryId: Type.Integer(),
          status: Type.Union([Type.Literal('retrying'), Type.Literal('dead')]),
          message: Type.String(),
          httpStatus: Type.Union([Type.Integer(), Type.Null()]),
          createdAt: Type.String({ format: 'date-time' }),
        }),
        Type.Null(),
      ],
      { description: 'The newest delivery still failing (retrying or dead), with the platform’s answer' },
    ),
  },
  { $id: 'DestinationHealth' },
);
export type DestinationHealth = Static<typeof DestinationHealth>;

interface HealthRow {
  id: string;
  pending: string;
  retrying: string;
  dead: string;
  delivered: string;
  skipped: string;
  last_delivered_at: Date | null;
  error_id: number | null;
  error_status: 'pending' | 'failed' | null;
  last_error: string | null;
  last_status: number | null;
  error_created_at: Date | null;
}

/**
 * Delivery health of each of a site's destinations in one answer, for the dashboard's list: what
 * is waiting or dead now, what went out recently, and the newest error still standing (a replayed
 * or delivered one is gone). Members and above, like the delivery log.
 */
export async function listDeliveryHealth({
  db,
  actor,
  siteId,
  now = new Date(),
}: {
  db: Queryable;
  actor: Actor;
  siteId: string;
  now?: Date;
}): Promise<DestinationHealth[]> {
  await getDestinationSite({ db, actor, siteId, access: 'write' });
  const since = new Date(now.getTime() - HEALTH_WINDOW_HOURS * 60 * 60 * 1000);
  const { rows } = await db.query<HealthRow>(
    `SELECT d.id, c.pending, c.retrying, c.dead, c.delivered, c.skipped, c.last_delivered_at,
            e.id AS error_id, e.status AS error_status, e.last_error, e.last_status, e.created_at AS error_created_at
     FROM destinations d
     CROSS JOIN LATERAL (
       SELECT count(*) FILTER (WHERE status = 'pending' AND last_error IS NULL) AS pending,
              count(*) FILTER (WHERE status = 'pending' AND last_error IS NOT NULL) AS retrying,
              count(*) FILTER (WHERE status = 'failed') AS dead,
              count(*) FILTER (WHERE status = 'done' AND finished_at >= $2) AS delivered,
              count(*) FILTER (WHERE status = 'cancelled' AND finished_at >= $2) AS skipped,
              max(finished_at) FILTER (WHERE status = 'done') AS last_delivered_at
       FROM deliveries
       WHERE destination_id = d.id AND site_id = $1
     ) c
     LEFT JOIN LATERAL (
       SELECT id, status, last_error, last_status, created_at FROM deliveries
       WHERE destination_id = d.id AND site_id = $1 AND status IN ('pending', 'failed') AND last_error IS NOT NULL
       ORDER BY id DESC LIMIT 1
     ) e ON true
     WHERE d.site_id = $1
     ORDER BY d.created_at, d.id`,
    [siteId, since],
  );
  return rows.map((row) => ({
    destinationId: row.id,
    pending: Number(row.pending),
    retrying: Number(row.retrying),
    dead: Number(row.dead),
    delivered: Number(row.delivered),
    skipped: Number(row.skipped),
    lastDeliveredAt: row.last_delivered_at?.toISOString() ?? null,
    lastError:
      row.error_id === null
        ? null
        : {
            deliveryId: Number(row.error_id),
            status: row.error_status === 'failed' ? 'dead' : 'retrying',
            message: row.last_error!,
            httpStatus: row.last_status,
            createdAt: row.error_created_at!.toISOString(),
          },
  }));
}
