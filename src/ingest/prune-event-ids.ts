import { deleteInBatches } from '../db/delete-in-batches.ts';
import type { Queryable } from '../db/pool.ts';

/**
 * How long an eventId is remembered. A client resends a lost request within minutes (the tracker
 * keeps nothing across page loads); a week also covers a server-side sender replaying a day of
 * its own queue. A resend after that is stored as a new event.
 */
export const EVENT_ID_DEDUP_DAYS = 7;

/**
 * Forgets eventIds received before `olderThan`, so `event_ids` (one row per event that carried an
 * eventId) and its index, which every batch writes to, do not grow without bound. Deletes in
 * batches, each a short statement, so the writer's inserts never wait long on it. Returns how many
 * were forgotten.
 */
export async function pruneEventIds(db: Queryable, olderThan: Date, batchSize = 10_000): Promise<number> {
  return deleteInBatches(
    db,
    `DELETE FROM event_ids WHERE ctid = ANY(ARRAY(
       SELECT ctid FROM event_ids WHERE received_at < $1 LIMIT $2))`,
    [olderThan],
    { batchSize },
  );
}
