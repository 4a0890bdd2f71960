import { Type, type Static } from 'typebox';
import type { Queryable } from '../db/pool.ts';

export const HISTORY_SESSIONS = 50;
export const HISTORY_PAGES_PER_SESSION = 100;

const Text = Type.Union([Type.String(), Type.Null()]);

export const HistoryPage = Type.Object({
  path: Text,
  title: Text,
  at: Type.String({ format: 'date-time' }),
});

export const HistorySession = Type.Object({
  id: Type.String(),
  startedAt: Type.String({ format: 'date-time' }),
  lastSeenAt: Type.String({ format: 'date-time' }),
  durationSeconds: Type.Integer(),
  pageviews: Type.Integer(),
  events: Type.Integer({ description: 'Custom events and other interactions' }),
  entryPath: Text,
  exitPath: Text,
  source: Type.Object({
    referrerHost: Text,
    referrerType: Text,
    utmSource: Text,
    utmMedium: Text,
    utmCampaign: Text,
  }),
  country: Text,
  deviceType: Text,
  browserName: Text,
  pages: Type.Array(HistoryPage, { description: `In order; the first ${HISTORY_PAGES_PER_SESSION} at most` }),
});
export type HistorySession = Static<typeof HistorySession>;

interface SessionRow {
  id: string;
  started_at: Date;
  last_seen_at: Date;
  duration_s: number;
  pageviews: number;
  events: number;
  entry_path: string | null;
  exit_path: string | null;
  referrer_host: string | null;
  referrer_type: string | null;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  country: string | null;
  device_type: string | null;
  browser_name: string | null;
}

/** Where a page of visits ends: the last session shown; the next page starts below it. */
export interface VisitPosition {
  startedAt: Date;
  id: string;
}

/**
 * A company's visits, newest session first, each with its pages in the order they were seen and
 * where the visit came from. Bounded: `limit` sessions (the latest 50 by default), 100 pages each,
 * older than `before` when given. Bot sessions are left out. The site id scopes both queries;
 * events are read by session through events_session_idx.
 */
export async function listCompanyHistory({
  db,
  siteId,
  domain,
  limit = HISTORY_SESSIONS,
  before,
}: {
  db: Queryable;
  siteId: string;
  domain: string;
  limit?: number;
  before?: VisitPosition;
}): Promise<HistorySession[]> {
  const { rows: sessions } = await db.query<SessionRow>(
    `SELECT id, started_at, last_seen_at, duration_s, pageviews, events, entry_path, exit_path,
       referrer_host, referrer_type, utm_source, utm_medium, utm_campaign, country, device_type, browser_name
     FROM sessions
     WHERE site_id = $1 AND company_domain = $2 AND NOT is_bot
       AND ($4::timestamptz IS NULL OR (started_at, id) < ($4::timestamptz, $5::text))
     ORDER BY started_at DESC, id DESC
     LIMIT $3`,
    [siteId, domain, limit, before?.startedAt ?? null, before?.id ?? null],
  );
  if (sessions.length === 0) return [];
  // An event is received after it happens, and a session starts with its first event: no event of
  // these sessions was received before the oldest start, which lets PostgreSQL skip older partitions.
  const oldest = sessions.reduce(
    (min, session) => (session.started_at < min ? session.started_at : min),
    sessions[0]!.started_at,
  );
  const { rows: pages } = await db.query<{
    session_id: string;
    path: string | null;
    title: string | null;
    occurred_at: Date;
  }>(
    `SELECT session_id, path, title, occurred_at FROM (
       SELECT session_id, path, title, occurred_at,
         row_number() OVER (PARTITION BY session_id ORDER BY occurred_at, id) AS position
       FROM events
       WHERE site_id = $1 AND session_id = ANY($2::text[]) AND type = 'pageview' AND received_at >= $3
     ) numbered
     WHERE position <= $4
     ORDER BY session_id, position`,
    [siteId, sessions.map((session) => session.id), oldest, HISTORY_PAGES_PER_SESSION],
  );
  const bySession = new Map<string, Array<Static<typeof HistoryPage>>>();
  for (const page of pages) {
    const list = bySession.get(page.session_id) ?? [];
    list.push({ path: page.path, title: page.title, at: page.occurred_at.toISOString() });
    bySession.set(page.session_id, list);
  }
  return sessions.map((session) => ({
    id: session.id,
    startedAt: session.started_at.toISOString(),
    lastSeenAt: session.last_seen_at.toISOString(),
    durationSeconds: session.duration_s,
    pageviews: session.pageviews,
    events: session.events,
    entryPath: session.entry_path,
    exitPath: session.exit_path,
    source: {
      referrerHost: session.referrer_host,
      referrerType: session.referrer_type,
      utmSource: session.utm_source,
      utmMedium: session.utm_medium,
      utmCampaign: session.utm_campaign,
    },
    country: session.country,
    deviceType: session.device_type,
    browserName: session.browser_name,
    pages: bySession.get(session.id) ?? [],
  }));
}
