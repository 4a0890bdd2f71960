import { Type, type Static } from 'typebox';
import { breakdownGrouping, breakdownOrder, breakdownRows } from '../analytics/breakdown.ts';
import { goalDefinitions } from '../analytics/goals/goals.ts';
import { OverviewMetrics, overviewMetrics, Revenue } from '../analytics/overview.ts';
import type { ReportScope } from '../analytics/report-metrics.ts';
import { reportWindow } from '../analytics/report-window.ts';
import type { Queryable } from '../db/pool.ts';
import type { Actor } from '../tenancy/auth/access-tokens.ts';
import { getSite } from '../tenancy/sites/get-site.ts';
import { Branding, getBranding } from './agency-branding.ts';

/** Rows per list: a report for a client is a summary, the dashboard has the rest. */
export const REPORT_TOP_ROWS = 10;
export const REPORT_HOT_LEADS = 20;

const DATE_PATTERN = '^\\d{4}-\\d{2}-\\d{2}$';

export const ClientReportQuery = Type.Object(
  {
    from: Type.String({
      pattern: DATE_PATTERN,
      description: 'First day, in the site’s time zone',
      examples: ['2026-11-23'],
    }),
    to: Type.String({ pattern: DATE_PATTERN, description: 'Last day, included', examples: ['2026-11-29'] }),
  },
  { additionalProperties: false },
);
export type ClientReportQuery = Static<typeof ClientReportQuery>;

const TopRow = Type.Object({
  value: Type.String({ description: '`(none)` for visits without one (for sources: direct visits)' }),
  visitors: Type.Integer(),
  pageviews: Type.Integer(),
});

const GoalRow = Type.Object({ goal: Type.String(), conversions: Type.Integer(), revenue: Revenue });

const HotLead = Type.Object({
  id: Type.String(),
  name: Type.String({ description: 'The company’s name, or its domain when it has none' }),
  domain: Type.String(),
  score: Type.Integer({ description: 'Its engagement score now' }),
  leadStatus: Type.String({ description: 'Its lead status now' }),
  becameHotAt: Type.String({ format: 'date-time', description: 'When it first turned hot in the period' }),
});

export const ClientReport = Type.Object({
  site: Type.Object({
    id: Type.String(),
    name: Type.String(),
    domain: Type.String(),
    timezone: Type.String(),
  }),
  agency: Type.Object({ name: Type.String(), logoUrl: Branding.properties.logoUrl }),
  from: Type.String(),
  to: Type.String(),
  overview: Type.Object({ ...OverviewMetrics.properties, previous: OverviewMetrics }),
  topPages: Type.Array(TopRow),
  topSources: Type.Array(TopRow, { description: 'By referring host' }),
  conversions: Type.Array(GoalRow, { description: 'Goals completed in the period, most first' }),
  newHotLeads: Type.Array(HotLead, {
    description: `Companies that turned hot in the period (${REPORT_HOT_LEADS} at most)`,
  }),
  newHotLeadCount: Type.Integer(),
});
export type ClientReport = Static<typeof ClientReport>;

interface ReportSite {
  id: string;
  name: string;
  domain: string;
  timezone: string;
  agencyId: string;
}

/**
 * The summary a client gets: the headline numbers against the period before, the top pages and
 * sources, goal conversions (all from the analytics reports, so they match the dashboard), and the
 * companies that turned hot in the period (from the lead-status history; hidden companies left out).
 * `db` answers the branding and the hot leads, `analyticsDb` the reports.
 */
export async function buildClientReport(
  deps: { db: Queryable; analyticsDb: Queryable },
  site: ReportSite,
  period: ClientReportQuery,
): Promise<ClientReport> {
  const window = reportWindow(period, site.timezone);
  const scope: ReportScope = {
    siteId: site.id,
    from: window.from,
    to: window.to,
    timezone: window.timezone,
    filters: [],
    goals: await goalDefinitions(deps.db, site.id),
  };
  const top = async (dimension: string) =>
    (
      await breakdownRows(deps.analyticsDb, scope, {
        grouping: breakdownGrouping(dimension),
        order: breakdownOrder('visitors:desc'),
        limit: REPORT_TOP_ROWS,
        offset: 0,
      })
    ).rows.map(({ value, visitors, pageviews }) => ({ value, visitors, pageviews }));
  const [current, previous, topPages, topSources, goals, branding, hotLeads] = await Promise.all([
    overviewMetrics(deps.analyticsDb, scope),
    overviewMetrics(deps.analyticsDb, { ...scope, ...window.previous }),
    top('page'),
    top('referrer_host'),
    scope.goals.length === 0
      ? Promise.resolve([])
      : breakdownRows(deps.analyticsDb, scope, {
          grouping: breakdownGrouping('goal'),
          order: breakdownOrder('conversions:desc'),
          limit: 100,
          offset: 0,
        }).then(({ rows }) => rows),
    getBranding(deps.db, site.agencyId),
    newHotLeads(deps.db, site.id, window),
  ]);
  return {
    site: { id: site.id, name: site.name, domain: site.domain, timezone: site.timezone },
    agency: { name: branding.displayName ?? branding.agencyName, logoUrl: branding.logoUrl },
    from: period.from,
    to: period.to,
    overview: { ...current, previous },
    topPages,
    topSources,
    conversions: goals
      .filter((row) => row.conversions > 0)
      .map((row) => ({ goal: row.value, conversions: row.conversions, revenue: row.revenue })),
    newHotLeads: hotLeads.rows,
    newHotLeadCount: hotLeads.count,
  };
}

/** Companies whose status turned hot within the window, by when they first did. */
async function newHotLeads(
  db: Queryable,
  siteId: string,
  window: { from: Date; to: Date },
): Promise<{ rows: ClientReport['newHotLeads']; count: number }> {
  const { rows } = await db.query<{
    id: string;
    name: string | null;
    domain: string;
    score: number;
    lead_status: string;
    became_hot_at: Date;
    count: string;
  }>(
    `SELECT c.id, c.name, c.domain, c.score, c.lead_status, h.became_hot_at, count(*) OVER () AS count
     FROM (SELECT company_id, min(changed_at) AS became_hot_at FROM company_status_changes
           WHERE site_id = $1 AND to_status = 'hot' AND changed_at >= $2 AND changed_at < $3
           GROUP BY company_id) h
     JOIN companies c ON c.site_id = $1 AND c.id = h.company_id
     WHERE NOT c.hidden
     ORDER BY h.became_hot_at, c.id
     LIMIT $4`,
    [siteId, window.from, window.to, REPORT_HOT_LEADS],
  );
  return {
    rows: rows.map((row) => ({
      id: row.id,
      name: row.name ?? row.domain,
      domain: row.domain,
      score: row.score,
      leadStatus: row.lead_status,
      becameHotAt: row.became_hot_at.toISOString(),
    })),
    count: rows[0] === undefined ? 0 : Number(rows[0].count),
  };
}

/** `GET /api/sites/:siteId/report`: whoever may read the site (client viewers too) may read its report. */
export async function getClientReport({
  db,
  analyticsDb,
  actor,
  siteId,
  query,
}: {
  db: Queryable;
  analyticsDb: Queryable;
  actor: Actor;
  siteId: string;
  query: ClientReportQuery;
}): Promise<ClientReport> {
  const site = await getSite({ db, actor, siteId, access: 'read' });
  // getSite found it among the actor's agency's sites.
  return buildClientReport({ db, analyticsDb }, { ...site, agencyId: actor.agencyId }, query);
}
