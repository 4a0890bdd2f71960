import { markDirtyHours } from '../analytics/rollups/dirty-hours.ts';
import { withTransaction, type Pool, type PoolClient } from '../db/pool.ts';
import type { Sealer } from '../lib/sealed.ts';
import type { SubjectSite } from './data-subject.ts';

/** What one site's erasure needs of the subject. */
export type ErasureScope = Pick<SubjectSite, 'siteId' | 'visitorIds' | 'userId'>;

/** Rows deleted per transaction: short transactions, so ingestion never waits long on them. */
export const ERASE_BATCH_ROWS = 1000;

/** How many rows each store lost; no identifier of the person, so it may be kept as the audit record. */
export interface ErasedCounts {
  sites: number;
  events: number;
  eventIds: number;
  deliveries: number;
  sessions: number;
  consentRecords: number;
  companiesUpdated: number;
  companiesDeleted: number;
  cachedAddresses: number;
}

export function noneErased(): ErasedCounts {
  return {
    sites: 0,
    events: 0,
    eventIds: 0,
    deliveries: 0,
    sessions: 0,
    consentRecords: 0,
    companiesUpdated: 0,
    companiesDeleted: 0,
    cachedAddresses: 0,
  };
}

export function addCounts(a: ErasedCounts, b: ErasedCounts): ErasedCounts {
  const sum = noneErased();
  for (const key of Object.keys(sum) as Array<keyof ErasedCounts>) sum[key] = a[key] + b[key];
  return sum;
}

/** A pending delivery's sealed address, or undefined when no key opens it (it is deleted all the same). */
export function openSealedIp(sealer: Pick<Sealer, 'open'>, sealed: string): string | undefined {
  try {
    return sealer.open(sealed);
  } catch {
    return undefined;
  }
}

export interface EraseDeps {
  db: Pool;
  /** Opens the full client address a pending delivery keeps sealed; undefined when it cannot. */
  openSealedIp(sealed: string): string | undefined;
  /** Drops cached IP lookups of these addresses, in-process (every instance) and shared (Redis). */
  forgetAddresses(addresses: readonly string[]): Promise<void>;
  batchRows?: number;
}

/**
 * Removes one site's part of a data subject from every store that can hold it (src/privacy/README.md
 * lists them): events with their deliveries (pending, delivered and dead-lettered) and their
 * deduplication keys, sessions (which are the companies' visit history) with the companies' counters
 * taken back, consent records, and cached lookups of the full addresses still held. Roll-ups are
 * marked dirty for every hour the person was counted in, so the roll-up job recomputes those days
 * from what remains, sketches included. Batched and idempotent: a run cut short (a crash, a lost
 * lease) is repeated by the job runner and finds less to do.
 */
export async function eraseFromSite(deps: EraseDeps, site: ErasureScope): Promise<ErasedCounts> {
  const counts = noneErased();
  counts.sites = 1;
  const batchRows = deps.batchRows ?? ERASE_BATCH_ROWS;
  const addresses = new Set<string>();
  for (;;) {
    const batch = await withTransaction(deps.db, (client) => eraseEventBatch(client, site, batchRows));
    counts.events += batch.events;
    counts.deliveries += batch.deliveries;
    counts.eventIds += batch.eventIds;
    for (const address of batch.fullAddresses) addresses.add(address);
    for (const sealed of batch.sealedAddresses) {
      const address = deps.openSealedIp(sealed);
      if (address !== undefined) addresses.add(address);
    }
    if (batch.events < batchRows) break;
  }
  const touchedDomains = new Set<string>();
  for (;;) {
    const batch = await withTransaction(deps.db, (client) => eraseSessionBatch(client, site, batchRows));
    counts.sessions += batch.sessions;
    for (const domain of batch.domains) touchedDomains.add(domain);
    if (batch.sessions < batchRows) break;
  }
  if (touchedDomains.size > 0) {
    const companies = await withTransaction(deps.db, (client) =>
      settleCompanies(client, site.siteId, [...touchedDomains].sort()),
    );
    counts.companiesUpdated = companies.updated;
    counts.companiesDeleted = companies.deleted;
  }
  const consent = await deps.db.query(
    'DELETE FROM consent_records WHERE site_id = $1 AND (visitor_id = ANY($2) OR user_id = $3)',
    [site.siteId, site.visitorIds, site.userId],
  );
  counts.consentRecords = consent.rowCount ?? 0;
  if (addresses.size > 0) await deps.forgetAddresses([...addresses]);
  counts.cachedAddresses = addresses.size;
  return counts;
}

