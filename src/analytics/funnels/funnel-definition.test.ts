import { describe, expect, it } from 'vitest';
import { AppError } from '../../errors.ts';
import { SqlParams } from '../sql-params.ts';
import {
  checkFunnelSteps,
  DEFAULT_FUNNEL_WINDOW_MINUTES,
  funnelDefinition,
  stepCondition,
  stepLabel,
  type FunnelStep,
} from './funnel-definition.ts';

function fieldOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError && error.code === 'validation_failed') return error.field;
    throw error;
  }
  return undefined;
}

describe('checkFunnelSteps', () => {
  it.each<[string, FunnelStep[], string | undefined]>([
    ['pages and events', [{ page: '/pricing' }, { event: 'signup' }], undefined],
    [
      'labels beside either',
      [
        { page: '/a', label: 'A' },
        { event: 'b', label: 'B' },
      ],
      undefined,
    ],
    ['a step with both', [{ page: '/a' }, { page: '/b', event: 'b' }], 'steps.1.event'],
    ['a step with neither', [{ page: '/a' }, { event: 'b' }, { label: 'C' }], 'steps.2.page'],
    ['an empty step first', [{}, { event: 'b' }], 'steps.0.page'],
  ])('%s', (_name, steps, field) => {
    expect(fieldOf(() => checkFunnelSteps(steps))).toBe(field);
  });

  it('names the field under the prefix it is given', () => {
    expect(fieldOf(() => checkFunnelSteps([{ page: '/a' }, {}], 'funnel.steps'))).toBe('funnel.steps.1.page');
  });
});

describe('funnelDefinition', () => {
  it.each<[string, number | undefined, number]>([
    ['the default window', undefined, DEFAULT_FUNNEL_WINDOW_MINUTES],
    ['the window given', 30, 30],
  ])('takes %s', (_name, window, minutes) => {
    const steps = [{ page: '/a' }, { event: 'b' }];
    expect(funnelDefinition({ steps, ...(window === undefined ? {} : { window }) })).toEqual({
      steps,
      windowMinutes: minutes,
    });
  });

  it('refuses steps that are neither a page nor an event', () => {
    expect(fieldOf(() => funnelDefinition({ steps: [{ page: '/a' }, { label: 'b' }] }))).toBe('steps.1.page');
  });
});

describe('stepLabel', () => {
  it.each<[FunnelStep, string]>([
    [{ page: '/blog/*' }, '/blog/*'],
    [{ event: 'signup' }, 'signup'],
    [{ page: '/blog/*', label: 'Blog' }, 'Blog'],
  ])('%j → %s', (step, label) => {
    expect(stepLabel(step)).toBe(label);
  });
});

describe('stepCondition', () => {
  it.each<[FunnelStep, string, unknown]>([
    [{ page: '/blog/*' }, `(e.type = 'pageview' AND e.path LIKE $1)`, '/blog/%'],
    [{ page: '/100%_off' }, `(e.type = 'pageview' AND e.path LIKE $1)`, '/100\\%\\_off'],
    [{ event: 'sign%up' }, `(e.type = 'event' AND e.name = $1)`, 'sign%up'],
  ])('%j matches as a goal of its kind, its value a parameter', (step, sql, value) => {
    const params = new SqlParams();
    expect(stepCondition(step, params)).toBe(sql);
    expect(params.values).toEqual([value]);
  });
});

describe('robustness', () => {
  it('accepts no steps at all (the schema asks for two) and a huge list without slowing', () => {
    expect(() => checkFunnelSteps([])).not.toThrow();
    const many = Array.from({ length: 100_000 }, (_, index) => ({ page: `/p${index}` }));
    expect(() => checkFunnelSteps(many)).not.toThrow();
  });

  it('refuses a step of the wrong shape rather than counting it', () => {
    expect(fieldOf(() => checkFunnelSteps([{ page: '/a' }, 'signup' as unknown as FunnelStep]))).toBe(
      'steps.1.page',
    );
  });
});
