import { companyCredits, type SessionTotals } from '../companies/company-credits.ts';
import { upsertCompanies } from '../companies/upsert-companies.ts';
import type { Pool } from '../db/pool.ts';
import { withTransaction } from '../db/pool.ts';
import type { IpEnrichmentService } from './ip-enrichment.ts';
import { toEnrichment } from './ip-enrichment.ts';

/** Events still pending after this long are given up on: marked failed, their address minimised. */
export const GIVE_UP_AFTER_MS = 24 * 60 * 60 * 1000;

export interface BackfillResult {
  done: number;
  failed: number;
  stillPending: number;
}

interface PendingRow {
  site_id: string;
  received_at: Date;
  /** received_at as PostgreSQL writes it: a Date keeps milliseconds, the column microseconds. */
  received_at_text: string;
  id: string;
  ip: string | null;
  is_bot: boolean;
  session_id: string | null;
}

/**
 * Completes events stored with enrichment pending (the lookup missed ingestion's time budget or the
 * provider was down): fills the enrichment columns, minimises the address, and carries country and
 * company to the event's session.
 *
 * No lock is held while the provider answers (that can take seconds): a page of pending events is
 * read without locking, resolved outside any transaction, then written in one short transaction
 * that touches only events still pending, so an event erased, or completed by another run,
 * meanwhile is left as it is and its session is not credited twice. The job runner runs this on
 * one instance at a time, so instances do not spend lookups on the same events; two runs at once
 * would still be correct.
 */
export async function backfillEnrichment({
  db,
  enrichment,
  limit = 500,
  now = Date.now,
  siteId,
}: {
  db: Pool;
  enrichment: IpEnrichmentService;
  limit?: number;
  now?: () => number;
  /** Complete one site's events only (tests). */
  siteId?: string;
}): Promise<BackfillResult> {
  const { rows } = await db.query<PendingRow>(
    `SELECT site_id, received_at, received_at::text AS received_at_text, id, ip, is_bot, session_id FROM events
     WHERE enrichment_status = 'pending' AND ($2::text IS NULL OR site_id = $2)
     ORDER BY received_at
     LIMIT $1`,
    [limit, siteId ?? null],
  );
  const result: BackfillResult = { done: 0, failed: 0, stillPending: 0 };
  if (rows.length === 0) return result;
  const outcomes = new Map(
    await Promise.all(
      [...new Set(rows.map((row) => row.ip ?? ''))].map(
        async (ip) => [ip, ip === '' ? ({ ok: false } as const) : await enrichment.resolve(ip)] as const,
      ),
    ),
  );

  const updates: Array<{
    row: PendingRow;
    status: 'done' | 'failed';
    values: ReturnType<typeof toEnrichment> | null;
  }> = [];
  for (const row of rows) {
    const outcome = outcomes.get(row.ip ?? '');
    if (outcome?.ok) {
      const values = toEnrichment(outcome.value);
      // A bot keeps its class: it is never a company, whatever network it came from.
      updates.push({
        row,
        status: 'done',
        values: row.is_bot
          ? { ...values, visitorClass: 'bot', companyDomain: null, companyName: null }
          : values,
      });
    } else if (now() - row.received_at.getTime() > GIVE_UP_AFTER_MS || row.ip === null) {
      updates.push({ row, status: 'failed', values: null });
    } else {
      result.stillPending += 1;
    }
  }
  if (updates.length === 0) return result;

  return withTransaction(db, async (client) => {
    const column = <T>(pick: (update: (typeof updates)[number]) => T) => updates.map(pick);
    const { rows: written } = await client.query<{ site_id: string; id: string }>(
      `UPDATE events e SET
         enrichment_status = u.status, ip = u.ip, country = u.country, region = u.region, city = u.city,
         asn = u.asn, as_name = u.as_name, visitor_class = u.visitor_class,
         -- A company named by a work email at ingestion outranks the network's.
         company_domain = COALESCE(e.company_domain, u.company_domain),
         company_name = CASE WHEN e.company_domain IS NULL THEN u.company_name ELSE e.company_name END,
         is_vpn = u.is_vpn, is_hosting = u.is_hosting
       FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                   $8::text[], $9::bigint[], $10::text[], $11::text[], $12::text[], $13::text[], $14::boolean[],
                   $15::boolean[])
         AS u(site_id, received_at, id, status, ip, country, region, city, asn, as_name, visitor_class,
              company_domain, company_name, is_vpn, is_hosting)
       WHERE e.site_id = u.site_id AND e.received_at = u.received_at AND e.id = u.id
         AND e.enrichment_status = 'pending'
       RETURNING e.site_id, e.id`,
      [
        column((u) => u.row.site_id),
        column((u) => u.row.received_at_text),
        column((u) => u.row.id),
        column((u) => u.status),
        column((u) => enrichment.minimize(u.row.ip ?? undefined) ?? null),
        column((u) => u.values?.country ?? null),
        column((u) => u.values?.region ?? null),
        column((u) => u.values?.city ?? null),
        column((u) => u.values?.asn ?? null),
        column((u) => u.values?.asName ?? null),
        column((u) => u.values?.visitorClass ?? null),
        column((u) => u.values?.companyDomain ?? null),
        column((u) => u.values?.companyName ?? null),
        column((u) => u.values?.isVpn ?? null),
        column((u) => u.values?.isHosting ?? null),
      ],
    );
    const writtenKeys = new Set(written.map((row) => `${row.site_id}\u0000${row.id}`));
    const applied = updates.filter((u) => writtenKeys.has(`${u.row.site_id}\u0000${u.row.id}`));
    const sessions = applied.filter((u) => u.status === 'done' && u.row.session_id !== null);
    if (sessions.length > 0) {
      // `old` is the row before this statement: a session that gains its company here is credited
      // to it now, in full, with the same upsert the ingest writer uses.
      const { rows: changed } = await client.query<SessionTotals & { company_before: string | null }>(
        `UPDATE sessions s SET country = COALESCE(s.country, u.country),
           company_domain = COALESCE(s.company_domain, u.company_domain)
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS u(site_id, id, country, company_domain),
           sessions old
         WHERE s.site_id = u.site_id AND s.id = u.id AND old.site_id = s.site_id AND old.id = s.id
         RETURNING s.site_id, s.id, s.company_domain, s.pageviews, s.duration_s, s.started_at,
           s.last_seen_at, s.is_bot, old.company_domain AS company_before`,
        [
          sessions.map((u) => u.row.site_id),
          sessions.map((u) => u.row.session_id),
          sessions.map((u) => u.values?.country ?? null),
          sessions.map((u) => u.values?.companyDomain ?? null),
        ],
      );
      const gained = changed.filter((row) => row.company_before === null && row.company_domain !== null);
      await upsertCompanies(
        client,
        companyCredits(
          gained.map((after) => ({ before: undefined, after })),
          sessions.map((u) => ({
            site_id: u.row.site_id,
            company_domain: u.values?.companyDomain ?? null,
            company_name: u.values?.companyName ?? null,
            country: u.values?.country ?? null,
            city: u.values?.city ?? null,
          })),
        ),
      );
    }
    for (const update of applied) result[update.status] += 1;
    return result;
  });
}
