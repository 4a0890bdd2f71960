import { assertRawEventsKept } from '../raw-events-kept.ts';
import { Type, type Static } from 'typebox';
import type { Pool } from '../../db/pool.ts';
import { cachedReport, type ReportContext, type ReportDeps } from '../report-context.ts';
import { countFunnel, type FunnelCounts } from './count-funnel.ts';
import { stepLabel, type FunnelDefinition, type FunnelStep } from './funnel-definition.ts';

export const FunnelStepResult = Type.Object({
  label: Type.String({ description: 'The step’s label, else its page pattern or event name' }),
  page: Type.Optional(Type.String({ description: 'The step’s page pattern, when it is a page step' })),
  event: Type.Optional(Type.String({ description: 'The step’s event name, when it is an event step' })),
  visitors: Type.Integer({
    description:
      'Visitors who took this step and every one before it, in order, within the window of their first step',
  }),
  conversionRate: Type.Number({
    description: 'Percent of the first step’s visitors who got this far, one decimal (100 at step 1)',
  }),
  dropOff: Type.Integer({
    description: 'Visitors of the previous step who did not get this far (0 at step 1)',
  }),
  dropOffRate: Type.Number({
    description: 'dropOff as a percent of the previous step’s visitors, one decimal (0 at step 1)',
  }),
  medianSecondsFromFirstStep: Type.Union([Type.Integer(), Type.Null()], {
    description:
      'Seconds from the first step to this one: for each visitor who reached it, their quickest way through the steps so far; the median of those (null at step 1 or when nobody got this far)',
  }),
});
export type FunnelStepResult = Static<typeof FunnelStepResult>;

export const FunnelReport = Type.Object(
  {
    steps: Type.Array(FunnelStepResult),
    window: Type.Integer({ description: 'The window applied, in minutes' }),
    previous: Type.Optional(
      Type.Object(
        { steps: Type.Array(FunnelStepResult) },
        { description: 'With compare=previous: the same funnel over the period just before' },
      ),
    ),
  },
  {
    examples: [
      {
        steps: [
          {
            label: 'Pricing',
            page: '/pricing',
            visitors: 1200,
            conversionRate: 100,
            dropOff: 0,
            dropOffRate: 0,
            medianSecondsFromFirstStep: null,
          },
          {
            label: 'Signup form',
            page: '/signup*',
            visitors: 300,
            conversionRate: 25,
            dropOff: 900,
            dropOffRate: 75,
            medianSecondsFromFirstStep: 95,
          },
          {
            label: 'signup',
            event: 'signup',
            visitors: 84,
            conversionRate: 7,
            dropOff: 216,
            dropOffRate: 72,
            medianSecondsFromFirstStep: 240,
          },
        ],
        window: 1440,
      },
    ],
  },
);
export type FunnelReport = Static<typeof FunnelReport>;

const percent = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((part / whole) * 1000) / 10);

/** The steps of a funnel as a chart shows them, from the visitors who reached each. */
export function funnelSteps(steps: readonly FunnelStep[], counts: FunnelCounts): FunnelStepResult[] {
  const entered = counts.visitors[0] ?? 0;
  return steps.map((step, index) => {
    const visitors = counts.visitors[index] ?? 0;
    const before = index === 0 ? visitors : (counts.visitors[index - 1] ?? 0);
    return {
      label: stepLabel(step),
      ...(step.page === undefined ? {} : { page: step.page }),
      ...(step.event === undefined ? {} : { event: step.event }),
      visitors,
      conversionRate: percent(visitors, entered),
      dropOff: before - visitors,
      dropOffRate: percent(before - visitors, before),
      medianSecondsFromFirstStep: index === 0 ? null : (counts.medianSeconds[index] ?? null),
    };
  });
}

/** As other reports, with the analytics database a pool: a funnel is counted in a transaction of its own. */
export type FunnelReportDeps = Omit<ReportDeps, 'analyticsDb'> & { analyticsDb: Pool };

/**
 * A funnel over a report's window and filters, and over the previous period with compare=previous;
 * from the report cache when the same funnel was counted within its lifetime. Saved and ad-hoc
 * funnels with the same steps share their cache entries.
 */
export async function funnelReport(
  deps: FunnelReportDeps,
  context: ReportContext,
  funnel: FunnelDefinition,
): Promise<{ report: FunnelReport; cached: boolean }> {
  const request = {
    // Stored steps come back from jsonb with their keys reordered: the key must not depend on that.
    steps: funnel.steps.map(({ page, event, label }) => [page, event, label]),
    windowMinutes: funnel.windowMinutes,
    window: context.window,
    filters: context.filters,
    compare: context.compare,
  };
  return cachedReport(deps.cache, context, 'funnel', request, async () => {
    const scope = { siteId: context.siteId, ...context.window, filters: context.filters };
    assertRawEventsKept({ from: context.window.from, rawEventsFrom: context.rawEventsFrom });
    if (context.compare) {
      assertRawEventsKept({ from: context.window.previous.from, rawEventsFrom: context.rawEventsFrom });
    }
    const steps = funnelSteps(funnel.steps, await countFunnel(deps.analyticsDb, scope, funnel));
    const report: FunnelReport = { steps, window: funnel.windowMinutes };
    if (!context.compare) return report;
    const previous = await countFunnel(deps.analyticsDb, { ...scope, ...context.window.previous }, funnel);
    return { ...report, previous: { steps: funnelSteps(funnel.steps, previous) } };
  });
}
