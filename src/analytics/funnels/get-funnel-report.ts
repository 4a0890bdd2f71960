import type { Actor } from '../../tenancy/auth/access-tokens.ts';
import { reportContext } from '../report-context.ts';
import type { ReportRange } from '../report-window.ts';
import { definitionOf, findFunnelRow } from './funnel-record.ts';
import { funnelReport, type FunnelReport, type FunnelReportDeps } from './funnel-report.ts';

/** `GET …/funnels/:funnelId/report`: a saved funnel counted over a range, as `POST …/funnels/query` answers. */
export async function getFunnelReport(
  deps: FunnelReportDeps,
  actor: Actor,
  siteId: string,
  funnelId: string,
  query: ReportRange,
): Promise<{ report: FunnelReport; cached: boolean }> {
  const context = await reportContext(deps, actor, siteId, query);
  const row = await findFunnelRow(deps.db, siteId, funnelId);
  return funnelReport(deps, context, definitionOf(row));
}
