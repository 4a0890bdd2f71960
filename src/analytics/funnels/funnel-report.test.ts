import { describe, expect, it } from 'vitest';
import type { FunnelCounts } from './count-funnel.ts';
import type { FunnelStep } from './funnel-definition.ts';
import { funnelSteps } from './funnel-report.ts';

const STEPS: FunnelStep[] = [
  { page: '/pricing', label: 'Pricing' },
  { page: '/signup*' },
  { event: 'signup' },
];

describe('funnelSteps', () => {
  it.each<[string, FunnelCounts, Array<[number, number, number, number, number | null]>]>([
    [
      'every visitor through',
      { visitors: [10, 10, 10], medianSeconds: [null, 30, 60] },
      [
        [10, 100, 0, 0, null],
        [10, 100, 0, 0, 30],
        [10, 100, 0, 0, 60],
      ],
    ],
    [
      'thirds, rounded to one decimal',
      { visitors: [3, 2, 1], medianSeconds: [null, 5, 7] },
      [
        [3, 100, 0, 0, null],
        [2, 66.7, 1, 33.3, 5],
        [1, 33.3, 1, 50, 7],
      ],
    ],
    [
      'nobody after the first step',
      { visitors: [4, 0, 0], medianSeconds: [null, null, null] },
      [
        [4, 100, 0, 0, null],
        [0, 0, 4, 100, null],
        [0, 0, 0, 0, null],
      ],
    ],
    [
      'nobody at all',
      { visitors: [0, 0, 0], medianSeconds: [null, null, null] },
      [
        [0, 0, 0, 0, null],
        [0, 0, 0, 0, null],
        [0, 0, 0, 0, null],
      ],
    ],
  ])('%s', (_name, counts, expected) => {
    const steps = funnelSteps(STEPS, counts);
    expect(
      steps.map((step) => [
        step.visitors,
        step.conversionRate,
        step.dropOff,
        step.dropOffRate,
        step.medianSecondsFromFirstStep,
      ]),
    ).toEqual(expected);
  });

  it('labels each step and says what it matches', () => {
    const steps = funnelSteps(STEPS, { visitors: [1, 1, 1], medianSeconds: [null, 1, 1] });
    expect(steps.map(({ label, page, event }) => ({ label, page, event }))).toEqual([
      { label: 'Pricing', page: '/pricing', event: undefined },
      { label: '/signup*', page: '/signup*', event: undefined },
      { label: 'signup', page: undefined, event: 'signup' },
    ]);
  });
});

describe('robustness', () => {
  it('treats missing counts as nobody and never divides by zero', () => {
    const steps = funnelSteps(STEPS, { visitors: [], medianSeconds: [] });
    expect(steps.map((step) => [step.visitors, step.conversionRate, step.dropOffRate])).toEqual([
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ]);
  });

  it('keeps huge counts exact', () => {
    const steps = funnelSteps(STEPS.slice(0, 2), {
      visitors: [2_000_000_000, 1_999_999_999],
      medianSeconds: [null, 86_400 * 90],
    });
    expect(steps[1]).toMatchObject({
      dropOff: 1,
      dropOffRate: 0,
      conversionRate: 100,
      medianSecondsFromFirstStep: 7_776_000,
    });
  });
});
