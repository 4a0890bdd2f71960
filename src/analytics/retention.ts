import { assertRawEventsKept } from './raw-events-kept.ts';
import { Type, type Static } from 'typebox';
import type { Queryable } from '../db/pool.ts';
import { AppError } from '../errors.ts';
import type { Actor } from '../tenancy/auth/access-tokens.ts';
import type { Filter } from './filters.ts';
import { percent } from './grouped-metrics.ts';
import { cachedReport, reportContext, type ReportDeps } from './report-context.ts';
import { scopeSql } from './report-scope.ts';
import { localDate, ReportRangeQuery, zonedInstant } from './report-window.ts';
import { SqlParams } from './sql-params.ts';
import { earlierSessionSql, persistentVisitorSql } from './visitor-type.ts';

export const DEFAULT_RETENTION_WEEKS = 8;
export const MAX_RETENTION_WEEKS = 26;

const COUNTED =
  'Counts only visitors with a persistent id (consented first-party ids); cookieless ids change every day, ' +
  'so those visitors can never return and are counted in cookielessVisitors alone.';

export const RetentionQuery = {
  from: ReportRangeQuery.from,
  to: ReportRangeQuery.to,
  filters: ReportRangeQuery.filters,
  weeks: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: MAX_RETENTION_WEEKS,
      default: DEFAULT_RETENTION_WEEKS,
      description: 'How many weeks after each cohort week to follow (never past the current week)',
    }),
  ),
};
export const RetentionRange = Type.Object(RetentionQuery);
export type RetentionRange = Static<typeof RetentionRange>;

const RetentionWeek = Type.Object({
  week: Type.Integer({ minimum: 0, description: 'Weeks after the cohort week; 0 is the cohort week itself' }),
  visitors: Type.Integer({ description: 'Cohort visitors who visited in that week (all of them in week 0)' }),
  percent: Type.Number({ description: 'Percent of the cohort, one decimal' }),
});

const RetentionCohort = Type.Object({
  week: Type.String({
    pattern: '^\\d{4}-\\d{2}-\\d{2}$',
    description: 'The Monday its week starts on, in the site’s time zone',
  }),
  visitors: Type.Integer({
    description:
      'Visitors whose first visit ever happened in this week and in the window (the first and last week may be cut by the window)',
  }),
  retention: Type.Array(RetentionWeek, {
    description:
      'Week 0, then every later week up to `weeks` that has begun by now (the current one is still running)',
  }),
});

export const Retention = Type.Object(
  {
    cohorts: Type.Array(RetentionCohort, {
      description: `Every week of the window, oldest first. ${COUNTED}`,
    }),
    newVisitors: Type.Integer({
      description: 'Visitors of the window whose first visit ever was in it (the cohorts’ visitors together)',
    }),
    returningVisitors: Type.Integer({
      description: 'Visitors of the window who first visited before it',
    }),
    cookielessVisitors: Type.Integer({
      description:
        'Visitors of the window with a cookieless id (no analytics consent, or a cookieless site): neither new nor returning, since their id lasts a day; one person visiting on several days counts once a day',
    }),
  },
  {
    description: `Visitors are counted by visits (sessions) that started in the window, bots never. ${COUNTED}`,
    examples: [
      {
        cohorts: [
          {
            week: '2026-11-02',
            visitors: 412,
            retention: [
              { week: 0, visitors: 412, percent: 100 },
              { week: 1, visitors: 61, percent: 14.8 },
              { week: 2, visitors: 38, percent: 9.2 },
            ],
          },
          {
            week: '2026-11-09',
            visitors: 389,
            retention: [
              { week: 0, visitors: 389, percent: 100 },
              { week: 1, visitors: 52, percent: 13.4 },
            ],
          },
        ],
        newVisitors: 801,
        returningVisitors: 230,
        cookielessVisitors: 1312,
      },
    ],
  },
);
export type Retention = Static<typeof Retention>;

