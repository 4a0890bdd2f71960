import type { Queryable } from '../db/pool.ts';
import { newId } from '../lib/ids.ts';
import type { CompanyCredit } from './company-credits.ts';

/**
 * Adds credits to their companies, creating the ones not seen before (unique per site and domain),
 * in one statement. Runs inside the transaction that makes the events durable (the group-commit
 * writer) or completes them (the enrichment backfill), so counters and events commit together.
 * `touch_seq` tells the scorer the company changed. Rows are upserted in key order (site, domain),
 * whatever order the credits come in, so concurrent transactions (the writer's lanes, other
 * instances, the backfill) lock company rows in the same order and cannot deadlock on them.
 */
export async function upsertCompanies(db: Queryable, credits: readonly CompanyCredit[]): Promise<void> {
  if (credits.length === 0) return;
  const column = <T>(pick: (credit: CompanyCredit) => T) => credits.map(pick);
  await db.query(
    `INSERT INTO companies (id, site_id, domain, name, country, city, first_seen_at, last_seen_at,
                           visits, sessions, pageviews, time_on_site_s)
     SELECT u.id, u.site_id, u.domain, u.name, u.country, u.city, u.first_seen_at, u.last_seen_at,
            u.sessions, u.sessions, u.pageviews, u.seconds
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                 $7::timestamptz[], $8::timestamptz[], $9::integer[], $10::integer[], $11::integer[])
            AS u(id, site_id, domain, name, country, city, first_seen_at, last_seen_at,
                 sessions, pageviews, seconds)
     ORDER BY u.site_id, u.domain
     ON CONFLICT (site_id, domain) DO UPDATE SET
       name = COALESCE(companies.name, EXCLUDED.name),
       country = COALESCE(EXCLUDED.country, companies.country),
       city = CASE WHEN EXCLUDED.country IS NULL THEN companies.city ELSE EXCLUDED.city END,
       first_seen_at = LEAST(companies.first_seen_at, EXCLUDED.first_seen_at),
       last_seen_at = GREATEST(companies.last_seen_at, EXCLUDED.last_seen_at),
       visits = companies.visits + EXCLUDED.visits,
       sessions = companies.sessions + EXCLUDED.sessions,
       pageviews = companies.pageviews + EXCLUDED.pageviews,
       time_on_site_s = companies.time_on_site_s + EXCLUDED.time_on_site_s,
       touch_seq = companies.touch_seq + 1,
       updated_at = now()`,
    [
      column(() => newId('cmp')),
      column((credit) => credit.site_id),
      column((credit) => credit.domain),
      column((credit) => credit.name),
      column((credit) => credit.country),
      column((credit) => credit.city),
      column((credit) => credit.first_seen_at),
      column((credit) => credit.last_seen_at),
      column((credit) => credit.sessions),
      column((credit) => Math.min(credit.pageviews, 2_000_000_000)),
      column((credit) => Math.min(Math.round(credit.seconds), 2_000_000_000)),
    ],
  );
}
