import type { Queryable } from '../db/pool.ts';
import {
  conversionSql,
  goalCondition,
  goalRevenue,
  toRevenue,
  type GoalDefinition,
  type Revenue,
} from './conversions.ts';
import { dimensionSql } from './filters.ts';
import type { Dimension } from './dimensions.ts';
import type { Filter } from './filters.ts';
import { scopeSql } from './report-scope.ts';
import { SqlParams } from './sql-params.ts';

/** What every report counts per row: the overview once, a time series per bucket, a breakdown per value. */
export interface Metrics {
  visitors: number;
  sessions: number;
  pageviews: number;
  viewsPerSession: number;
  bounceRate: number;
  avgSessionSeconds: number;
  conversions: number;
  conversionRate: number;
  revenue: Revenue;
}

export interface MetricsScope {
  siteId: string;
  from: Date;
  to: Date;
  filters: readonly Filter[];
  goals: readonly GoalDefinition[];
}

/**
 * How rows are grouped:
 * - `all`: one group (the overview);
 * - `buckets`: by the time bucket an event happened / a session started in, `thresholds` the start
 *   of each bucket (keys are 1-based bucket numbers); `unit` the roll-ups they are made of (hours,
 *   or days for days, weeks and months);
 * - `dimension`: by a dimension's value; an event dimension groups the sessions that hold an event
 *   with the value, so one session can count under several values (a visit reads several pages);
 * - `goal`: by the goals events complete; conversion rate is against every visitor in scope.
 */
export type Grouping =
  | { by: 'all' }
  | { by: 'buckets'; thresholds: readonly Date[]; unit?: 'hour' | 'day' }
  | { by: 'dimension'; dimension: Dimension }
  | { by: 'goal' };

export interface GroupedRow {
  key: string | null;
  metrics: Metrics;
}

interface KeyedSql {
  events: string;
  sessions: string;
  /** The visitors conversion rate divides by: the group's own, or all of them in scope. */
  conversionBase: 'group' | 'scope';
}

const EVENT_COLUMNS = 'e.visitor_id, e.session_id, e.type, e.currency';

function keyedSql(grouping: Grouping, goals: readonly GoalDefinition[], params: SqlParams): KeyedSql {
  // Built only where a grouping uses it: PostgreSQL cannot type a parameter the query never reads.
  const converting = () => {
    const conversion = conversionSql(goals, params);
    return `${conversion.condition} AS converts, ${conversion.revenue} AS amount`;
  };
  const sessionsOfEvents = `SELECT DISTINCT ke.key, s.id, s.is_bounce, s.duration_s
      FROM scoped_sessions s JOIN keyed_events ke ON ke.session_id = s.id`;
  switch (grouping.by) {
    case 'all':
      return {
        events: `SELECT NULL::text AS key, ${EVENT_COLUMNS}, ${converting()} FROM scoped_events e`,
        sessions: `SELECT NULL::text AS key, s.id, s.is_bounce, s.duration_s FROM scoped_sessions s`,
        conversionBase: 'group',
      };
    case 'buckets': {
      const thresholds = params.add(grouping.thresholds.map((threshold) => threshold.toISOString()));
      return {
        events: `SELECT width_bucket(e.occurred_at, ${thresholds}::timestamptz[])::text AS key, ${EVENT_COLUMNS}, ${converting()}
          FROM scoped_events e`,
        sessions: `SELECT width_bucket(s.started_at, ${thresholds}::timestamptz[])::text AS key, s.id, s.is_bounce, s.duration_s
          FROM scoped_sessions s`,
        conversionBase: 'group',
      };
    }
    case 'dimension': {
      const { dimension } = grouping;
      const key = dimensionSql(dimension, params);
      if (dimension.level === 'session') {
        return {
          events: `SELECT ${key} AS key, ${EVENT_COLUMNS}, ${converting()}
            FROM scoped_events e JOIN sessions s ON s.site_id = e.site_id AND s.id = e.session_id`,
          sessions: `SELECT ${key} AS key, s.id, s.is_bounce, s.duration_s FROM scoped_sessions s`,
          conversionBase: 'group',
        };
      }
      const only = dimension.events === undefined ? '' : `WHERE e.type = '${dimension.events}'`;
      return {
        events: `SELECT (${key})::text AS key, ${EVENT_COLUMNS}, ${converting()} FROM scoped_events e ${only}`,
        sessions: sessionsOfEvents,
        conversionBase: 'group',
      };
    }
    case 'goal': {
      if (goals.length === 0) {
        return {
          events: `SELECT NULL::text AS key, ${EVENT_COLUMNS}, true AS converts, NULL::numeric AS amount FROM scoped_events e WHERE false`,
          sessions: sessionsOfEvents,
          conversionBase: 'scope',
        };
      }
      const completions = goals
        .map(
          (goal) =>
            `(${params.add(goal.name)}::text, ${goalCondition(goal, params)}, (${goalRevenue(goal, params)})::numeric)`,
        )
        .join(', ');
      return {
        events: `SELECT g.key, ${EVENT_COLUMNS}, true AS converts, g.amount
          FROM scoped_events e CROSS JOIN LATERAL (VALUES ${completions}) AS g(key, completes, amount)
          WHERE g.completes`,
        sessions: sessionsOfEvents,
        conversionBase: 'scope',
      };
    }
  }
}

