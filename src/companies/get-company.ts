import { Type, type Static } from 'typebox';
import type { Queryable } from '../db/pool.ts';
import { AppError } from '../errors.ts';
import type { Actor } from '../tenancy/auth/access-tokens.ts';
import { getSite } from '../tenancy/sites/get-site.ts';
import { HistorySession, listCompanyHistory } from './company-history.ts';
import {
  COMPANY_COLUMNS,
  CompanySummary,
  LeadStatusSchema,
  toCompanySummary,
  type CompanyRow,
} from './company-record.ts';

const STATUS_CHANGES_SHOWN = 50;

export const ScoreLineSchema = Type.Object({
  factor: Type.Union([
    Type.Literal('recency'),
    Type.Literal('frequency'),
    Type.Literal('depth'),
    Type.Literal('intent'),
    Type.Literal('conversions'),
  ]),
  points: Type.Integer(),
  max: Type.Integer(),
  why: Type.String(),
});

export const CompanyDetail = Type.Intersect([
  CompanySummary,
  Type.Object({
    scoreBreakdown: Type.Array(ScoreLineSchema, {
      description: 'Why the score is what it is, as of scoredAt; the points add up to the score',
    }),
    statusChanges: Type.Array(
      Type.Object({
        from: Type.Union([LeadStatusSchema, Type.Null()], { description: 'null: first classification' }),
        to: LeadStatusSchema,
        score: Type.Integer(),
        changedAt: Type.String({ format: 'date-time' }),
      }),
      { description: `Newest first, the latest ${STATUS_CHANGES_SHOWN}` },
    ),
    history: Type.Array(HistorySession, { description: 'Newest session first, the latest 50' }),
  }),
]);
export type CompanyDetail = Static<typeof CompanyDetail>;

/** A company of the site, or undefined; the site id is part of the key, so ids of other sites miss. */
export async function findCompany(
  db: Queryable,
  siteId: string,
  companyId: string,
): Promise<CompanyRow | undefined> {
  const { rows } = await db.query<CompanyRow>(
    `SELECT ${COMPANY_COLUMNS} FROM companies c WHERE c.site_id = $1 AND c.id = $2`,
    [siteId, companyId],
  );
  return rows[0];
}

/** One company with its score breakdown, lead-status history and visit history. */
export async function getCompany({
  db,
  actor,
  siteId,
  companyId,
}: {
  db: Queryable;
  actor: Actor;
  siteId: string;
  companyId: string;
}): Promise<CompanyDetail> {
  await getSite({ db, actor, siteId });
  const company = await findCompany(db, siteId, companyId);
  if (company === undefined) throw new AppError('not_found', 'Company not found', { field: 'companyId' });
  const [changes, history] = await Promise.all([
    db.query<{
      from_status: CompanyRow['lead_status'] | null;
      to_status: CompanyRow['lead_status'];
      score: number;
      changed_at: Date;
    }>(
      `SELECT from_status, to_status, score, changed_at FROM company_status_changes
       WHERE site_id = $1 AND company_id = $2
       ORDER BY changed_at DESC, id DESC LIMIT $3`,
      [siteId, companyId, STATUS_CHANGES_SHOWN],
    ),
    listCompanyHistory({ db, siteId, domain: company.domain }),
  ]);
  return {
    ...toCompanySummary(company),
    scoreBreakdown: company.score_breakdown,
    statusChanges: changes.rows.map((row) => ({
      from: row.from_status,
      to: row.to_status,
      score: row.score,
      changedAt: row.changed_at.toISOString(),
    })),
    history,
  };
}
