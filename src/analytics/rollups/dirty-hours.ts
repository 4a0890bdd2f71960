import { sqlValues, type ScriptStatement } from '../../db/copy.ts';

const HOUR_MS = 60 * 60 * 1000;

/**
 * The statement the ingest writer adds to its transaction so the roll-up job recomputes what the
 * transaction changes: one rollup_dirty row per site and UTC hour that holds one of its events, or
 * the start of a session it continues (the session's counts belong to the day it started). An
 * insert of a few rows that never conflicts, so it takes no lock another transaction waits on.
 * Undefined when there is nothing to mark.
 */
export function markDirtyHours(
  changes: Iterable<{ site_id: string; at: Date }>,
): ScriptStatement | undefined {
  const hours = new Map<string, { site_id: string; hour: Date }>();
  for (const { site_id: siteId, at } of changes) {
    const hour = Math.floor(at.getTime() / HOUR_MS) * HOUR_MS;
    if (!Number.isFinite(hour)) continue;
    hours.set(`${siteId}\u0000${hour}`, { site_id: siteId, hour: new Date(hour) });
  }
  if (hours.size === 0) return undefined;
  return {
    sql: `INSERT INTO rollup_dirty (site_id, hour) ${sqlValues(
      [...hours.values()],
      [
        ['site_id', 'text'],
        ['hour', 'timestamptz'],
      ],
    )}`,
  };
}
