import { Type, type Static } from 'typebox';
import { AppError } from '../../errors.ts';
import { goalCondition } from '../conversions.ts';
import type { SqlParams } from '../sql-params.ts';

/**
 * What a funnel is: 2 to 8 ordered steps, each a page pattern or a custom event name (matched as
 * goals match them), and how long a visitor has, from their first step, to go through the others.
 */
export const MIN_FUNNEL_STEPS = 2;
export const MAX_FUNNEL_STEPS = 8;
/** A day: a visit and its return the next morning count; the same visitor a week later does not. */
export const DEFAULT_FUNNEL_WINDOW_MINUTES = 24 * 60;
/** 90 days: longer B2B journeys fit, and the query stays bounded (reports span two years at most). */
export const MAX_FUNNEL_WINDOW_MINUTES = 90 * 24 * 60;

export const FunnelStep = Type.Object(
  {
    page: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 500,
        pattern: '^/',
        description:
          'A page view of a matching path; `*` matches any run of characters (`/blog/*`), as in goals',
      }),
    ),
    event: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'A custom event of this name' }),
    ),
    label: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 120,
        description: 'What a chart calls the step; defaults to the page pattern or event name',
      }),
    ),
  },
  { additionalProperties: false, description: 'Exactly one of `page` and `event`, optionally a `label`' },
);
export type FunnelStep = Static<typeof FunnelStep>;

export const FunnelSteps = Type.Array(FunnelStep, {
  minItems: MIN_FUNNEL_STEPS,
  maxItems: MAX_FUNNEL_STEPS,
  description: `${MIN_FUNNEL_STEPS} to ${MAX_FUNNEL_STEPS} steps, in the order visitors must take them`,
});

export const FunnelWindow = Type.Integer({
  minimum: 1,
  maximum: MAX_FUNNEL_WINDOW_MINUTES,
  description: `Minutes from a visitor’s first step within which every later step must happen (default ${DEFAULT_FUNNEL_WINDOW_MINUTES}, a day; at most ${MAX_FUNNEL_WINDOW_MINUTES}, 90 days)`,
});

/** A funnel as it is counted: its steps, checked, and its window in minutes. */
export interface FunnelDefinition {
  steps: FunnelStep[];
  windowMinutes: number;
}

/**
 * Checks what the schema cannot say: every step is exactly one of a page and an event. A problem
 * is a 400 naming the step's field, `steps.2.page`.
 */
export function checkFunnelSteps(steps: readonly FunnelStep[], field = 'steps'): void {
  steps.forEach((step, index) => {
    if (step.page !== undefined && step.event !== undefined) {
      throw new AppError('validation_failed', `${field}.${index} must have page or event, not both`, {
        field: `${field}.${index}.event`,
      });
    }
    if (step.page === undefined && step.event === undefined) {
      throw new AppError('validation_failed', `${field}.${index} needs a page pattern or an event name`, {
        field: `${field}.${index}.page`,
      });
    }
  });
}

/** The funnel a request asks for: its steps checked, its window defaulted. */
export function funnelDefinition(input: { steps: FunnelStep[]; window?: number }): FunnelDefinition {
  checkFunnelSteps(input.steps);
  return { steps: input.steps, windowMinutes: input.window ?? DEFAULT_FUNNEL_WINDOW_MINUTES };
}

export function stepLabel(step: FunnelStep): string {
  return step.label ?? step.page ?? step.event ?? '';
}

/** SQL over `e`: whether an event takes this step, matched exactly as a goal of the same kind. */
export function stepCondition(step: FunnelStep, params: SqlParams): string {
  return goalCondition({ eventName: step.event ?? null, pagePattern: step.page ?? null }, params);
}
