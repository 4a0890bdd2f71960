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
  id: string;
  ip: string | null;
  is_bot: boolean;
  session_id: string | null;
}

/**
 * Completes events stored with enrichment pending (the lookup missed ingestion's time budget or the
 * provider was down): fills the enrichment columns, minimises the address, and carries country and
 * company to the event's session. Rows are claimed with SKIP LOCKED, so several instances can run
 * this at once without doing the same work.
 */
export async function backfillEnrichment({
  db,
  enrichment,
  limit = 500,
  now = Date.now,
}: {
  db: Pool;
  enrichment: IpEnrichmentService;
  limit?: number;
  now?: () => number;
}): Promise<BackfillResult> {
  return withTransaction(db, async (client) => {
    const { rows } = await client.query<PendingRow>(
      `SELECT site_id, received_at, id, ip, is_bot, session_id FROM events
       WHERE enrichment_status = 'pending'
       ORDER BY received_at
       LIMIT $1
       FOR UPDATE SKIP LOCKED`,
      [limit],
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

    const column = <T>(pick: (update: (typeof updates)[number]) => T) => updates.map(pick);
    await client.query(
      `UPDATE events e SET
         enrichment_status = u.status, ip = u.ip, country = u.country, region = u.region, city = u.city,
         asn = u.asn, as_name = u.as_name, visitor_class = u.visitor_class, company_domain = u.company_domain,
         company_name = u.company_name, is_vpn = u.is_vpn, is_hosting = u.is_hosting
       FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                   $8::text[], $9::integer[], $10::text[], $11::text[], $12::text[], $13::text[], $14::boolean[],
                   $15::boolean[])
         AS u(site_id, received_at, id, status, ip, country, region, city, asn, as_name, visitor_class,
              company_domain, company_name, is_vpn, is_hosting)
       WHERE e.site_id = u.site_id AND e.received_at = u.received_at AND e.id = u.id`,
      [
        column((u) => u.row.site_id),
        column((u) => u.row.received_at),
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
    const sessions = updates.filter((u) => u.status === 'done' && u.row.session_id !== null);
    if (sessions.length > 0) {
      await client.query(
        `UPDATE sessions s SET country = COALESCE(s.country, u.country),
           company_domain = COALESCE(s.company_domain, u.company_domain)
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS u(site_id, id, country, company_domain)
         WHERE s.site_id = u.site_id AND s.id = u.id`,
        [
          sessions.map((u) => u.row.site_id),
          sessions.map((u) => u.row.session_id),
          sessions.map((u) => u.values?.country ?? null),
          sessions.map((u) => u.values?.companyDomain ?? null),
        ],
      );
    }
    for (const update of updates) result[update.status] += 1;
    return result;
  });
}
