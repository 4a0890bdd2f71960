import type { Queryable } from '../db/pool.ts';
import type { Actor } from '../tenancy/auth/access-tokens.ts';
import { getSite } from '../tenancy/sites/get-site.ts';
import { COMPANY_COLUMNS, toCompanySummary, type CompanyRow, type CompanySummary } from './company-record.ts';
import { toCsv } from '../lib/csv.ts';
import { companyConditions, companyOrder, type CompanyFilters } from './list-companies.ts';

/** Rows in one export at most; the response says when there were more. */
export const EXPORT_LIMIT = 50_000;

const COLUMNS: ReadonlyArray<{
  header: string;
  value: (company: CompanySummary) => string | number | boolean | null;
}> = [
  { header: 'domain', value: (c) => c.domain },
  { header: 'name', value: (c) => c.name },
  { header: 'score', value: (c) => c.score },
  { header: 'lead_status', value: (c) => c.leadStatus },
  { header: 'country', value: (c) => c.country },
  { header: 'city', value: (c) => c.city },
  { header: 'industry', value: (c) => c.industry },
  { header: 'employee_range', value: (c) => c.employeeRange },
  { header: 'visits', value: (c) => c.visits },
  { header: 'pageviews', value: (c) => c.pageviews },
  { header: 'time_on_site_s', value: (c) => c.timeOnSiteSeconds },
  { header: 'first_seen_at', value: (c) => c.firstSeenAt },
  { header: 'last_seen_at', value: (c) => c.lastSeenAt },
  { header: 'hidden', value: (c) => c.hidden },
  { header: 'id', value: (c) => c.id },
];

/** The site's companies as CSV (RFC 4180, formula-safe), with the list's filters and sort. */
export async function exportCompaniesCsv({
  db,
  actor,
  siteId,
  input,
}: {
  db: Queryable;
  actor: Actor;
  siteId: string;
  input: CompanyFilters;
}): Promise<{ csv: string; rows: number; truncated: boolean }> {
  await getSite({ db, actor, siteId });
  const params: unknown[] = [];
  const conditions = companyConditions(siteId, input, params);
  params.push(EXPORT_LIMIT + 1);
  const { rows } = await db.query<CompanyRow>(
    `SELECT ${COMPANY_COLUMNS} FROM companies c
     WHERE ${conditions.join(' AND ')}
     ORDER BY ${companyOrder(input.sort, input.order)}
     LIMIT $${params.length}`,
    params,
  );
  const companies = rows.slice(0, EXPORT_LIMIT).map(toCompanySummary);
  return { csv: toCsv(COLUMNS, companies), rows: companies.length, truncated: rows.length > EXPORT_LIMIT };
}
