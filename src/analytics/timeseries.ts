import { Type, type Static } from 'typebox';
import type { Queryable } from '../db/pool.ts';
import { AppError } from '../errors.ts';
import type { Actor } from '../tenancy/auth/access-tokens.ts';
import { cachedReport, reportContext, reportScope, type ReportDeps } from './report-context.ts';
import type { ReportRange } from './report-window.ts';
import { EMPTY_METRICS, type Metrics } from './grouped-metrics.ts';
import { reportMetrics, type ReportScope } from './report-metrics.ts';
import { formatInZone, localDate, offsetMinutes, zonedInstant } from './report-window.ts';

const HOUR_MS = 3_600_000;

export const INTERVALS = ['hour', 'day', 'week', 'month'] as const;
export type Interval = (typeof INTERVALS)[number];

export const TIMESERIES_METRICS = [
  'visitors',
  'sessions',
  'pageviews',
  'viewsPerSession',
  'bounceRate',
  'avgSessionSeconds',
  'conversions',
  'conversionRate',
  'revenue',
] as const;
export type TimeseriesMetric = (typeof TIMESERIES_METRICS)[number];
const DEFAULT_METRICS: TimeseriesMetric[] = ['visitors', 'sessions', 'pageviews', 'conversions', 'revenue'];

/** A chart would not draw more points than this; a longer series is a 400 naming `interval`. */
export const MAX_BUCKETS = 5000;

export const TimeseriesPoint = Type.Object(
  {
    t: Type.String({ description: 'Start of the bucket, ISO 8601 with the site’s offset then' }),
    visitors: Type.Optional(Type.Integer()),
    sessions: Type.Optional(Type.Integer()),
    pageviews: Type.Optional(Type.Integer()),
    viewsPerSession: Type.Optional(Type.Number()),
    bounceRate: Type.Optional(Type.Number()),
    avgSessionSeconds: Type.Optional(Type.Integer()),
    conversions: Type.Optional(Type.Integer()),
    conversionRate: Type.Optional(Type.Number()),
    revenue: Type.Optional(Type.Record(Type.String(), Type.Number())),
  },
  { additionalProperties: false },
);
export type TimeseriesPoint = Static<typeof TimeseriesPoint>;

/** `metrics=visitors,pageviews`: which metrics each point carries; a 400 naming `metrics` for others. */
export function parseTimeseriesMetrics(raw: string | undefined): TimeseriesMetric[] {
  if (raw === undefined || raw.trim() === '') return DEFAULT_METRICS;
  const names = raw.split(',').map((name) => name.trim());
  const unknown = names.find((name) => !(TIMESERIES_METRICS as readonly string[]).includes(name));
  if (unknown !== undefined) {
    throw new AppError(
      'validation_failed',
      `metrics: ${JSON.stringify(unknown)} is not one of ${TIMESERIES_METRICS.join(', ')}`,
      { field: 'metrics' },
    );
  }
  return [...new Set(names)] as TimeseriesMetric[];
}

/** The calendar start of the bucket after the one holding `instant`, in `timezone`. */
function nextBoundary(instant: Date, interval: Interval, timezone: string): Date {
  if (interval === 'hour') {
    // Local hours: in a zone offset by half an hour, they start at :30 UTC.
    const offset = offsetMinutes(instant, timezone) * 60_000;
    return new Date(Math.floor((instant.getTime() + offset) / HOUR_MS) * HOUR_MS + HOUR_MS - offset);
  }
  const date = localDate(instant, timezone);
  if (interval === 'day') return zonedInstant({ ...date, day: date.day + 1 }, timezone);
  if (interval === 'month') return zonedInstant({ year: date.year, month: date.month + 1, day: 1 }, timezone);
  // Weeks start on Monday (ISO 8601).
  const weekday = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
  return zonedInstant({ ...date, day: date.day + ((8 - weekday) % 7 || 7) }, timezone);
}

/**
 * The start of every bucket of a window: the window's own start, then each calendar boundary (local
 * midnight, Monday, the 1st, or the hour) in the site's time zone until the window ends. A DST day is
 * one bucket of 23 or 25 hours; the hour it skips has no bucket, the hour it repeats has two. A series
 * longer than {@link MAX_BUCKETS} is a 400 naming `interval`.
 */
