/**
 * The retention rules, as pure functions: where a site's raw data ends, when a deleted site's data
 * goes, and what becomes of a daily `events` partition.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

/** A soft-deleted site can be restored this long; then the retention job deletes all of its data. */
export const DELETED_SITE_GRACE_DAYS = 30;

/**
 * Where a site's raw data begins at `now`: midnight UTC `retentionDays` days before today. Rows
 * received (events) or last active (sessions, companies) before it are deleted. Aligned to UTC
 * midnight, so it falls on an `events` partition boundary and a partition is either wholly past a
 * site's retention or wholly within it; everything is kept at least `retentionDays` whole days.
 */
export function retentionCutoff(now: Date, retentionDays: number): Date {
  if (!Number.isInteger(retentionDays) || retentionDays < 1) {
    throw new RangeError(`retentionDays must be a positive integer, not ${String(retentionDays)}`);
  }
  const time = now.getTime();
  if (!Number.isFinite(time)) throw new RangeError('now must be a valid date');
  const today = Math.floor(time / DAY_MS) * DAY_MS;
  return new Date(today - retentionDays * DAY_MS);
}

/** Whether a site soft-deleted at `deletedAt` is past its grace period at `now`. */
export function isPurgeDue(deletedAt: Date, now: Date, graceDays = DELETED_SITE_GRACE_DAYS): boolean {
  return deletedAt.getTime() + graceDays * DAY_MS <= now.getTime();
}

/** The first day of a daily partition `events_YYYYMMDD` (as ensure_event_partitions names them), else undefined. */
export function partitionStart(name: string): Date | undefined {
  const match = /^events_(\d{4})(\d{2})(\d{2})$/.exec(name);
  if (match === null) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const start = new Date(Date.UTC(year, month - 1, day));
  const real =
    start.getUTCFullYear() === year && start.getUTCMonth() === month - 1 && start.getUTCDate() === day;
  return real ? start : undefined;
}

/**
 * What the retention job does with one daily partition ([start, start + 1 day)), given each
 * site's cutoff and the sites with rows in it: drop it whole when every one of them is past its
 * retention there (a site no longer in `sites` has nothing to keep), delete the rows of those past
 * it when some site still keeps its rows, or leave it. Only a partition that is past the retention
 * of at least one site is ever touched, so recent and future partitions (empty ones included) stay.
 */
export type PartitionFate = { kind: 'drop' } | { kind: 'delete_rows'; siteIds: string[] } | { kind: 'keep' };

export function partitionFate(
  start: Date,
  cutoffs: ReadonlyMap<string, Date>,
  presentSiteIds: readonly string[],
): PartitionFate {
  const end = start.getTime() + DAY_MS;
  const latestCutoff = [...cutoffs.values()].reduce(
    (latest, cutoff) => Math.max(latest, cutoff.getTime()),
    -Infinity,
  );
  if (!(end <= latestCutoff)) return { kind: 'keep' };
  const past = (siteId: string) => {
    const cutoff = cutoffs.get(siteId);
    return cutoff === undefined || cutoff.getTime() >= end;
  };
  const expired = presentSiteIds.filter(past);
  if (expired.length === presentSiteIds.length) return { kind: 'drop' };
  return expired.length === 0 ? { kind: 'keep' } : { kind: 'delete_rows', siteIds: expired };
}
