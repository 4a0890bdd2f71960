import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { estimateTopByVisitors } from './top-by-visitors.ts';

interface Group {
  key: string;
  visitorsAtLeast: number;
  visitorsAtMost: number;
  /** What merging the group's sketches would estimate: within its bounds. */
  visitors: number;
}

/** The page as sorting every group by its estimate gives it: visitors, then key ascending. */
function pageOf(groups: readonly Group[], needed: number, descending: boolean): string[] {
  return [...groups]
    .sort(
      (a, b) => (descending ? b.visitors - a.visitors : a.visitors - b.visitors) || (a.key < b.key ? -1 : 1),
    )
    .slice(0, needed)
    .map((group) => group.key);
}

async function search(groups: readonly Group[], needed: number, descending: boolean) {
  let asked = 0;
  const estimated = await estimateTopByVisitors(groups, { needed, descending }, async (batch) => {
    asked += batch.length;
    return batch.map((group) => group.visitors);
  });
  return { page: pageOf(estimated, needed, descending), asked, estimated };
}

/** A long tail: group i has `top / (i + 1)` visitors, on 30 days with a bound that is their sum. */
function longTail(count: number, top: number): Group[] {
  return Array.from({ length: count }, (_, index) => {
    const visitors = Math.max(1, Math.floor(top / (index + 1)));
    return {
      key: `/page-${String(index).padStart(4, '0')}`,
      visitors,
      visitorsAtLeast: Math.ceil(visitors / 30),
      visitorsAtMost: Math.round(visitors * 1.4),
    };
  });
}

describe('estimateTopByVisitors', () => {
  it.each([
    ['descending, first page of 10', 10, true],
    ['descending, third page of 10', 30, true],
    ['ascending, first page of 10', 10, false],
  ])('%s on a long tail of 2,000 pages: the page of a full sort', async (_, needed, descending) => {
    const groups = longTail(2_000, 100_000);
    const { page } = await search(groups, needed, descending);
    expect(page).toEqual(pageOf(groups, needed, descending));
  });

  it('stops on a long tail after a batch or two, not at every group whose bounds overlap the page', async () => {
    const groups = longTail(2_000, 100_000);
    const overlapping = groups.filter(
      (group) =>
        group.visitorsAtMost >=
        [...groups].sort((a, b) => b.visitorsAtLeast - a.visitorsAtLeast)[9]!.visitorsAtLeast,
    ).length;
    const { asked } = await search(groups, 10, true);
    expect(asked).toBeLessThanOrEqual(30);
    expect(overlapping).toBeGreaterThan(100);
  });

  it('estimates every group when the page needs them all', async () => {
    const groups = longTail(7, 1_000);
    const { asked, page } = await search(groups, 10, true);
    expect(asked).toBe(7);
    expect(page).toHaveLength(7);
  });

  it('keeps going while the next bound ties the page’s last estimate (a tie is decided by the key)', async () => {
    const groups: Group[] = [
      ...Array.from({ length: 10 }, (_, index) => ({
        key: `/b-${index}`,
        visitors: 50,
        visitorsAtLeast: 50,
        visitorsAtMost: 60,
      })),
      { key: '/a', visitors: 50, visitorsAtLeast: 10, visitorsAtMost: 50 },
    ];
    const { page } = await search(groups, 10, true);
    expect(page[0]).toBe('/a');
  });

  it('gives the page of a full sort for any groups, bounds and page', async () => {
    const group = fc
      .tuple(fc.nat(1_000), fc.nat(1_000), fc.nat(1_000))
      .map(([a, b, c]) => [a, b, c].sort((x, y) => x - y) as [number, number, number]);
    await fc.assert(
      fc.asyncProperty(
        fc.array(group, { maxLength: 80 }),
        fc.integer({ min: 1, max: 40 }),
        fc.boolean(),
        async (bounds, needed, descending) => {
          const groups = bounds.map(([least, visitors, most], index) => ({
            key: `v${index}`,
            visitorsAtLeast: least,
            visitors,
            visitorsAtMost: most,
          }));
          const { page } = await search(groups, needed, descending);
          expect(page).toEqual(pageOf(groups, needed, descending));
        },
      ),
      { numRuns: 300 },
    );
  });
});
