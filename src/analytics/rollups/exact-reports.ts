import type { Pool } from '../../db/pool.ts';

/**
 * The reports' numbers computed straight from events and sessions with plain SQL, for tests to
 * hold roll-ups against. Written apart from the job's queries on purpose: days by each instant's
 * local date (not by instant ranges), the landing event by a lateral lookup, the dimensions'
 * sources spelled out again here.
 */

export interface ExactCounts {
  visitors: number;
  sessions: number;
  bounces: number;
  durationSeconds: number;
  pageviews: number;
  events: number;
}

export interface ExactRange {
  db: Pool;
  siteId: string;
  timezone: string;
  fromDay: string;
  toDay: string;
}

export async function exactTotals({
  db,
  siteId,
  timezone,
  fromDay,
  toDay,
}: ExactRange): Promise<ExactCounts> {
  const { rows } = await db.query<ExactCounts>(
    `SELECT
       (SELECT count(DISTINCT visitor_id) FROM events e
        WHERE site_id = $1 AND NOT is_bot AND (occurred_at AT TIME ZONE $2)::date BETWEEN $3 AND $4) AS visitors,
       (SELECT count(*) FROM events e
        WHERE site_id = $1 AND NOT is_bot AND type = 'pageview' AND (occurred_at AT TIME ZONE $2)::date BETWEEN $3 AND $4) AS pageviews,
       (SELECT count(*) FROM events e
        WHERE site_id = $1 AND NOT is_bot AND type = 'event' AND (occurred_at AT TIME ZONE $2)::date BETWEEN $3 AND $4) AS events,
       s.sessions, s.bounces, s."durationSeconds"
     FROM (SELECT count(*) AS sessions, count(*) FILTER (WHERE is_bounce) AS bounces,
             coalesce(sum(duration_s), 0) AS "durationSeconds"
           FROM sessions
           WHERE site_id = $1 AND NOT is_bot AND (started_at AT TIME ZONE $2)::date BETWEEN $3 AND $4) AS s`,
    [siteId, timezone, fromDay, toDay],
  );
  return rows[0]!;
}

/** Exact counts of events in [from, to) and sessions that started in it. */
export async function exactBetween(db: Pool, siteId: string, from: Date, to: Date): Promise<ExactCounts> {
  const { rows } = await db.query<ExactCounts>(
    `SELECT
       (SELECT count(DISTINCT visitor_id) FROM events
        WHERE site_id = $1 AND NOT is_bot AND occurred_at >= $2 AND occurred_at < $3) AS visitors,
       (SELECT count(*) FROM events
        WHERE site_id = $1 AND NOT is_bot AND type = 'pageview' AND occurred_at >= $2 AND occurred_at < $3) AS pageviews,
       (SELECT count(*) FROM events
        WHERE site_id = $1 AND NOT is_bot AND type = 'event' AND occurred_at >= $2 AND occurred_at < $3) AS events,
       (SELECT count(*) FROM sessions
        WHERE site_id = $1 AND NOT is_bot AND started_at >= $2 AND started_at < $3) AS sessions,
       (SELECT count(*) FROM sessions
        WHERE site_id = $1 AND NOT is_bot AND is_bounce AND started_at >= $2 AND started_at < $3) AS bounces,
       (SELECT coalesce(sum(duration_s), 0) FROM sessions
        WHERE site_id = $1 AND NOT is_bot AND started_at >= $2 AND started_at < $3) AS "durationSeconds"`,
    [siteId, from, to],
  );
  return rows[0]!;
}

/** Where each session dimension's value comes from: `s` the session, `l` its landing event. */
export const EXACT_SESSION_SOURCES: Record<string, string> = {
  entry_page: 's.entry_path',
  exit_page: 's.exit_path',
  referrer: 'l.referrer',
  referrer_host: 's.referrer_host',
  channel: 's.referrer_type',
  utm_source: 's.utm_source',
  utm_medium: 's.utm_medium',
  utm_campaign: 's.utm_campaign',
  utm_term: 'l.utm_term',
  utm_content: 'l.utm_content',
  country: 's.country',
  region: 'l.region',
  city: 'l.city',
  device: 's.device_type',
  browser: 's.browser_name',
  browser_version: 'l.browser_version',
  os: 's.os_name',
  os_version: 'l.os_version',
  screen: "l.screen_width::text || 'x' || l.screen_height::text",
  language: 'l.language',
  visitor_class: 'l.visitor_class',
  company: 's.company_domain',
};

