import { createHash } from 'node:crypto';
import type { Queryable } from '../db/pool.ts';
import type { Cache } from '../state/interface.ts';
import type { Actor } from '../tenancy/auth/access-tokens.ts';
import { getSite } from '../tenancy/sites/get-site.ts';
import type { GoalDefinition } from './conversions.ts';
import { parseFilters, type Filter } from './filters.ts';
import { goalDefinitions } from './goals/goals.ts';
import type { ReportScope } from './report-metrics.ts';
import { reportWindow, type ReportRange, type ReportWindow } from './report-window.ts';

/** What report queries read: the primary, or `ANALYTICS_DATABASE_URL`'s replica; and the query cache. */
export interface ReportDeps {
  db: Queryable;
  analyticsDb: Queryable;
  cache: Cache;
  /**
   * The request sent `Cache-Control: no-cache` (what a dashboard's refresh button sends): reports
   * are computed anew, and the new answer is kept for the next request.
   */
  fresh?: boolean;
}

/** Dashboards refresh every 30 s or so; within that, the same report is answered from the cache. */
export const REPORT_CACHE_TTL_MS = 30_000;

export interface ReportContext {
  siteId: string;
  window: ReportWindow;
  filters: Filter[];
  goals: GoalDefinition[];
  compare: boolean;
  /** Where the site's raw events begin: earlier ones are deleted under its retention (unset: none yet). */
  rawEventsFrom: Date | undefined;
  /** See {@link ReportDeps.fresh}. */
  fresh: boolean;
}

/** Whether a `Cache-Control` request header holds the `no-cache` directive (any case, among others). */
export function asksForFreshReport(cacheControl: string | string[] | undefined): boolean {
  const headers = typeof cacheControl === 'string' ? [cacheControl] : (cacheControl ?? []);
  return headers.some((header) =>
    header.split(',').some((directive) => directive.split('=')[0]!.trim().toLowerCase() === 'no-cache'),
  );
}

/**
 * Checks the actor may read the site (on the primary: access is never answered by a lagging
 * replica), then reads the window in the site's time zone, the filters and the site's goals. Every
 * problem with the request is a 400 naming its parameter before any report query runs.
 */
export async function reportContext(
  deps: ReportDeps,
  actor: Actor,
  siteId: string,
  range: ReportRange,
): Promise<ReportContext> {
  const site = await getSite({ db: deps.db, actor, siteId, access: 'read' });
  const window = reportWindow(range, site.timezone);
  const filters = parseFilters(range.filters);
  const goals = await goalDefinitions(deps.db, siteId);
  const { rows } = await deps.db.query<{ events_kept_from: Date | null }>(
    'SELECT events_kept_from FROM sites WHERE id = $1',
    [siteId],
  );
  return {
    siteId,
    window,
    filters,
    goals,
    compare: range.compare === 'previous',
    rawEventsFrom: rows[0]?.events_kept_from ?? undefined,
    fresh: deps.fresh === true,
  };
}

/**
 * A report from the cache when the same one was computed within {@link REPORT_CACHE_TTL_MS} and the
 * request did not ask for a fresh one, else computed and kept. The key holds the site's time zone
 * and goals, so changing either is seen at once.
 */
export async function cachedReport<Report>(
  cache: Cache,
  context: ReportContext,
  name: string,
  request: unknown,
  compute: () => Promise<Report>,
): Promise<{ report: Report; cached: boolean }> {
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([name, request, context.window.timezone, context.goals]))
    .digest('base64url');
  const key = `report:${context.siteId}:${fingerprint}`;
  const hit = context.fresh ? undefined : await cache.get(key);
  if (hit !== undefined) return { report: JSON.parse(hit) as Report, cached: true };
  const report = await compute();
  await cache.set(key, JSON.stringify(report), REPORT_CACHE_TTL_MS);
  return { report, cached: false };
}

/** What a report counts over: the site, its window in the site's time zone, the filters and goals. */
export function reportScope(context: ReportContext): ReportScope {
  const { siteId, window, filters, goals, rawEventsFrom } = context;
  return {
    siteId,
    from: window.from,
    to: window.to,
    timezone: window.timezone,
    filters,
    goals,
    rawEventsFrom,
  };
}
