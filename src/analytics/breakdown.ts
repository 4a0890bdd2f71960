import { Type, type Static } from 'typebox';
import { toCsv } from '../lib/csv.ts';
import type { Queryable } from '../db/pool.ts';
import { AppError } from '../errors.ts';
import type { Actor } from '../tenancy/auth/access-tokens.ts';
import { cachedReport, reportContext, reportScope, type ReportDeps } from './report-context.ts';
import type { ReportRange } from './report-window.ts';
import { DIMENSION_NAMES, dimensionOf, NONE } from './dimensions.ts';
import { EMPTY_METRICS, SORTABLE, type Grouping, type Metrics } from './grouped-metrics.ts';
import { reportMetrics, type ReportScope } from './report-metrics.ts';
import { Revenue } from './overview.ts';

export const BREAKDOWN_DIMENSIONS = [...DIMENSION_NAMES, 'goal'] as const;
export const DEFAULT_BREAKDOWN_LIMIT = 100;
export const MAX_BREAKDOWN_LIMIT = 1000;
/** A CSV holds every row up to this many; the header `x-beacon-truncated` says when there were more. */
export const MAX_CSV_ROWS = 50_000;

export const BreakdownQuery = {
  dimension: Type.String({
    minLength: 1,
    maxLength: 120,
    description: `One of ${BREAKDOWN_DIMENSIONS.join(', ')}`,
    examples: ['page'],
  }),
  sort: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z]+(:(asc|desc))?$',
      description: `metric:direction, metric one of ${Object.keys(SORTABLE).join(', ')} (default visitors:desc)`,
      examples: ['visitors:desc'],
    }),
  ),
};

const BreakdownMetrics = Type.Object({
  visitors: Type.Integer(),
  sessions: Type.Integer(),
  pageviews: Type.Integer(),
  viewsPerSession: Type.Number(),
  bounceRate: Type.Number(),
  avgSessionSeconds: Type.Integer(),
  conversions: Type.Integer(),
  conversionRate: Type.Number({
    description: 'Percent of the row’s visitors who converted; for `goal`, of all visitors in the report',
  }),
  revenue: Revenue,
});

export const BreakdownRow = Type.Object({
  value: Type.String({ description: '`(none)` for events or sessions without one' }),
  ...BreakdownMetrics.properties,
  previous: Type.Optional(BreakdownMetrics),
});
export type BreakdownRow = Static<typeof BreakdownRow>;

export const Breakdown = Type.Object(
  {
    rows: Type.Array(BreakdownRow),
    total: Type.Integer({ description: 'How many values there are in all' }),
  },
  {
    examples: [
      {
        rows: [
          {
            value: '/pricing',
            visitors: 311,
            sessions: 340,
            pageviews: 402,
            viewsPerSession: 1.18,
            bounceRate: 38.2,
            avgSessionSeconds: 95,
            conversions: 12,
            conversionRate: 3.9,
            revenue: { EUR: 1188 },
          },
        ],
        total: 48,
      },
    ],
  },
);
export type Breakdown = Static<typeof Breakdown>;

/** The grouping a `dimension` names, or a 400 naming `dimension`. */
export function breakdownGrouping(name: string): Grouping {
  if (name === 'goal') return { by: 'goal' };
  const dimension = dimensionOf(name);
  if (dimension === undefined) {
    throw new AppError('validation_failed', `dimension must be one of ${BREAKDOWN_DIMENSIONS.join(', ')}`, {
      field: 'dimension',
    });
  }
  return { by: 'dimension', dimension };
}

/** `sort=conversions:desc` as SQL over the grouped rows, or a 400 naming `sort`. */
export function breakdownOrder(sort: string | undefined): {
  metric: string;
  by: string;
  direction: 'asc' | 'desc';
} {
  const [metric = 'visitors', direction = 'desc'] = (sort ?? 'visitors:desc').split(':');
  const by = SORTABLE[metric];
  if (by === undefined) {
    throw new AppError('validation_failed', `sort must name one of ${Object.keys(SORTABLE).join(', ')}`, {
      field: 'sort',
    });
  }
  return { metric, by, direction: direction === 'asc' ? 'asc' : 'desc' };
}

export interface BreakdownRequest {
  grouping: Grouping;
  order: { metric: string; by: string; direction: 'asc' | 'desc' };
  limit: number;
  offset: number;
}

