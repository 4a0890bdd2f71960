import { Type, type Static } from 'typebox';
import type { Actor } from '../../tenancy/auth/access-tokens.ts';
import { reportContext } from '../report-context.ts';
import { ReportRangeQuery } from '../report-window.ts';
import { funnelDefinition, FunnelSteps, FunnelWindow } from './funnel-definition.ts';
import { funnelReport, type FunnelReport, type FunnelReportDeps } from './funnel-report.ts';

export const FunnelQueryBody = Type.Object(
  {
    steps: FunnelSteps,
    window: Type.Optional(FunnelWindow),
    from: ReportRangeQuery.from,
    to: ReportRangeQuery.to,
    compare: ReportRangeQuery.compare,
    filters: Type.Optional(
      Type.Array(Type.Unknown(), {
        description:
          'As the other reports’ `filters`, as a JSON array here: [operator, dimension, [values]]; a funnel counts only the events they keep',
      }),
    ),
  },
  {
    additionalProperties: false,
    examples: [
      {
        steps: [
          { page: '/pricing', label: 'Pricing' },
          { page: '/signup*', label: 'Signup form' },
          { event: 'signup' },
        ],
        window: 1440,
        from: '2026-11-01',
        to: '2026-11-30',
        filters: [['is', 'country', ['DE', 'AT']]],
      },
    ],
  },
);
export type FunnelQueryBody = Static<typeof FunnelQueryBody>;

/** `POST …/funnels/query`: how far visitors got through the steps given, over a range (a read). */
export async function queryFunnel(
  deps: FunnelReportDeps,
  actor: Actor,
  siteId: string,
  body: FunnelQueryBody,
): Promise<{ report: FunnelReport; cached: boolean }> {
  const context = await reportContext(deps, actor, siteId, {
    from: body.from,
    to: body.to,
    ...(body.compare === undefined ? {} : { compare: body.compare }),
    ...(body.filters === undefined ? {} : { filters: JSON.stringify(body.filters) }),
  });
  return funnelReport(deps, context, funnelDefinition(body));
}
