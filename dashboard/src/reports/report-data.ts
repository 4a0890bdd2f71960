/** What `GET /api/sites/:siteId/report` answers (src/reports/client-report.ts). */

import type { Metrics } from '../api.ts';

export interface ReportMetrics extends Metrics {
  revenue: Record<string, number>;
}

export interface TopRow {
  value: string;
  visitors: number;
  pageviews: number;
}

export interface HotLead {
  id: string;
  name: string;
  domain: string;
  score: number;
  leadStatus: string;
  becameHotAt: string;
}

export interface ClientReport {
  site: { id: string; name: string; domain: string; timezone: string };
  agency: { name: string; logoUrl: string | null };
  from: string;
  to: string;
  overview: ReportMetrics & { previous: ReportMetrics };
  topPages: TopRow[];
  topSources: TopRow[];
  conversions: Array<{ goal: string; conversions: number; revenue: Record<string, number> }>;
  newHotLeads: HotLead[];
  newHotLeadCount: number;
}

export interface ReportSettings {
  frequency: 'off' | 'weekly' | 'monthly';
  weekday: number;
  recipients: string[];
}

export interface Branding {
  agencyName: string;
  displayName: string | null;
  logoUrl: string | null;
}