/**
 * part / whole rounded half up to `decimals`, in one division: 23 page views over 40 sessions are
 * 0.58 a session and 23 bounces of 80 sessions 28.8 %, where rounding the scaled quotient lost the
 * half (0.575 × 100 is 57.49999… in binary). 0 when there is nothing to divide by.
 */
export function rate(part: number, whole: number, decimals: number): number {
  if (whole === 0) return 0;
  const scale = 10 ** decimals;
  return Math.round((part * scale) / whole) / scale;
}

/** `part` as a percent of `whole`, one decimal, rounded half up; 0 of nothing is 0. */
export const percent = (part: number, whole: number) => rate(part * 100, whole, 1);

/** The ordering a breakdown asks for, over the aggregated columns of {@link groupedMetricsSql}. */
export interface GroupOrder {
  /** SQL over the grouped row: `visitors`, `bounces * 1.0 / nullif(sessions, 0)`, … */
  by: string;
  direction: 'asc' | 'desc';
  limit: number;
  offset: number;
}

/** A group's counts, from which its metrics follow. */
export interface GroupCounts {
  visitors: number;
  pageviews: number;
  conversions: number;
  converted_visitors: number;
  sessions: number;
  bounces: number;
  duration: string | number;
  revenue: Array<{ currency: string | null; amount: number | string }> | null;
}

/** With `sketches`, each group's visitors and converted visitors as sketches too (src/analytics/rollups/hll.ts). */
export interface GroupSketches {
  /** null for a group without events (sessions only). */
  visitor_sketch: Buffer | null;
  converted_sketch: Buffer | null;
}

interface MetricsRow extends GroupCounts, Partial<GroupSketches> {
  key: string | null;
  scope_visitors: number;
  groups: number;
  present: boolean | null;
}

/** SQL expressions a breakdown can sort by, over the grouped row. */
export const SORTABLE: Record<string, string> = {
  visitors: 'visitors',
  sessions: 'sessions',
  pageviews: 'pageviews',
  viewsPerSession: 'pageviews * 1.0 / nullif(sessions, 0)',
  bounceRate: 'bounces * 1.0 / nullif(sessions, 0)',
  avgSessionSeconds: 'duration * 1.0 / nullif(sessions, 0)',
  conversions: 'conversions',
  conversionRate: 'converted_visitors * 1.0 / nullif(visitors, 0)',
  value: 'key',
};

/** A group's counts as counted on the raw tables, with sketches when asked for. */
export interface CountedGroup {
  key: string | null;
  counts: GroupCounts;
  sketches?: GroupSketches;
}

/**
 * Every metric, per group, counted exactly on the raw tables: visitors and page views on the events
 * in scope, sessions, bounces and durations on the sessions in scope, conversions and revenue (per
 * currency) on the events that complete a goal. Answers the groups (a page of them when `order` is
 * given) and how many groups there are in all.
 */
export async function groupedMetrics(
  db: Queryable,
  scope: MetricsScope,
  grouping: Grouping,
  order?: GroupOrder,
): Promise<{ rows: GroupedRow[]; total: number }> {
  const { groups, total, scopeVisitors } = await groupedCounts(db, scope, grouping, { order });
  return {
    rows: groups.map((group) => ({
      key: group.key,
      metrics: metricsOf(group.counts, scopeVisitors ?? group.counts.visitors),
    })),
    total,
  };
}

/**
 * What {@link groupedMetrics} reports, before the rates: each group's counts, how many groups there
 * are, and for the goal grouping every visitor in scope (its conversion rates divide by them).
 */