export interface ExactBreakdownRow extends ExactCounts {
  value: string | null;
  entries: number;
  exits: number;
}

/** Every value of a dimension over the range, keyed by value ('' for none). */
export async function exactBreakdown(
  { db, siteId, timezone, fromDay, toDay }: ExactRange,
  dimension: string,
): Promise<Map<string, ExactBreakdownRow>> {
  const params = [siteId, timezone, fromDay, toDay];
  const rows = new Map<string, ExactBreakdownRow>();
  const row = (value: string) => {
    let found = rows.get(value);
    if (found === undefined) {
      found = {
        value: value === '' ? null : value,
        visitors: 0,
        sessions: 0,
        bounces: 0,
        durationSeconds: 0,
        pageviews: 0,
        events: 0,
        entries: 0,
        exits: 0,
      };
      rows.set(value, found);
    }
    return found;
  };
  const eventColumn = { page: 'path', hostname: 'hostname', event: 'name' }[dimension];
  if (eventColumn !== undefined) {
    const type = dimension === 'event' ? 'event' : 'pageview';
    const { rows: counted } = await db.query<{
      value: string;
      n: number;
      visitors: number;
      sessions: number;
    }>(
      `SELECT coalesce(${eventColumn}, '') AS value, count(*) AS n, count(DISTINCT visitor_id) AS visitors,
         count(DISTINCT (session_id, (occurred_at AT TIME ZONE $2)::date)) FILTER (WHERE session_id IS NOT NULL) AS sessions
       FROM events
       WHERE site_id = $1 AND NOT is_bot AND type = '${type}' AND (occurred_at AT TIME ZONE $2)::date BETWEEN $3 AND $4
       GROUP BY 1`,
      params,
    );
    for (const found of counted) {
      Object.assign(row(found.value), {
        visitors: found.visitors,
        sessions: found.sessions,
        [dimension === 'event' ? 'events' : 'pageviews']: found.n,
      });
    }
    if (dimension === 'page') {
      const { rows: ends } = await db.query<{
        value: string;
        entries: number;
        bounces: number;
        duration: number;
        exits: number;
      }>(
        `SELECT value, sum(entries) AS entries, sum(bounces) AS bounces, sum(duration) AS duration, sum(exits) AS exits FROM (
           SELECT coalesce(entry_path, '') AS value, 1 AS entries, is_bounce::int AS bounces, duration_s AS duration, 0 AS exits
           FROM sessions WHERE site_id = $1 AND NOT is_bot AND (started_at AT TIME ZONE $2)::date BETWEEN $3 AND $4
           UNION ALL
           SELECT coalesce(exit_path, ''), 0, 0, 0, 1
           FROM sessions WHERE site_id = $1 AND NOT is_bot AND (started_at AT TIME ZONE $2)::date BETWEEN $3 AND $4
         ) AS ends GROUP BY value`,
        params,
      );
      for (const found of ends) {
        Object.assign(row(found.value), {
          entries: found.entries,
          bounces: found.bounces,
          durationSeconds: found.duration,
          exits: found.exits,
        });
      }
    }
    return rows;
  }
  const source = EXACT_SESSION_SOURCES[dimension];
  if (source === undefined) throw new Error(`no exact source for ${dimension}`);
  const { rows: counted } = await db.query<ExactBreakdownRow & { value: string }>(
    `SELECT coalesce(${source}, '') AS value, count(DISTINCT s.visitor_id) AS visitors, count(*) AS sessions,
       count(*) FILTER (WHERE s.is_bounce) AS bounces, sum(s.duration_s) AS "durationSeconds",
       sum(s.pageviews) AS pageviews, sum(s.events) AS events, 0 AS entries, 0 AS exits
     FROM sessions s
     LEFT JOIN LATERAL (
       SELECT * FROM events e
       WHERE e.site_id = s.site_id AND e.session_id = s.id
         AND (e.occurred_at AT TIME ZONE $2)::date = (s.started_at AT TIME ZONE $2)::date
       ORDER BY e.occurred_at, e.id LIMIT 1
     ) AS l ON true
     WHERE s.site_id = $1 AND NOT s.is_bot AND (s.started_at AT TIME ZONE $2)::date BETWEEN $3 AND $4
     GROUP BY 1`,
    params,
  );
  for (const found of counted)
    rows.set(found.value, { ...found, value: found.value === '' ? null : found.value });
  return rows;
}
