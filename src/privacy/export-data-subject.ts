import type { Queryable } from '../db/pool.ts';
import type { Actor } from '../tenancy/auth/access-tokens.ts';
import { resolveSubject, type DataSubject, type SubjectSite } from './data-subject.ts';

/** Rows read per query: what an export holds in memory at most, whatever the subject's history. */
export const EXPORT_PAGE_ROWS = 500;

/**
 * Everything Beacon holds about a data subject, as JSON text in chunks (Art. 15 and 20 GDPR):
 * per site, the visitor ids, every stored event (all its columns, with the deliveries queued for it
 * to each destination), sessions, consent records and the companies the visits were linked to.
 * Access is checked and the subject resolved before the first chunk, so refusals are ordinary
 * errors; the rows are then read a page at a time (keyset, a short query each), so a visitor with a
 * million events costs a page of memory and holds no connection or transaction between pages.
 */
export async function exportDataSubject({
  db,
  actor,
  subject,
  pageRows = EXPORT_PAGE_ROWS,
  now = new Date(),
}: {
  db: Queryable;
  actor: Actor;
  subject: DataSubject;
  pageRows?: number;
  now?: Date;
}): Promise<AsyncIterable<string>> {
  const sites = await resolveSubject(db, actor, subject);
  return exportChunks(db, subject, sites, pageRows, now);
}

async function* exportChunks(
  db: Queryable,
  subject: DataSubject,
  sites: readonly SubjectSite[],
  pageRows: number,
  now: Date,
): AsyncGenerator<string> {
  yield `{"subject":${JSON.stringify(subject)},"generatedAt":${JSON.stringify(now.toISOString())},"sites":[`;
  for (const [index, site] of sites.entries()) {
    const params = [site.siteId, site.visitorIds];
    yield `${index === 0 ? '' : ','}{"siteId":${JSON.stringify(site.siteId)},"siteName":${JSON.stringify(site.siteName)},"visitorIds":${JSON.stringify(site.visitorIds)},"events":[`;
    yield* joined(
      pagedJson(db, pageRows, {
        from: 'events r WHERE r.site_id = $1 AND r.visitor_id = ANY($2)',
        params,
        time: 'received_at',
        json: `(to_jsonb(r) || jsonb_build_object('deliveries', (
                  SELECT coalesce(jsonb_agg(jsonb_build_object(
                    'id', d.id, 'destinationId', d.destination_id, 'destinationType', d.destination_type,
                    'status', d.status, 'attempts', d.attempts, 'lastStatus', d.last_status,
                    'lastError', d.last_error, 'createdAt', d.created_at, 'nextAttemptAt', d.next_attempt_at,
                    'finishedAt', d.finished_at, 'holdsFullAddress', d.sealed_ip IS NOT NULL) ORDER BY d.id), '[]')
                  FROM deliveries d WHERE d.site_id = r.site_id AND d.event_row_id = r.id)))::text`,
      }),
    );
    yield '],"sessions":[';
    yield* joined(
      pagedJson(db, pageRows, {
        from: 'sessions r WHERE r.site_id = $1 AND r.visitor_id = ANY($2)',
        params,
        time: 'started_at',
        json: 'to_jsonb(r)::text',
      }),
    );
    yield '],"consent":[';
    yield* joined(
      pagedJson(db, pageRows, {
        from: 'consent_records r WHERE r.site_id = $1 AND (r.visitor_id = ANY($2) OR r.user_id = $3)',
        params: [...params, site.userId],
        time: 'recorded_at',
        json: 'to_jsonb(r)::text',
      }),
    );
    yield `],"companies":${JSON.stringify(await linkedCompanies(db, site))}}`;
  }
  yield ']}';
}

async function* joined(items: AsyncIterable<string>): AsyncGenerator<string> {
  let first = true;
  for await (const item of items) {
    yield first ? item : `,${item}`;
    first = false;
  }
}

interface PagedQuery {
  /** `<table> r WHERE …`, with parameters $1…$n from `params`. */
  from: string;
  params: readonly unknown[];
  /** The column of r that orders the rows, with r.id after it. */
  time: string;
  /** An expression of r: the row's JSON as text. */
  json: string;
}

/** The rows of `query` as JSON texts, `pageRows` per query, in (time, id) order. */
async function* pagedJson(db: Queryable, pageRows: number, query: PagedQuery): AsyncGenerator<string> {
  const next = query.params.length + 1;
  let after: [string, string] | undefined;
  for (;;) {
    // The time goes back as text, so the next page starts exactly after it (a Date would drop microseconds).
    const { rows } = await db.query<{ json: string; t: string; id: string }>(
      `SELECT ${query.json} AS json, r.${query.time}::text AS t, r.id::text AS id FROM ${query.from}
       ${after === undefined ? '' : `AND (r.${query.time}, r.id) > ($${next + 1}::timestamptz, $${next + 2})`}
       ORDER BY r.${query.time}, r.id LIMIT $${next}`,
      [...query.params, pageRows, ...(after ?? [])],
    );
    for (const row of rows) yield row.json;
    if (rows.length < pageRows) return;
    const last = rows[rows.length - 1]!;
    after = [last.t, last.id];
  }
}

/** The companies the subject's visits were attributed to: few per visitor, so read at once. */
async function linkedCompanies(db: Queryable, site: SubjectSite) {
  const { rows } = await db.query<{ id: string; domain: string; name: string | null; sessions: number }>(
    `SELECT c.id, c.domain, c.name, count(*)::int AS sessions
     FROM sessions s JOIN companies c ON c.site_id = s.site_id AND c.domain = s.company_domain
     WHERE s.site_id = $1 AND s.visitor_id = ANY($2)
     GROUP BY c.id, c.domain, c.name ORDER BY c.domain`,
    [site.siteId, site.visitorIds],
  );
  return rows;
}
