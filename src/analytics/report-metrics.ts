import type { Queryable } from '../db/pool.ts';
import {
  groupedCounts,
  groupedMetrics,
  metricsOf,
  type CountedGroup,
  type GroupedRow,
  type GroupOrder,
  type Grouping,
  type MetricsScope,
} from './grouped-metrics.ts';
import { goalsKey } from './rollups/goals-key.ts';
import { EMPTY_SKETCH, estimateUnion, parseSketch } from './rollups/hll.ts';
import {
  rollupDayRows,
  rollupHourRows,
  rollupValueParts,
  rollupValueSums,
  type RollupDays,
  type RollupGroup,
  type RollupPeriod,
  type VisitorPart,
} from './rollups/rollup-counts.ts';
import { splitAtRollups } from './rollups/rollup-split.ts';
import { assertRawEventsKept } from './raw-events-kept.ts';
import { estimateTopByVisitors } from './top-by-visitors.ts';

export interface ReportScope extends MetricsScope {
  timezone: string;
  /** Where the site's raw events begin (retention): a window that needs earlier ones is refused. */
  rawEventsFrom?: Date | undefined;
}

/** A breakdown's order: the metric by name (roll-ups sort in code) and as SQL (raw events sort in the query). */
export interface ReportOrder extends GroupOrder {
  metric: string;
}

/**
 * Dimensions whose values change after the fact or have no end (a company's lead status, whether a
 * visitor had come before, custom properties): roll-ups do not keep them.
 */
const NOT_ROLLED_UP = new Set(['lead_status', 'visitor_type']);

/** The roll-up dimension a grouping reads, or undefined when only raw events answer it. */
function rolledUpDimension(grouping: Grouping): string | undefined {
  if (grouping.by === 'goal') return 'goal';
  if (grouping.by !== 'dimension') return undefined;
  const { name } = grouping.dimension;
  return name.startsWith('prop:') || NOT_ROLLED_UP.has(name) ? undefined : name;
}

/**
 * Every metric per group, as {@link groupedMetrics} counts it on raw events, answered from roll-ups
 * for the whole local days where they are current and from raw events for the rest of the window.
 * Only unfiltered reports use roll-ups (they hold no combination of dimensions), and only for
 * dimensions they keep. Counts add up exactly; distinct visitors over several days come from the
 * days' sketches (HyperLogLog, p = 16: a standard error of 0.4 %), kept between the busiest day's
 * count and the sum of the days', so a single day or hour stays exact. Roll-ups outlive raw events
 * (retention): a report that would need raw events from before `scope.rawEventsFrom` is refused
 * ({@link assertRawEventsKept}) rather than answered with what is left of them.
 */
export async function reportMetrics(
  db: Queryable,
  scope: ReportScope,
  grouping: Grouping,
  options: { order?: ReportOrder; onlyKeys?: ReadonlyArray<string | null> } = {},
): Promise<{ rows: GroupedRow[]; total: number }> {
  const { order, onlyKeys } = options;
  const raw = () => {
    assertRawEventsKept(scope);
    return groupedMetrics(db, scope, grouping, order);
  };
  const rolledUp = grouping.by === 'all' || grouping.by === 'buckets';
  const dimension = rolledUpDimension(grouping);
  if (
    scope.filters.length > 0 ||
    (!rolledUp && dimension === undefined) ||
    order?.metric === 'conversionRate'
  ) {
    return raw();
  }
  const split = await splitAtRollups(db, { ...scope, goalsKey: goalsKey(scope.goals) });
  if (split.rollupDays === undefined) return raw();
  const days: RollupDays = { siteId: scope.siteId, ...split.rollupDays };
  if (split.raw !== undefined) assertRawEventsKept({ ...scope, ...split.raw });
  const rawGroups =
    split.raw === undefined
      ? []
      : (await groupedCounts(db, { ...scope, ...split.raw }, grouping, { sketches: true })).groups;

  if (grouping.by === 'all' || grouping.by === 'buckets') {
    const periods =
      grouping.by === 'buckets' && grouping.unit === 'hour'
        ? await rollupHourRows(db, days)
        : await rollupDayRows(db, days, scope.timezone);
    const combined = combinePeriods(periods, rawGroups, grouping);
    if (combined === undefined) return raw();
    const rows = [...combined.values()].map((group) => ({
      key: group.key,
      metrics: metricsOfCombined(group),
    }));
    return { rows, total: rows.length };
  }

  const groups = combineValues(await rollupValueSums(db, days, dimension!), rawGroups);
  const withParts = async (wanted: CombinedGroup[]) => {
    const parts = await rollupValueParts(
      db,
      days,
      dimension!,
      wanted.map((group) => group.key),
    );
    for (const group of wanted) {
      group.visitorParts.push(...(parts.get(group.key)?.visitors ?? []));
      group.convertedParts.push(...(parts.get(group.key)?.converted ?? []));
    }
    return wanted;
  };
  let page = [...groups.values()];
  if (onlyKeys !== undefined) {
    const wanted = new Set(onlyKeys);
    page = await withParts(page.filter((group) => wanted.has(group.key)));
  } else if (order?.metric === 'visitors') {
    const estimated = await estimateTopByVisitors(
      page,
      { needed: order.offset + order.limit, descending: order.direction === 'desc' },
      async (batch) => (await withParts(batch)).map(visitorsOf),
    );
    page = sortedPage(estimated, order);
  } else {
    page = await withParts(order === undefined ? page : sortedPage(page, order));
  }
  const base =
    grouping.by === 'goal'
      ? ((await reportMetrics(db, scope, { by: 'all' })).rows[0]?.metrics.visitors ?? 0)
      : undefined;
  return {
    rows: page.map((group) => ({ key: group.key, metrics: metricsOfCombined(group, base) })),
    total: groups.size,
  };
}

