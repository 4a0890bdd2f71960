import type { Queryable } from '../../db/pool.ts';
import { partitionStart } from './retention-rules.ts';

/** A daily `events` partition: its table name (events_YYYYMMDD) and the instant its day begins. */
export interface EventPartition {
  name: string;
  start: Date;
}

/**
 * The daily partitions of `events`, oldest first. A partition whose detach was interrupted (it is
 * still attached, pending) is finished here first, and a table a run detached but did not get to
 * drop is dropped: only the retention job detaches partitions, and only to drop them.
 */
export async function listEventPartitions(db: Queryable): Promise<EventPartition[]> {
  const { rows } = await db.query<{ name: string; detach_pending: boolean; attached: boolean }>(
    `SELECT c.relname AS name, coalesce(i.inhdetachpending, false) AS detach_pending, i.inhrelid IS NOT NULL AS attached
     FROM pg_class c
     LEFT JOIN pg_inherits i ON i.inhrelid = c.oid AND i.inhparent = 'events'::regclass
     WHERE c.relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = 'events'::regclass)
       AND c.relkind = 'r' AND c.relname ~ '^events_[0-9]{8}$'`,
  );
  const partitions: EventPartition[] = [];
  for (const row of rows) {
    if (row.detach_pending) {
      await db.query(`ALTER TABLE events DETACH PARTITION ${quoted(row.name)} FINALIZE`);
      await db.query(`DROP TABLE IF EXISTS ${quoted(row.name)}`);
      continue;
    }
    if (!row.attached) {
      await db.query(`DROP TABLE IF EXISTS ${quoted(row.name)}`);
      continue;
    }
    const start = partitionStart(row.name);
    if (start !== undefined) partitions.push({ name: row.name, start });
  }
  return partitions.sort((a, b) => a.start.getTime() - b.start.getTime());
}

/**
 * The distinct sites with rows in a partition, by skipping through its primary key (site_id leads
 * it): one index probe per site, however many rows each has.
 */
export async function sitesInPartition(db: Queryable, partition: EventPartition): Promise<string[]> {
  const table = quoted(partition.name);
  const { rows } = await db.query<{ site_id: string }>(
    `WITH RECURSIVE present AS (
       (SELECT site_id FROM ${table} ORDER BY site_id LIMIT 1)
       UNION ALL
       SELECT (SELECT site_id FROM ${table} WHERE site_id > p.site_id ORDER BY site_id LIMIT 1)
       FROM present p WHERE p.site_id IS NOT NULL
     )
     SELECT site_id FROM present WHERE site_id IS NOT NULL`,
  );
  return rows.map((row) => row.site_id);
}

/**
 * Removes a partition without ever holding a lock that stops ingestion: DETACH … CONCURRENTLY takes
 * only a SHARE UPDATE EXCLUSIVE lock on `events` (inserts and reads go on) and waits for the
 * transactions that may still read the partition; the detached table is then dropped on its own.
 * A plain DROP would take an ACCESS EXCLUSIVE lock on `events`, queueing every insert behind the
 * longest-running report. Must run outside a transaction.
 */
export async function dropEventPartition(db: Queryable, partition: EventPartition): Promise<void> {
  await db.query(`ALTER TABLE events DETACH PARTITION ${quoted(partition.name)} CONCURRENTLY`);
  await db.query(`DROP TABLE ${quoted(partition.name)}`);
}

/** A partition's name as an SQL identifier (names come from pg_class and match events_YYYYMMDD). */
export function quoted(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