interface EventBatch {
  events: number;
  deliveries: number;
  eventIds: number;
  /** Addresses of events still pending enrichment, which keep the full address until it completes. */
  fullAddresses: string[];
  sealedAddresses: string[];
}

async function eraseEventBatch(
  client: PoolClient,
  site: ErasureScope,
  batchRows: number,
): Promise<EventBatch> {
  const { rows } = await client.query<{
    id: string;
    event_id: string | null;
    occurred_at: Date;
    ip: string | null;
    enrichment_status: string;
  }>(
    `WITH doomed AS (
       SELECT site_id, received_at, id FROM events
       WHERE site_id = $1 AND visitor_id = ANY($2)
       LIMIT $3
     )
     DELETE FROM events e USING doomed d
     WHERE e.site_id = d.site_id AND e.received_at = d.received_at AND e.id = d.id
     RETURNING e.id, e.event_id, e.occurred_at, e.ip, e.enrichment_status`,
    [site.siteId, site.visitorIds, batchRows],
  );
  if (rows.length === 0)
    return { events: 0, deliveries: 0, eventIds: 0, fullAddresses: [], sealedAddresses: [] };
  const ids = rows.map((row) => row.id);
  // Whatever their state: a pending delivery would send the event after all, a dead letter could be
  // replayed, and a finished one is the record of what went where, which is the person's too.
  const deliveries = await client.query<{ sealed_ip: string | null }>(
    'DELETE FROM deliveries WHERE site_id = $1 AND event_row_id = ANY($2) RETURNING sealed_ip',
    [site.siteId, ids],
  );
  const eventIds = rows.flatMap((row) => (row.event_id === null ? [] : [row.event_id]));
  const keys =
    eventIds.length === 0
      ? { rowCount: 0 }
      : await client.query(
          `DELETE FROM event_ids WHERE site_id = $1 AND event_id = ANY($2)
             AND (row_id IS NULL OR row_id = ANY($3))`,
          [site.siteId, eventIds, ids],
        );
  const dirty = markDirtyHours(rows.map((row) => ({ site_id: site.siteId, at: row.occurred_at })));
  if (dirty !== undefined) await client.query(dirty.sql);
  return {
    events: rows.length,
    deliveries: deliveries.rowCount ?? 0,
    eventIds: keys.rowCount ?? 0,
    fullAddresses: rows.flatMap((row) =>
      row.enrichment_status === 'pending' && row.ip !== null ? [row.ip] : [],
    ),
    sealedAddresses: deliveries.rows.flatMap((row) => (row.sealed_ip === null ? [] : [row.sealed_ip])),
  };
}

