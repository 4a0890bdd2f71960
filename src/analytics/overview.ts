import { Type, type Static } from 'typebox';
import type { Queryable } from '../db/pool.ts';
import type { Actor } from '../tenancy/auth/access-tokens.ts';
import { cachedReport, reportContext, reportScope, type ReportDeps } from './report-context.ts';
import type { ReportRange } from './report-window.ts';
import { EMPTY_METRICS } from './grouped-metrics.ts';
import { reportMetrics, type ReportScope } from './report-metrics.ts';

export const Revenue = Type.Record(Type.String({ pattern: '^[A-Z]{3}$' }), Type.Number(), {
  description:
    'Revenue per ISO 4217 currency (XXX: no currency given); amounts are never summed across currencies',
});

export const OverviewMetrics = Type.Object({
  visitors: Type.Integer(),
  sessions: Type.Integer(),
  pageviews: Type.Integer(),
  viewsPerSession: Type.Number({ description: 'Page views per session, two decimals' }),
  bounceRate: Type.Number({ description: 'Percent of sessions with one page view or event, one decimal' }),
  avgSessionSeconds: Type.Integer(),
  conversions: Type.Integer({
    description: 'Events that completed a goal (a custom event with a value when the site has no goals)',
  }),
  conversionRate: Type.Number({ description: 'Percent of visitors who converted, one decimal' }),
  revenue: Revenue,
});
export type OverviewMetrics = Static<typeof OverviewMetrics>;

export const Overview = Type.Object(
  { ...OverviewMetrics.properties, previous: Type.Optional(OverviewMetrics) },
  {
    examples: [
      {
        visitors: 1204,
        sessions: 1650,
        pageviews: 5120,
        viewsPerSession: 3.1,
        bounceRate: 41.5,
        avgSessionSeconds: 133,
        conversions: 37,
        conversionRate: 2.8,
        revenue: { EUR: 4399.5 },
      },
    ],
  },
);
export type Overview = Static<typeof Overview>;

/** The headline numbers of a site over a window. */
export async function overviewMetrics(db: Queryable, scope: ReportScope): Promise<OverviewMetrics> {
  const { rows } = await reportMetrics(db, scope, { by: 'all' });
  return rows[0]?.metrics ?? EMPTY_METRICS;
}

/** `GET …/stats/overview`: the headline numbers, and the previous period's with `compare=previous`. */
export async function getOverview(
  deps: ReportDeps,
  actor: Actor,
  siteId: string,
  query: ReportRange,
): Promise<{ report: Overview; cached: boolean }> {
  const context = await reportContext(deps, actor, siteId, query);
  return cachedReport(deps.cache, context, 'overview', query, async () => {
    const scope = reportScope(context);
    const current = await overviewMetrics(deps.analyticsDb, scope);
    if (!context.compare) return current;
    return {
      ...current,
      previous: await overviewMetrics(deps.analyticsDb, { ...scope, ...context.window.previous }),
    };
  });
}