/**
 * A page of a site's values of one dimension with every metric each, and the metrics of the same
 * values in the previous period when asked for.
 */
export async function breakdownRows(
  db: Queryable,
  scope: ReportScope & { previous?: { from: Date; to: Date } },
  request: BreakdownRequest,
): Promise<Breakdown> {
  const { rows, total } = await reportMetrics(db, scope, request.grouping, {
    order: { ...request.order, limit: request.limit, offset: request.offset },
  });
  let previousOf: ((key: string | null) => Metrics) | undefined;
  if (scope.previous !== undefined && rows.length > 0) {
    const earlier = await reportMetrics(db, { ...scope, ...scope.previous }, request.grouping, {
      onlyKeys: rows.map((row) => row.key),
    });
    const byKey = new Map(earlier.rows.map((row) => [row.key, row.metrics]));
    previousOf = (key) => byKey.get(key) ?? EMPTY_METRICS;
  }
  return {
    rows: rows.map(({ key, metrics }) => ({
      value: key ?? NONE,
      ...metrics,
      ...(previousOf === undefined ? {} : { previous: previousOf(key) }),
    })),
    total,
  };
}

/** A breakdown as CSV: one line per value, revenue one column per currency. */
export function breakdownCsv(dimension: string, rows: readonly BreakdownRow[]): string {
  const currencies = [...new Set(rows.flatMap((row) => Object.keys(row.revenue)))].sort();
  return toCsv<BreakdownRow>(
    [
      { header: dimension, value: (row) => row.value },
      { header: 'visitors', value: (row) => row.visitors },
      { header: 'sessions', value: (row) => row.sessions },
      { header: 'pageviews', value: (row) => row.pageviews },
      { header: 'views_per_session', value: (row) => row.viewsPerSession },
      { header: 'bounce_rate', value: (row) => row.bounceRate },
      { header: 'avg_session_seconds', value: (row) => row.avgSessionSeconds },
      { header: 'conversions', value: (row) => row.conversions },
      { header: 'conversion_rate', value: (row) => row.conversionRate },
      ...currencies.map((currency) => ({
        header: `revenue_${currency}`,
        value: (row: BreakdownRow) => row.revenue[currency] ?? 0,
      })),
    ],
    rows,
  );
}

export const BreakdownPageQuery = {
  ...BreakdownQuery,
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: MAX_BREAKDOWN_LIMIT, default: DEFAULT_BREAKDOWN_LIMIT }),
  ),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 })),
};

/** `GET …/stats/breakdown`: a page of values with their metrics, and how many values there are. */
export async function getBreakdown(
  deps: ReportDeps,
  actor: Actor,
  siteId: string,
  query: ReportRange & { dimension: string; sort?: string; limit?: number; offset?: number },
): Promise<{ report: Breakdown; cached: boolean }> {
  const context = await reportContext(deps, actor, siteId, query);
  const request: BreakdownRequest = {
    grouping: breakdownGrouping(query.dimension),
    order: breakdownOrder(query.sort),
    limit: query.limit ?? DEFAULT_BREAKDOWN_LIMIT,
    offset: query.offset ?? 0,
  };
  return cachedReport(deps.cache, context, 'breakdown', query, () =>
    breakdownRows(
      deps.analyticsDb,
      { ...reportScope(context), ...(context.compare ? { previous: context.window.previous } : {}) },
      request,
    ),
  );
}

/** `GET …/stats/breakdown.csv`: every value (up to {@link MAX_CSV_ROWS}) as CSV. */
export async function exportBreakdownCsv(
  deps: ReportDeps,
  actor: Actor,
  siteId: string,
  query: ReportRange & { dimension: string; sort?: string },
): Promise<{ csv: string; rows: number; truncated: boolean }> {
  const context = await reportContext(deps, actor, siteId, query);
  const breakdown = await breakdownRows(deps.analyticsDb, reportScope(context), {
    grouping: breakdownGrouping(query.dimension),
    order: breakdownOrder(query.sort),
    limit: MAX_CSV_ROWS,
    offset: 0,
  });
  return {
    csv: breakdownCsv(query.dimension, breakdown.rows),
    rows: breakdown.rows.length,
    truncated: breakdown.total > breakdown.rows.length,
  };
}
