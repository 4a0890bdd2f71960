/** What is known of a group's distinct visitors before its sketches are merged. */
export interface VisitorBounds {
  /** The busiest part's count. */
  visitorsAtLeast: number;
  /** The parts' sum. */
  visitorsAtMost: number;
}

/**
 * The groups a page sorted by visitors needs estimated, merging as few sketches as it can. An
 * estimate lies within its group's bounds, so groups are estimated in the order of the bound that
 * could bring them onto the page (descending: the sum), in growing batches, until the next group's
 * bound cannot reach the page's last estimate: no group left behind can then be on the page. A long
 * tail of pages, each with a month of day sketches, stops after a batch or two instead of merging
 * every value whose bounds overlap the page's.
 *
 * Returns every estimated group, a superset of the page; the caller sorts and slices.
 */
export async function estimateTopByVisitors<T extends VisitorBounds>(
  groups: readonly T[],
  page: { needed: number; descending: boolean },
  estimate: (batch: T[]) => Promise<readonly number[]>,
): Promise<T[]> {
  const { needed, descending } = page;
  const reach = (group: T) => (descending ? group.visitorsAtMost : group.visitorsAtLeast);
  const queue = [...groups].sort((a, b) => (descending ? reach(b) - reach(a) : reach(a) - reach(b)));
  const estimated: T[] = [];
  const estimates: number[] = [];
  let batch = Math.max(needed, 10);
  while (queue.length > 0) {
    if (estimates.length >= needed) {
      const last = estimates.sort((a, b) => (descending ? b - a : a - b))[needed - 1]!;
      const next = reach(queue[0]!);
      if (descending ? next < last : next > last) break;
    }
    const wanted = queue.splice(0, batch);
    estimated.push(...wanted);
    estimates.push(...(await estimate(wanted)));
    batch *= 2;
  }
  return estimated;
}
