import { COOKIELESS_ID_PREFIX } from '../ingest/visitor-ids.ts';

/**
 * New and returning visitors need an id that can return. Two kinds of visitor id reach `sessions`:
 *
 * - a consented first-party id (the tracker's `beacon_vid` in localStorage, or a server's own
 *   `visitorId`), kept with analytics consent on a site that is not cookieless: it lasts across days
 *   until the browser's storage is cleared or consent is withdrawn;
 * - otherwise a cookieless id (`cl_…`): a hash with a salt that rotates every UTC day and is then
 *   deleted, so the same person gets a new id every day and can never be recognised as returning.
 *
 * So only persistent ids are new or returning; a cookieless one is neither (`(none)` in reports).
 * "First" is as far as Beacon's stored sessions go, bots' sessions left out: a visitor whose earlier
 * visits were cookieless (before consent) or whose storage was cleared starts over as new.
 */

/** SQL: whether the visitor id in `column` persists across days (it is not a cookieless daily id). */
export function persistentVisitorSql(column: string): string {
  return `NOT starts_with(${column}, '${COOKIELESS_ID_PREFIX}')`;
}

/**
 * SQL: whether the visitor had a session on the site, not a bot's, that started before `before`: a
 * probe into `sessions_visitor_idx (visitor_id, site_id)`, which the writer looks visitors up by, and
 * a look at their few sessions. Adding started_at and is_bot to that index answered it from the index
 * alone, but gained little (a 12-week retention report over 200 k sessions in 0.25–0.31 s instead of
 * 0.33–0.61 s; visitor_type breakdowns and filters no faster) for an index 3.7 times larger, which
 * every new session writes: with a key unique to each session, PostgreSQL can no longer deduplicate
 * a visitor's entries.
 */
export function earlierSessionSql(site: string, visitor: string, before: string): string {
  return `EXISTS (SELECT 1 FROM sessions earlier
    WHERE earlier.visitor_id = ${visitor} AND earlier.site_id = ${site} AND earlier.started_at < ${before}
      AND NOT earlier.is_bot)`;
}

/**
 * The `visitor_type` dimension over a session `s`: `new` for the visitor's first session on the site,
 * ever (not just in the report's window), `returning` for any later one, NULL (`(none)`) for a
 * cookieless visitor, whose id cannot return.
 */
export const VISITOR_TYPE_SQL = `CASE
    WHEN NOT ${persistentVisitorSql('s.visitor_id')} THEN NULL
    WHEN ${earlierSessionSql('s.site_id', 's.visitor_id', 's.started_at')} THEN 'returning'
    ELSE 'new' END`;