/** The weeks a retention table spans: each cohort week of the window, then the weeks followed after it. */
export interface RetentionWeeks {
  /** The local Monday of each week, from the cohort week holding the window's start on. */
  dates: string[];
  /** When each of those weeks starts, and after them the end of the last one: `dates.length + 1` instants. */
  starts: Date[];
  /** How many of the weeks are cohort weeks (those the window touches). */
  cohorts: number;
  /** How many weeks after each cohort week are followed. */
  followed: number;
}

const DAY_MS = 86_400_000;

const isoDate = (date: { year: number; month: number; day: number }) =>
  new Date(Date.UTC(date.year, date.month - 1, date.day)).toISOString().slice(0, 10);

/**
 * The weeks of a retention table in the site's time zone: weeks start on Monday at local midnight
 * (a DST week is an hour shorter or longer); the first cohort week is the one holding the window's
 * start, the last the one holding its end; `followed` weeks come after the last. A `followed` that is
 * not a whole number of 1 to {@link MAX_RETENTION_WEEKS} is a 400 naming `weeks`.
 */
export function retentionWeeks(
  window: { from: Date; to: Date; timezone: string },
  followed: number,
): RetentionWeeks {
  if (!Number.isInteger(followed) || followed < 1 || followed > MAX_RETENTION_WEEKS) {
    throw new AppError('validation_failed', `weeks must be a whole number from 1 to ${MAX_RETENTION_WEEKS}`, {
      field: 'weeks',
    });
  }
  const first = localDate(window.from, window.timezone);
  const last = localDate(new Date(window.to.getTime() - 1), window.timezone);
  const weekday = (new Date(Date.UTC(first.year, first.month - 1, first.day)).getUTCDay() + 6) % 7;
  const monday = { ...first, day: first.day - weekday };
  const days = Math.round(
    (Date.UTC(last.year, last.month - 1, last.day) - Date.UTC(monday.year, monday.month - 1, monday.day)) /
      DAY_MS,
  );
  const cohorts = Math.floor(days / 7) + 1;
  const weeks = Array.from({ length: cohorts + followed + 1 }, (_, index) => {
    const start = { ...monday, day: monday.day + 7 * index };
    return { date: isoDate(start), start: zonedInstant(start, window.timezone) };
  });
  return {
    dates: weeks.slice(0, -1).map((week) => week.date),
    starts: weeks.map((week) => week.start),
    cohorts,
    followed,
  };
}

/** Visitors of cohort `cohort` (0-based) seen `after` weeks later; after 0 is the cohort's size. */
export interface RetentionCell {
  cohort: number;
  after: number;
  visitors: number;
}

/**
 * The cohort table: every cohort week with its size and, for week 0 and every later week up to
 * `followed` that has begun by `now`, how many of its visitors came back then, zeros included.
 */
export function retentionCohorts(
  weeks: RetentionWeeks,
  cells: readonly RetentionCell[],
  now: Date,
): Retention['cohorts'] {
  const counts = new Map(cells.map((cell) => [`${cell.cohort}:${cell.after}`, cell.visitors]));
  return weeks.dates.slice(0, weeks.cohorts).map((date, cohort) => {
    const size = counts.get(`${cohort}:0`) ?? 0;
    const retention = [{ week: 0, visitors: size, percent: percent(size, size) }];
    for (let after = 1; after <= weeks.followed; after++) {
      if (weeks.starts[cohort + after]!.getTime() > now.getTime()) break;
      const visitors = counts.get(`${cohort}:${after}`) ?? 0;
      retention.push({ week: after, visitors, percent: percent(visitors, size) });
    }
    return { week: date, visitors: size, retention };
  });
}

export interface RetentionScope {
  siteId: string;
  from: Date;
  to: Date;
  timezone: string;
  filters: readonly Filter[];
}

