import { withTransaction, type Pool } from '../db/pool.ts';
import { AppError } from '../errors.ts';
import type { Actor } from '../tenancy/auth/access-tokens.ts';
import { recordAudit } from '../tenancy/audit/record-audit.ts';
import { getSite } from '../tenancy/sites/get-site.ts';
import { COMPANY_COLUMNS, toCompanySummary, type CompanyRow, type CompanySummary } from './company-record.ts';

/**
 * Hides a company from lists, exports and notifications (the client's own company, a partner), or
 * shows it again. It keeps being counted and scored, so unhiding shows it as current. Owners, admins
 * and members may; viewers only read (403).
 */
export async function setCompanyHidden({
  db,
  actor,
  siteId,
  companyId,
  hidden,
  ip,
}: {
  db: Pool;
  actor: Actor;
  siteId: string;
  companyId: string;
  hidden: boolean;
  ip: string | undefined;
}): Promise<CompanySummary> {
  await getSite({ db, actor, siteId, access: 'write' });
  return withTransaction(db, async (client) => {
    const { rows } = await client.query<CompanyRow>(
      `UPDATE companies c SET hidden = $3,
         hidden_at = CASE WHEN $3 THEN COALESCE(c.hidden_at, now()) ELSE NULL END
       WHERE c.site_id = $1 AND c.id = $2
       RETURNING ${COMPANY_COLUMNS}`,
      [siteId, companyId, hidden],
    );
    const company = rows[0];
    if (company === undefined) throw new AppError('not_found', 'Company not found', { field: 'companyId' });
    await recordAudit(client, {
      actor,
      action: hidden ? 'company.hide' : 'company.unhide',
      targetType: 'company',
      targetId: company.id,
      ip,
      details: { siteId, domain: company.domain },
    });
    return toCompanySummary(company);
  });
}