/** A group's counts from roll-up rows and raw events together, visitors still in parts. */
interface CombinedGroup {
  key: string | null;
  sessions: number;
  pageviews: number;
  bounces: number;
  duration: number;
  conversions: number;
  revenue: Record<string, number>;
  visitorParts: VisitorPart[];
  convertedParts: VisitorPart[];
  /** Bounds of the group's distinct visitors before sketches are read. */
  visitorsAtLeast: number;
  visitorsAtMost: number;
  /** Its distinct visitors once estimated from every part (sorting and reporting both need them). */
  visitors?: number;
}

function emptyGroup(key: string | null): CombinedGroup {
  return {
    key,
    sessions: 0,
    pageviews: 0,
    bounces: 0,
    duration: 0,
    conversions: 0,
    revenue: {},
    visitorParts: [],
    convertedParts: [],
    visitorsAtLeast: 0,
    visitorsAtMost: 0,
  };
}

function addCounts(group: CombinedGroup, counts: RollupGroup): void {
  group.sessions += counts.sessions;
  group.pageviews += counts.pageviews;
  group.bounces += counts.bounces;
  group.duration += counts.duration;
  group.conversions += counts.conversions;
  for (const [currency, amount] of Object.entries(counts.revenue)) {
    group.revenue[currency] = (group.revenue[currency] ?? 0) + amount;
  }
  group.visitorsAtLeast = Math.max(group.visitorsAtLeast, counts.visitorsMax);
  group.visitorsAtMost += counts.visitorsSum;
}

function addRaw(group: CombinedGroup, raw: CountedGroup): void {
  const { counts, sketches } = raw;
  const revenue: Record<string, number> = {};
  for (const { currency, amount } of counts.revenue ?? []) {
    revenue[currency ?? 'XXX'] = (revenue[currency ?? 'XXX'] ?? 0) + Number(amount);
  }
  addCounts(group, {
    key: raw.key,
    sessions: counts.sessions,
    pageviews: counts.pageviews,
    bounces: counts.bounces,
    duration: Number(counts.duration),
    conversions: counts.conversions,
    revenue,
    visitorsMax: counts.visitors,
    visitorsSum: counts.visitors,
  });
  group.visitorParts.push({ visitors: counts.visitors, sketch: sketches?.visitor_sketch ?? null });
  group.convertedParts.push({
    visitors: counts.converted_visitors,
    sketch: sketches?.converted_sketch ?? null,
  });
}