export async function groupedCounts(
  db: Queryable,
  scope: MetricsScope,
  grouping: Grouping,
  options: { order?: GroupOrder; sketches?: boolean } = {},
): Promise<{ groups: CountedGroup[]; total: number; scopeVisitors: number | undefined }> {
  const { order, sketches = false } = options;
  const params = new SqlParams();
  const keyed = keyedSql(grouping, scope.goals, params);
  const page =
    order === undefined
      ? ''
      : `ORDER BY ${order.by} ${order.direction} NULLS LAST, key ASC NULLS LAST
         LIMIT ${params.add(order.limit)} OFFSET ${params.add(order.offset)}`;
  const { rows } = await db.query<MetricsRow>(
    `WITH ${scopeSql(scope, params)},
     keyed_events AS MATERIALIZED (${keyed.events}),
     keyed_sessions AS (${keyed.sessions}),
     event_groups AS (
       SELECT key, count(DISTINCT visitor_id)::int AS visitors,
              count(*) FILTER (WHERE type = 'pageview')::int AS pageviews,
              count(*) FILTER (WHERE converts)::int AS conversions,
              count(DISTINCT visitor_id) FILTER (WHERE converts)::int AS converted_visitors
              ${
                sketches
                  ? `, rollup_visitor_sketch(array_agg(DISTINCT visitor_id)) AS visitor_sketch,
                     rollup_visitor_sketch(array_agg(DISTINCT visitor_id) FILTER (WHERE converts)) AS converted_sketch`
                  : ''
              }
       FROM keyed_events GROUP BY key),
     session_groups AS (
       SELECT key, count(*)::int AS sessions, count(*) FILTER (WHERE is_bounce)::int AS bounces,
              coalesce(sum(duration_s), 0)::bigint AS duration
       FROM keyed_sessions GROUP BY key),
     revenue_groups AS (
       SELECT key, json_agg(json_build_object('currency', currency, 'amount', amount)) AS revenue
       FROM (SELECT key, currency, sum(amount) AS amount FROM keyed_events
             WHERE converts AND amount IS NOT NULL GROUP BY key, currency) per_currency
       GROUP BY key),
     grouped AS (
       SELECT key, max(visitors) AS visitors, max(pageviews) AS pageviews, max(conversions) AS conversions,
              max(converted_visitors) AS converted_visitors, max(sessions) AS sessions, max(bounces) AS bounces,
              max(duration) AS duration, (array_agg(revenue) FILTER (WHERE revenue IS NOT NULL))[1] AS revenue
              ${
                sketches
                  ? `, (array_agg(visitor_sketch) FILTER (WHERE visitor_sketch IS NOT NULL))[1] AS visitor_sketch,
                   (array_agg(converted_sketch) FILTER (WHERE converted_sketch IS NOT NULL))[1] AS converted_sketch`
                  : ''
              }
       FROM (
         SELECT key, visitors, pageviews, conversions, converted_visitors, 0 AS sessions, 0 AS bounces, 0 AS duration, NULL::json AS revenue
                ${sketches ? ', visitor_sketch, converted_sketch' : ''} FROM event_groups
         UNION ALL SELECT key, 0, 0, 0, 0, sessions, bounces, duration, NULL ${sketches ? ', NULL::bytea, NULL::bytea' : ''} FROM session_groups
         UNION ALL SELECT key, 0, 0, 0, 0, 0, 0, 0, revenue ${sketches ? ', NULL::bytea, NULL::bytea' : ''} FROM revenue_groups
       ) parts
       GROUP BY key)
     SELECT totals.groups, totals.scope_visitors, page.*
     FROM (SELECT count(*)::int AS groups,
                  ${keyed.conversionBase === 'scope' ? '(SELECT count(DISTINCT visitor_id) FROM scoped_events)::int' : '0'} AS scope_visitors
           FROM grouped) totals
     LEFT JOIN LATERAL (SELECT true AS present, grouped.* FROM grouped ${page}) page ON true`,
    params.values,
  );
  const counted = rows.filter((row) => row.present);
  return {
    groups: counted.map((row) => ({
      key: row.key,
      counts: row,
      ...(sketches
        ? {
            sketches: {
              visitor_sketch: row.visitor_sketch ?? null,
              converted_sketch: row.converted_sketch ?? null,
            },
          }
        : {}),
    })),
    total: rows[0]?.groups ?? 0,
    scopeVisitors: keyed.conversionBase === 'scope' ? (rows[0]?.scope_visitors ?? 0) : undefined,
  };
}

/** A group's metrics from its counts; conversion rate against `conversionBase` visitors. */
export function metricsOf(row: GroupCounts, conversionBase: number): Metrics {
  const duration = Number(row.duration);
  return {
    visitors: row.visitors,
    sessions: row.sessions,
    pageviews: row.pageviews,
    viewsPerSession: rate(row.pageviews, row.sessions, 2),
    bounceRate: rate(row.bounces * 100, row.sessions, 1),
    avgSessionSeconds: rate(duration, row.sessions, 0),
    conversions: row.conversions,
    conversionRate: rate(row.converted_visitors * 100, conversionBase, 1),
    revenue: toRevenue(row.revenue),
  };
}

/** The metrics of a group with nothing in it: a bucket without visits, a value absent from a period. */
export const EMPTY_METRICS: Metrics = {
  visitors: 0,
  sessions: 0,
  pageviews: 0,
  viewsPerSession: 0,
  bounceRate: 0,
  avgSessionSeconds: 0,
  conversions: 0,
  conversionRate: 0,
  revenue: {},
};