interface RetentionRow {
  cells: Array<{ cohort: number; after: number; visitors: number }> | null;
  new_visitors: number;
  persistent_visitors: number;
  cookieless_visitors: number;
}

/**
 * Weekly retention of a site's new visitors, counted exactly on `sessions`. A cohort is the visitors
 * whose first session ever (bots' left out) started in the window and matches the filters, by the
 * week it started in; a visitor returns in a later week when any session of theirs starts in it.
 * Only persistent ids form cohorts (see visitor-type.ts); cookieless visitors are counted apart.
 */
export async function retentionReport(
  db: Queryable,
  scope: RetentionScope,
  followed: number,
  now: Date,
): Promise<Retention> {
  const weeks = retentionWeeks(scope, followed);
  const params = new SqlParams();
  const scoped = scopeSql(scope, params);
  const site = params.add(scope.siteId);
  const starts = params.add(weeks.starts.map((start) => start.toISOString()));
  // A return comes after a first visit in the window: the bound lets the scan skip older sessions.
  const from = params.add(scope.from);
  const end = params.add(weeks.starts[weeks.starts.length - 1]);
  const { rows } = await db.query<RetentionRow>(
    `WITH ${scoped},
     window_visitors AS (
       SELECT s.visitor_id, min(s.started_at) AS first_at, ${persistentVisitorSql('s.visitor_id')} AS persistent
       FROM scoped_sessions s GROUP BY s.visitor_id),
     first_visits AS (
       SELECT v.visitor_id, v.first_at, width_bucket(v.first_at, ${starts}::timestamptz[]) - 1 AS cohort
       FROM window_visitors v
       WHERE v.persistent AND NOT ${earlierSessionSql(site, 'v.visitor_id', 'v.first_at')}),
     returns AS (
       SELECT f.cohort, width_bucket(later.started_at, ${starts}::timestamptz[]) - 1 - f.cohort AS after,
              count(DISTINCT f.visitor_id)::int AS visitors
       FROM first_visits f
       JOIN sessions later ON later.visitor_id = f.visitor_id AND later.site_id = ${site}
        AND later.started_at > f.first_at AND later.started_at >= ${from} AND later.started_at < ${end}
        AND NOT later.is_bot
       GROUP BY 1, 2),
     cells AS (
       SELECT cohort, 0 AS after, count(*)::int AS visitors FROM first_visits GROUP BY cohort
       UNION ALL
       SELECT cohort, after, visitors FROM returns WHERE after BETWEEN 1 AND ${params.add(followed)})
     SELECT (SELECT json_agg(cells) FROM cells) AS cells,
            (SELECT count(*) FROM first_visits)::int AS new_visitors,
            count(*) FILTER (WHERE persistent)::int AS persistent_visitors,
            count(*) FILTER (WHERE NOT persistent)::int AS cookieless_visitors
     FROM window_visitors`,
    params.values,
  );
  const row = rows[0]!;
  return {
    cohorts: retentionCohorts(weeks, row.cells ?? [], now),
    newVisitors: row.new_visitors,
    returningVisitors: row.persistent_visitors - row.new_visitors,
    cookielessVisitors: row.cookieless_visitors,
  };
}

/** `GET …/stats/retention`: weekly cohorts of new visitors and the window's new and returning visitors. */
export async function getRetention(
  deps: ReportDeps,
  actor: Actor,
  siteId: string,
  query: RetentionRange,
): Promise<{ report: Retention; cached: boolean }> {
  const context = await reportContext(deps, actor, siteId, query);
  const followed = query.weeks ?? DEFAULT_RETENTION_WEEKS;
  assertRawEventsKept({ from: context.window.from, rawEventsFrom: context.rawEventsFrom });
  return cachedReport(deps.cache, context, 'retention', query, () =>
    retentionReport(
      deps.analyticsDb,
      { siteId, ...context.window, filters: context.filters },
      followed,
      new Date(),
    ),
  );
}
