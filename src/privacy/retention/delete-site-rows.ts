import { deleteInBatches } from '../../db/delete-in-batches.ts';
import type { Queryable } from '../../db/pool.ts';
import { quoted, type EventPartition } from './event-partitions.ts';

/** Rows at a time; each batch is one short statement (see deleteInBatches). */
export interface BatchOptions {
  batchSize: number;
  signal?: AbortSignal | undefined;
}

/** A cutoff: rows older go; `infinity` for all of a site's rows (a purged site). */
export type Before = Date | 'infinity';

/** Deletes a site's rows from each given partition (all of its rows there: a partition is wholly past a cutoff or not). */
export async function deleteSiteEvents(
  db: Queryable,
  siteId: string,
  partitions: readonly EventPartition[],
  options: BatchOptions,
): Promise<number> {
  let removed = 0;
  for (const partition of partitions) {
    if (options.signal?.aborted === true) break;
    const table = quoted(partition.name);
    removed += await deleteInBatches(
      db,
      `DELETE FROM ${table} WHERE ctid = ANY(ARRAY(SELECT ctid FROM ${table} WHERE site_id = $1 LIMIT $2))`,
      [siteId],
      options,
    );
  }
  return removed;
}

/**
 * Sessions that started and ended before the cutoff (the visit history of companies too: a
 * company's visits are its sessions). One still going on at the cutoff stays with its later events.
 * The outer condition is checked again on a row the writer changed meanwhile, so a session that
 * just came alive again is not deleted.
 */
export function deleteSessionsBefore(db: Queryable, siteId: string, before: Before, options: BatchOptions) {
  return deleteInBatches(
    db,
    `DELETE FROM sessions WHERE site_id = $1 AND last_seen_at < $2 AND ctid = ANY(ARRAY(
       SELECT ctid FROM sessions WHERE site_id = $1 AND started_at < $2 AND last_seen_at < $2 LIMIT $3))`,
    [siteId, before],
    options,
  );
}

/**
 * Companies last seen before the cutoff (none of their visits is left; their lead-status changes go
 * with them), then the lead-status changes of the others from before it.
 */
export async function deleteCompaniesBefore(
  db: Queryable,
  siteId: string,
  before: Before,
  options: BatchOptions,
): Promise<{ companies: number; statusChanges: number }> {
  const companies = await deleteInBatches(
    db,
    `DELETE FROM companies WHERE site_id = $1 AND last_seen_at < $2 AND id = ANY(ARRAY(
       SELECT id FROM companies WHERE site_id = $1 AND last_seen_at < $2 LIMIT $3))`,
    [siteId, before],
    options,
  );
  const statusChanges = await deleteInBatches(
    db,
    `DELETE FROM company_status_changes WHERE id = ANY(ARRAY(
       SELECT id FROM company_status_changes WHERE site_id = $1 AND changed_at < $2 LIMIT $3))`,
    [siteId, before],
    options,
  );
  return { companies, statusChanges };
}

/**
 * Deliveries created before the cutoff, whatever their state: their event is gone with it (a
 * pending one could not be sent, a dead letter not replayed), and their payload and log may hold
 * personal data. Per destination, oldest id first through deliveries_destination_idx; a batch ends
 * at the first delivery of the cutoff or later (ids grow with creation). Hot-lead notifications
 * queued before destinations existed have no destination; deliveries_without_destination_idx finds them.
 */
export async function deleteDeliveriesBefore(
  db: Queryable,
  siteId: string,
  before: Before,
  options: BatchOptions,
): Promise<number> {
  const { rows } = await db.query<{ id: string }>('SELECT id FROM destinations WHERE site_id = $1', [siteId]);
  let removed = 0;
  for (const { id } of rows) {
    removed += await deleteInBatches(
      db,
      `DELETE FROM deliveries WHERE created_at < $2 AND id = ANY(ARRAY(
         SELECT id FROM deliveries WHERE destination_id = $1 ORDER BY id LIMIT $3))`,
      [id, before],
      options,
    );
  }
  removed += await deleteInBatches(
    db,
    `DELETE FROM deliveries WHERE id = ANY(ARRAY(
       SELECT id FROM deliveries WHERE destination_id IS NULL AND site_id = $1 AND created_at < $2 LIMIT $3))`,
    [siteId, before],
    options,
  );
  return removed;
}
