import { deleteInBatches } from '../../db/delete-in-batches.ts';
import type { Queryable } from '../../db/pool.ts';
import {
  deleteCompaniesBefore,
  deleteDeliveriesBefore,
  deleteSessionsBefore,
  deleteSiteEvents,
  type BatchOptions,
} from './delete-site-rows.ts';
import type { EventPartition } from './event-partitions.ts';

export interface PurgedSite {
  events: number;
  sessions: number;
  companies: number;
  deliveries: number;
  rollupRows: number;
  /** False when the run was stopped first, or the site was restored meanwhile: the next run goes on. */
  siteDeleted: boolean;
}

/** Roll-up tables, all keyed by site_id first. */
const ROLLUP_TABLES = ['rollup_days', 'rollup_hours', 'rollup_values', 'rollup_dirty'] as const;

/**
 * Deletes everything held for a soft-deleted site whose grace period is over: its events in every
 * partition, sessions, companies and their lead-status history, deliveries, roll-ups, then the site
 * row, whose foreign keys take its destinations, goals, funnels and member assignments with it.
 * Spent event ids need nothing: tracking stopped at the deletion, and prune_event_ids forgets every
 * id after EVENT_ID_DEDUP_DAYS, long before the grace period ends. Batches as everywhere in
 * retention; the site row goes last, and only if it is still deleted since `deletedBefore`.
 */
export async function purgeDeletedSite(
  db: Queryable,
  {
    siteId,
    deletedBefore,
    partitions,
    ...options
  }: BatchOptions & { siteId: string; deletedBefore: Date; partitions: readonly EventPartition[] },
): Promise<PurgedSite> {
  const events = await deleteSiteEvents(db, siteId, partitions, options);
  const sessions = await deleteSessionsBefore(db, siteId, 'infinity', options);
  const { companies } = await deleteCompaniesBefore(db, siteId, 'infinity', options);
  const deliveries = await deleteDeliveriesBefore(db, siteId, 'infinity', options);
  let rollupRows = 0;
  for (const table of ROLLUP_TABLES) {
    rollupRows += await deleteInBatches(
      db,
      `DELETE FROM ${table} WHERE ctid = ANY(ARRAY(SELECT ctid FROM ${table} WHERE site_id = $1 LIMIT $2))`,
      [siteId],
      options,
    );
  }
  if (options.signal?.aborted === true) {
    return { events, sessions, companies, deliveries, rollupRows, siteDeleted: false };
  }
  const { rowCount } = await db.query('DELETE FROM sites WHERE id = $1 AND deleted_at <= $2', [
    siteId,
    deletedBefore,
  ]);
  return { events, sessions, companies, deliveries, rollupRows, siteDeleted: rowCount === 1 };
}