/** The 1-based bucket an instant falls in, as `width_bucket` numbers them: 0 before the first. */
function bucketOf(thresholds: readonly Date[], instant: Date): number {
  let [low, high] = [0, thresholds.length];
  while (low < high) {
    const middle = (low + high) >> 1;
    if (thresholds[middle]!.getTime() <= instant.getTime()) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * Days or hours of roll-ups and raw groups as the grouping's groups; undefined when two hours would
 * share a bucket (hours keep no sketch to merge).
 */
function combinePeriods(
  periods: readonly RollupPeriod[],
  rawGroups: readonly CountedGroup[],
  grouping: Grouping,
): Map<string | null, CombinedGroup> | undefined {
  const groups = new Map<string | null, CombinedGroup>();
  const keyOf = (start: Date) =>
    grouping.by === 'buckets' ? String(bucketOf(grouping.thresholds, start)) : null;
  for (const period of periods) {
    const key = keyOf(period.start);
    const group = groups.get(key) ?? emptyGroup(key);
    if (period.visitors.sketch === null && group.visitorParts.length > 0) return undefined;
    addCounts(group, period.group);
    group.visitorParts.push(period.visitors);
    group.convertedParts.push(period.converted);
    groups.set(key, group);
  }
  for (const raw of rawGroups) {
    const group = groups.get(raw.key) ?? emptyGroup(raw.key);
    addRaw(group, raw);
    groups.set(raw.key, group);
  }
  return groups;
}

function combineValues(
  sums: readonly RollupGroup[],
  rawGroups: readonly CountedGroup[],
): Map<string | null, CombinedGroup> {
  const groups = new Map<string | null, CombinedGroup>();
  for (const sum of sums) {
    const group = emptyGroup(sum.key);
    addCounts(group, sum);
    groups.set(sum.key, group);
  }
  for (const raw of rawGroups) {
    const group = groups.get(raw.key) ?? emptyGroup(raw.key);
    addRaw(group, raw);
    groups.set(raw.key, group);
  }
  return groups;
}

/**
 * Distinct visitors over parts (days, hours, the raw rest): exact when at most one part has any,
 * else the merged sketches' estimate kept between the busiest part's count and the parts' sum.
 */
export function visitorsOfParts(parts: readonly VisitorPart[]): number {
  const counted = parts.filter((part) => part.visitors > 0);
  if (counted.length <= 1) return counted[0]?.visitors ?? 0;
  const least = Math.max(...counted.map((part) => part.visitors));
  const most = counted.reduce((sum, part) => sum + part.visitors, 0);
  const estimate = estimateUnion(
    counted.map((part) => (part.sketch === null ? EMPTY_SKETCH : parseSketch(part.sketch))),
  );
  return Math.min(most, Math.max(least, Math.round(estimate)));
}

/** A group's distinct visitors, merged once its parts are all in. */
function visitorsOf(group: CombinedGroup): number {
  group.visitors ??= visitorsOfParts(group.visitorParts);
  return group.visitors;
}

function metricsOfCombined(group: CombinedGroup, conversionBase?: number) {
  const visitors = visitorsOf(group);
  return metricsOf(
    {
      visitors,
      pageviews: group.pageviews,
      conversions: group.conversions,
      converted_visitors: visitorsOfParts(group.convertedParts),
      sessions: group.sessions,
      bounces: group.bounces,
      duration: group.duration,
      revenue: Object.entries(group.revenue).map(([currency, amount]) => ({ currency, amount })),
    },
    conversionBase ?? visitors,
  );
}

/** A metric breakdowns sort by, from a group's counts; null sorts last, as NULLS LAST does in SQL. */
function sortValue(group: CombinedGroup, metric: string): number | string | null {
  const perSession = (part: number) => (group.sessions === 0 ? null : part / group.sessions);
  switch (metric) {
    case 'visitors':
      return visitorsOf(group);
    case 'sessions':
      return group.sessions;
    case 'pageviews':
      return group.pageviews;
    case 'viewsPerSession':
      return perSession(group.pageviews);
    case 'bounceRate':
      return perSession(group.bounces);
    case 'avgSessionSeconds':
      return perSession(group.duration);
    case 'conversions':
      return group.conversions;
    default:
      return group.key;
  }
}

function compareNullsLast(a: number | string | null, b: number | string | null, sign: number): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return sign * (a < b ? -1 : 1);
}

/** The groups of the page `order` asks for, sorted as the raw query sorts them. */
function sortedPage(groups: readonly CombinedGroup[], order: ReportOrder): CombinedGroup[] {
  const sign = order.direction === 'desc' ? -1 : 1;
  return groups
    .map((group) => ({ group, value: sortValue(group, order.metric) }))
    .sort((a, b) => compareNullsLast(a.value, b.value, sign) || compareNullsLast(a.group.key, b.group.key, 1))
    .slice(order.offset, order.offset + order.limit)
    .map(({ group }) => group);
}