async function eraseSessionBatch(
  client: PoolClient,
  site: ErasureScope,
  batchRows: number,
): Promise<{ sessions: number; domains: string[] }> {
  const { rows } = await client.query<{
    company_domain: string | null;
    pageviews: number;
    duration_s: number;
    started_at: Date;
    is_bot: boolean;
  }>(
    `DELETE FROM sessions s
     WHERE s.site_id = $1 AND s.id IN (
       SELECT id FROM sessions WHERE site_id = $1 AND visitor_id = ANY($2) LIMIT $3)
     RETURNING s.company_domain, s.pageviews, s.duration_s, s.started_at, s.is_bot`,
    [site.siteId, site.visitorIds, batchRows],
  );
  // A session's counts belong to the day it started: that day's roll-up loses them.
  const dirty = markDirtyHours(rows.map((row) => ({ site_id: site.siteId, at: row.started_at })));
  if (dirty !== undefined) await client.query(dirty.sql);
  // Bots' sessions were never credited to a company (companyCredits), so none is taken back.
  const credits = new Map<string, { sessions: number; pageviews: number; seconds: number }>();
  for (const row of rows) {
    if (row.company_domain === null || row.is_bot) continue;
    const credit = credits.get(row.company_domain) ?? { sessions: 0, pageviews: 0, seconds: 0 };
    credit.sessions += 1;
    credit.pageviews += Math.max(0, row.pageviews);
    credit.seconds += Math.max(0, row.duration_s);
    credits.set(row.company_domain, credit);
  }
  if (credits.size > 0) {
    const domains = [...credits.keys()].sort();
    // Locked in (site, domain) order, as the ingest writer's upsert does, so the two cannot deadlock.
    await client.query(
      'SELECT id FROM companies WHERE site_id = $1 AND domain = ANY($2) ORDER BY domain FOR UPDATE',
      [site.siteId, domains],
    );
    await client.query(
      `UPDATE companies c SET
         visits = greatest(c.visits - u.sessions, 0),
         sessions = greatest(c.sessions - u.sessions, 0),
         pageviews = greatest(c.pageviews - u.pageviews, 0),
         time_on_site_s = greatest(c.time_on_site_s - u.seconds, 0),
         touch_seq = c.touch_seq + 1,
         updated_at = now()
       FROM unnest($2::text[], $3::integer[], $4::bigint[], $5::bigint[]) AS u(domain, sessions, pageviews, seconds)
       WHERE c.site_id = $1 AND c.domain = u.domain`,
      [
        site.siteId,
        domains,
        domains.map((domain) => credits.get(domain)!.sessions),
        domains.map((domain) => credits.get(domain)!.pageviews),
        domains.map((domain) => credits.get(domain)!.seconds),
      ],
    );
  }
  return {
    sessions: rows.length,
    domains: rows.flatMap((row) => (row.company_domain === null ? [] : [row.company_domain])),
  };
}

/**
 * After the person's sessions are gone: a company nobody else visited (no visits left and no
 * session) is deleted with its status history, since it may exist only because of this person
 * (their network, their work email); the others get first and last seen from the sessions that
 * remain and are rescored by the scoring job (touch_seq was bumped), which recounts their visitors.
 */
async function settleCompanies(
  client: PoolClient,
  siteId: string,
  domains: readonly string[],
): Promise<{ updated: number; deleted: number }> {
  await client.query(
    'SELECT id FROM companies WHERE site_id = $1 AND domain = ANY($2) ORDER BY domain FOR UPDATE',
    [siteId, domains],
  );
  const deleted = await client.query(
    `DELETE FROM companies c WHERE c.site_id = $1 AND c.domain = ANY($2) AND c.visits = 0
       AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.site_id = c.site_id AND s.company_domain = c.domain)`,
    [siteId, domains],
  );
  const updated = await client.query(
    `UPDATE companies c SET first_seen_at = seen.first, last_seen_at = seen.last, touch_seq = c.touch_seq + 1
     FROM (
       SELECT s.company_domain AS domain, min(s.started_at) AS first, max(s.last_seen_at) AS last
       FROM sessions s WHERE s.site_id = $1 AND s.company_domain = ANY($2) AND NOT s.is_bot
       GROUP BY s.company_domain
     ) seen
     WHERE c.site_id = $1 AND c.domain = seen.domain`,
    [siteId, domains],
  );
  return { updated: updated.rowCount ?? 0, deleted: deleted.rowCount ?? 0 };
}
