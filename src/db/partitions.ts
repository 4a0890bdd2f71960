import type { Pool } from './pool.ts';

/** Days of event partitions kept ready ahead of today (UTC), so a write never waits on DDL. */
export const PARTITION_DAYS_AHEAD = 7;

/**
 * Creates the daily `events` partitions from yesterday to PARTITION_DAYS_AHEAD days from now.
 * Yesterday is included so a process started just after midnight still finds late writes a home.
 */
export async function ensureEventPartitions(pool: Pool, now = new Date()): Promise<number> {
  const yesterday = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - 1));
  const { rows } = await pool.query<{ created: number }>(
    'SELECT ensure_event_partitions($1::date, $2) AS created',
    [yesterday.toISOString().slice(0, 10), PARTITION_DAYS_AHEAD + 2],
  );
  return rows[0]?.created ?? 0;
}
