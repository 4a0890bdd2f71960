import type { LeadStatus } from './leads-state.ts';
import type { VisitSource } from './lead-format.ts';

/** The companies API's answers (src/companies: company-record.ts, get-company.ts, company-history.ts). */

export interface CompanySummary {
  id: string;
  domain: string;
  name: string | null;
  industry: string | null;
  employeeRange: string | null;
  country: string | null;
  city: string | null;
  firstSeenAt: string;
  lastSeenAt: string;
  visits: number;
  pageviews: number;
  timeOnSiteSeconds: number;
  visitors: number;
  activeDays: number;
  score: number;
  leadStatus: LeadStatus;
  scoredAt: string | null;
  hidden: boolean;
}

export interface CompanyPage {
  companies: CompanySummary[];
  nextCursor: string | null;
}

export interface ScoreLine {
  factor: 'recency' | 'frequency' | 'depth' | 'intent' | 'conversions';
  points: number;
  max: number;
  why: string;
}

export interface StatusChange {
  from: LeadStatus | null;
  to: LeadStatus;
  score: number;
  changedAt: string;
}

export interface VisitPage {
  path: string | null;
  title: string | null;
  at: string;
}

export interface Visit {
  id: string;
  startedAt: string;
  lastSeenAt: string;
  durationSeconds: number;
  pageviews: number;
  events: number;
  entryPath: string | null;
  exitPath: string | null;
  source: VisitSource;
  country: string | null;
  deviceType: string | null;
  browserName: string | null;
  pages: VisitPage[];
}

export interface CompanyDetail extends CompanySummary {
  scoreBreakdown: ScoreLine[];
  statusChanges: StatusChange[];
}

export interface CompanyVisitPage {
  visits: Visit[];
  nextCursor: string | null;
}

export function companiesPath(siteId: string): string {
  return `/api/sites/${encodeURIComponent(siteId)}/companies`;
}

export function companyApiPath(siteId: string, companyId: string): string {
  return `${companiesPath(siteId)}/${encodeURIComponent(companyId)}`;
}

/** What a list shows for a company: its name, else its domain. */
export function companyLabel(company: Pick<CompanySummary, 'name' | 'domain'>): string {
  return company.name !== null && company.name.trim() !== '' ? company.name : company.domain;
}
