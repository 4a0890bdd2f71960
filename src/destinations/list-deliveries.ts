import { Type, type Static } from 'typebox';
import type { Queryable } from '../db/pool.ts';
import type { Actor } from '../tenancy/auth/access-tokens.ts';
import { findDestinationRow, getDestinationSite } from './get-destination.ts';

export const DELIVERY_STATUSES = ['pending', 'retrying', 'delivered', 'dead', 'skipped'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const Delivery = Type.Object(
  {
    id: Type.Integer(),
    eventId: Type.Union([Type.String(), Type.Null()], {
      description: 'The stored event (`evt_…`); null for a notification (a hot lead)',
    }),
    status: Type.Enum(DELIVERY_STATUSES, {
      description:
        'pending (not tried yet, or being sent), retrying (failed, tried again later), delivered, dead (a dead letter: replay it), skipped (nothing to send, or the destination or event is gone)',
    }),
    attempts: Type.Integer(),
    lastStatus: Type.Union([Type.Integer(), Type.Null()], { description: "The platform's last HTTP status" }),
    lastError: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String({ format: 'date-time' }),
    nextAttemptAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    deliveredAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { $id: 'Delivery' },
);
export type Delivery = Static<typeof Delivery>;

export const ListDeliveriesQuery = Type.Object(
  {
    status: Type.Optional(Type.Enum(DELIVERY_STATUSES)),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    before: Type.Optional(Type.Integer({ minimum: 1, description: 'The `nextBefore` of the previous page' })),
  },
  { additionalProperties: false },
);
export type ListDeliveriesQuery = Static<typeof ListDeliveriesQuery>;

export const DeliveryPage = Type.Object({
  deliveries: Type.Array(Type.Ref('Delivery')),
  nextBefore: Type.Union([Type.Integer(), Type.Null()]),
});

/** Where each API status lives in the outbox's own states. */
const STATUS_CONDITION: Record<DeliveryStatus, string> = {
  pending: `status = 'pending' AND last_error IS NULL`,
  retrying: `status = 'pending' AND last_error IS NOT NULL`,
  delivered: `status = 'done'`,
  dead: `status = 'failed'`,
  skipped: `status = 'cancelled'`,
};

interface DeliveryRow {
  id: number;
  event_row_id: string | null;
  status: 'pending' | 'done' | 'failed' | 'cancelled';
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  created_at: Date;
  next_attempt_at: Date;
  finished_at: Date | null;
}

function toDelivery(row: DeliveryRow): Delivery {
  const status: DeliveryStatus =
    row.status === 'done'
      ? 'delivered'
      : row.status === 'failed'
        ? 'dead'
        : row.status === 'cancelled'
          ? 'skipped'
          : row.last_error === null
            ? 'pending'
            : 'retrying';
  return {
    id: row.id,
    eventId: row.event_row_id,
    status,
    attempts: row.attempts,
    lastStatus: row.last_status,
    lastError: row.last_error,
    createdAt: row.created_at.toISOString(),
    nextAttemptAt: row.status === 'pending' ? row.next_attempt_at.toISOString() : null,
    deliveredAt: row.status === 'done' && row.finished_at !== null ? row.finished_at.toISOString() : null,
  };
}

/** A destination's delivery log, newest first, a page at a time; members and above. */
export async function listDeliveries({
  db,
  actor,
  siteId,
  destinationId,
  query,
}: {
  db: Queryable;
  actor: Actor;
  siteId: string;
  destinationId: string;
  query: ListDeliveriesQuery;
}): Promise<{ deliveries: Delivery[]; nextBefore: number | null }> {
  await getDestinationSite({ db, actor, siteId, access: 'write' });
  await findDestinationRow(db, siteId, destinationId);
  const limit = query.limit ?? 50;
  const { rows } = await db.query<DeliveryRow>(
    `SELECT id, event_row_id, status, attempts, last_status, last_error, created_at, next_attempt_at, finished_at
     FROM deliveries
     WHERE destination_id = $1 AND site_id = $2 AND ($3::bigint IS NULL OR id < $3)
       ${query.status === undefined ? '' : `AND ${STATUS_CONDITION[query.status]}`}
     ORDER BY id DESC LIMIT $4`,
    [destinationId, siteId, query.before ?? null, limit + 1],
  );
  const page = rows.slice(0, limit);
  return {
    deliveries: page.map(toDelivery),
    nextBefore: rows.length > limit ? page.at(-1)!.id : null,
  };
}