export function bucketStarts(window: { from: Date; to: Date; timezone: string }, interval: Interval): Date[] {
  const starts = [window.from];
  let next = nextBoundary(window.from, interval, window.timezone);
  while (next.getTime() < window.to.getTime()) {
    if (starts.length >= MAX_BUCKETS) {
      throw new AppError(
        'validation_failed',
        `interval ${interval} would give more than ${MAX_BUCKETS} points over this range: pick a longer one`,
        { field: 'interval' },
      );
    }
    starts.push(next);
    next = nextBoundary(next, interval, window.timezone);
  }
  return starts;
}

/** Picks the asked metrics of one bucket. */
function pointOf(t: string, metrics: Metrics, wanted: readonly TimeseriesMetric[]): TimeseriesPoint {
  const point: Record<string, unknown> = { t };
  for (const name of wanted) point[name] = metrics[name];
  return point as TimeseriesPoint;
}

/** Every bucket of the window in order, zeros included. */
export async function timeseriesPoints(
  db: Queryable,
  scope: ReportScope,
  interval: Interval,
  wanted: readonly TimeseriesMetric[],
): Promise<TimeseriesPoint[]> {
  const starts = bucketStarts(scope, interval);
  const { rows } = await reportMetrics(db, scope, {
    by: 'buckets',
    thresholds: starts,
    unit: interval === 'hour' ? 'hour' : 'day',
  });
  const byBucket = new Map(rows.map((row) => [row.key, row]));
  return starts.map((start, index) =>
    pointOf(
      formatInZone(start, scope.timezone),
      byBucket.get(String(index + 1))?.metrics ?? EMPTY_METRICS,
      wanted,
    ),
  );
}

export const TimeseriesQuery = {
  interval: Type.Optional(
    Type.Union([Type.Literal('hour'), Type.Literal('day'), Type.Literal('week'), Type.Literal('month')], {
      description:
        'Bucket size, in the site’s time zone (default: hour up to two days, day up to 90, else week)',
    }),
  ),
  metrics: Type.Optional(
    Type.String({
      description: `Comma-separated: ${TIMESERIES_METRICS.join(', ')} (default ${DEFAULT_METRICS.join(',')})`,
      examples: ['visitors,pageviews'],
    }),
  ),
};

export const Timeseries = Type.Object(
  {
    interval: Type.Union([
      Type.Literal('hour'),
      Type.Literal('day'),
      Type.Literal('week'),
      Type.Literal('month'),
    ]),
    points: Type.Array(TimeseriesPoint),
    previous: Type.Optional(Type.Object({ points: Type.Array(TimeseriesPoint) })),
  },
  {
    examples: [
      {
        interval: 'day',
        points: [
          {
            t: '2026-11-01T00:00:00+01:00',
            visitors: 120,
            sessions: 151,
            pageviews: 430,
            conversions: 3,
            revenue: { EUR: 297 },
          },
          {
            t: '2026-11-02T00:00:00+01:00',
            visitors: 0,
            sessions: 0,
            pageviews: 0,
            conversions: 0,
            revenue: {},
          },
        ],
      },
    ],
  },
);
export type Timeseries = Static<typeof Timeseries>;

/** The interval a chart of this window reads best in, when none is asked for. */
function defaultInterval(window: { from: Date; to: Date }): Interval {
  const days = (window.to.getTime() - window.from.getTime()) / (24 * HOUR_MS);
  if (days <= 2) return 'hour';
  if (days <= 90) return 'day';
  return 'week';
}

/** `GET …/stats/timeseries`: one point per bucket, every bucket present. */
export async function getTimeseries(
  deps: ReportDeps,
  actor: Actor,
  siteId: string,
  query: ReportRange & { interval?: Interval; metrics?: string },
): Promise<{ report: Timeseries; cached: boolean }> {
  const context = await reportContext(deps, actor, siteId, query);
  const interval = query.interval ?? defaultInterval(context.window);
  const wanted = parseTimeseriesMetrics(query.metrics);
  const scope = reportScope(context);
  bucketStarts(scope, interval);
  return cachedReport(deps.cache, context, 'timeseries', { ...query, interval }, async () => {
    const points = await timeseriesPoints(deps.analyticsDb, scope, interval, wanted);
    if (!context.compare) return { interval, points };
    const previous = await timeseriesPoints(
      deps.analyticsDb,
      { ...scope, ...context.window.previous },
      interval,
      wanted,
    );
    return { interval, points, previous: { points: previous } };
  });
}
