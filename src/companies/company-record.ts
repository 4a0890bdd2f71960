import { Type, type Static, type TSchema } from 'typebox';
import type { LeadStatus, ScoreLine } from './score.ts';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const LeadStatusSchema = Type.Union([Type.Literal('hot'), Type.Literal('warm'), Type.Literal('cold')]);

/** A company as lists and exports show it. */
export const CompanySummary = Type.Object({
  id: Type.String({ examples: ['cmp_01hv4x2m3k9q8r7s6t5v4w3x2y'] }),
  domain: Type.String({ examples: ['acme.example'] }),
  name: Nullable(Type.String()),
  industry: Nullable(Type.String()),
  employeeRange: Nullable(Type.String()),
  country: Nullable(Type.String({ description: 'ISO 3166-1 alpha-2' })),
  city: Nullable(Type.String()),
  firstSeenAt: Type.String({ format: 'date-time' }),
  lastSeenAt: Type.String({ format: 'date-time' }),
  visits: Type.Integer({ description: 'Sessions attributed to the company, all time' }),
  pageviews: Type.Integer(),
  timeOnSiteSeconds: Type.Integer(),
  visitors: Type.Integer({ description: 'Distinct visitors in the scoring window' }),
  activeDays: Type.Integer({ description: 'Days with a visit in the scoring window' }),
  score: Type.Integer({ minimum: 0, maximum: 100 }),
  leadStatus: LeadStatusSchema,
  scoredAt: Nullable(Type.String({ format: 'date-time' })),
  hidden: Type.Boolean(),
});
export type CompanySummary = Static<typeof CompanySummary>;

export interface CompanyRow {
  id: string;
  site_id: string;
  domain: string;
  name: string | null;
  industry: string | null;
  employee_range: string | null;
  country: string | null;
  city: string | null;
  first_seen_at: Date;
  last_seen_at: Date;
  visits: number;
  pageviews: number;
  time_on_site_s: number;
  visitors: number;
  active_days: number;
  score: number;
  lead_status: LeadStatus;
  score_breakdown: ScoreLine[];
  scored_at: Date | null;
  hidden: boolean;
}

/** Qualified with `c.`: every query reads companies as `c`. */
export const COMPANY_COLUMNS = `c.id, c.site_id, c.domain, c.name, c.industry, c.employee_range, c.country,
  c.city, c.first_seen_at, c.last_seen_at, c.visits, c.pageviews, c.time_on_site_s, c.visitors,
  c.active_days, c.score, c.lead_status, c.score_breakdown, c.scored_at, c.hidden`;

export function toCompanySummary(row: CompanyRow): CompanySummary {
  return {
    id: row.id,
    domain: row.domain,
    name: row.name,
    industry: row.industry,
    employeeRange: row.employee_range,
    country: row.country,
    city: row.city,
    firstSeenAt: row.first_seen_at.toISOString(),
    lastSeenAt: row.last_seen_at.toISOString(),
    visits: row.visits,
    pageviews: row.pageviews,
    timeOnSiteSeconds: row.time_on_site_s,
    visitors: row.visitors,
    activeDays: row.active_days,
    score: row.score,
    leadStatus: row.lead_status,
    scoredAt: row.scored_at?.toISOString() ?? null,
    hidden: row.hidden,
  };
}
