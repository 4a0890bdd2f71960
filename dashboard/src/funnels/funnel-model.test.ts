import { describe, expect, it } from 'vitest';
import { DEFAULT_VIEW } from '../view-state.ts';
import {
  canPreview,
  draftsOf,
  emptyStep,
  funnelsSearch,
  goalMatches,
  openedFunnel,
  stepRows,
  stepsOf,
  type FunnelStepResult,
  type StepDraft,
} from './funnel-model.ts';

const result = (visitors: number, dropOff: number, extra: Partial<FunnelStepResult> = {}) => ({
  label: 'step',
  page: '/a',
  visitors,
  conversionRate: 0,
  dropOff,
  dropOffRate: 0,
  medianSecondsFromFirstStep: null,
  ...extra,
});

describe('stepsOf', () => {
  it.each<[string, StepDraft[], unknown]>([
    [
      'a page and an event, trimmed',
      [
        { kind: 'page', value: ' /pricing ', label: '' },
        { kind: 'event', value: 'signup', label: ' Signed up ' },
      ],
      [{ page: '/pricing' }, { event: 'signup', label: 'Signed up' }],
    ],
    ['a blank label is left out', [{ kind: 'event', value: 'a', label: '   ' }], [{ event: 'a' }]],
  ])('%s', (_name, drafts, steps) => {
    expect(stepsOf(drafts)).toEqual(steps);
  });

  it('round-trips a saved funnel through the builder', () => {
    const steps = [{ page: '/blog/*', label: 'Blog' }, { event: 'signup' }];
    expect(stepsOf(draftsOf(steps))).toEqual(steps);
  });
});

describe('canPreview', () => {
  const page = (value: string): StepDraft => ({ kind: 'page', value, label: '' });
  it.each<[string, StepDraft[], boolean]>([
    ['two steps named', [page('/a'), page('/b')], true],
    ['one step', [page('/a')], false],
    ['a blank step', [page('/a'), page('  ')], false],
    ['nine steps', Array.from({ length: 9 }, (_, index) => page(`/${index}`)), false],
    ['eight steps', Array.from({ length: 8 }, (_, index) => page(`/${index}`)), true],
    // The API says what is wrong with a pattern; the preview asks it.
    ['a page without its slash', [page('/a'), page('b')], true],
    ['nothing', [], false],
    ['new steps', [emptyStep(), emptyStep('event')], false],
  ])('%s → %s', (_name, drafts, expected) => {
    expect(canPreview(drafts)).toBe(expected);
  });
});

describe('stepRows', () => {
  it.each<
    [
      string,
      FunnelStepResult[],
      Array<[number, number | undefined, number | undefined, number, number | undefined, number]>,
    ]
  >([
    [
      'halving each step',
      [result(8, 0), result(4, 4), result(2, 2)],
      [
        [8, undefined, 100, 0, undefined, 100],
        [4, 50, 50, 4, 50, 50],
        [2, 50, 25, 2, 50, 25],
      ],
    ],
    [
      'thirds, one decimal',
      [result(3, 0), result(2, 1), result(1, 1)],
      [
        [3, undefined, 100, 0, undefined, 100],
        [2, 66.7, 66.7, 1, 33.3, 66.7],
        [1, 50, 33.3, 1, 50, 33.3],
      ],
    ],
    [
      'nobody after the first step',
      [result(5, 0), result(0, 5), result(0, 0)],
      [
        [5, undefined, 100, 0, undefined, 100],
        [0, 0, 0, 5, 100, 0],
        [0, undefined, 0, 0, undefined, 0],
      ],
    ],
    [
      'nobody at all',
      [result(0, 0), result(0, 0)],
      [
        [0, undefined, undefined, 0, undefined, 0],
        [0, undefined, undefined, 0, undefined, 0],
      ],
    ],
  ])('%s: visitors, from previous, overall, drop-off, its rate, bar', (_name, steps, expected) => {
    expect(
      stepRows(steps).map((row) => [
        row.visitors,
        row.fromPrevious,
        row.overall,
        row.dropOff,
        row.dropOffRate,
        row.bar,
      ]),
    ).toEqual(expected);
  });

  it('says what each step matches', () => {
    const rows = stepRows([result(1, 0), result(1, 0, { page: undefined, event: 'signup' })]);
    expect(rows.map((row) => row.matches)).toEqual(['Page /a', 'Event signup']);
  });

  describe('robustness', () => {
    it('an empty report has no rows', () => {
      expect(stepRows([])).toEqual([]);
    });

    it('keeps bars within 0–100 and huge counts exact', () => {
      const rows = stepRows([result(2_000_000_000, 0), result(1_999_999_999, 1)]);
      expect(rows[1]).toMatchObject({ visitors: 1_999_999_999, dropOff: 1, bar: 100, fromPrevious: 100 });
    });
  });
});

describe('the funnels tab URL', () => {
  it.each<[string, string | undefined, string]>([
    ['the default range, no funnel', undefined, ''],
    ['a funnel opened', 'fnl_1', '?funnel=fnl_1'],
  ])('%s', (_name, funnel, search) => {
    expect(funnelsSearch(DEFAULT_VIEW, funnel)).toBe(search);
    expect(openedFunnel(search)).toBe(funnel);
  });

  it('keeps the range and comparison, not the overview’s filters', () => {
    const search = funnelsSearch(
      { range: 'last-month', filters: [['is', 'page', ['/']]], compare: false },
      'fnl_2',
    );
    expect(new URLSearchParams(search).get('range')).toBe('last-month');
    expect(new URLSearchParams(search).get('compare')).toBe('off');
    expect(new URLSearchParams(search).has('filters')).toBe(false);
    expect(openedFunnel(search)).toBe('fnl_2');
  });

  it.each(['?funnel=', '?other=1', ''])('robustness: %s opens no funnel', (search) => {
    expect(openedFunnel(search)).toBeUndefined();
  });
});

describe('goalMatches', () => {
  it.each([
    [{ id: 'g', name: 'n', eventName: 'signup', pagePattern: null, revenueProperty: null }, 'Event signup'],
    [
      { id: 'g', name: 'n', eventName: null, pagePattern: '/thanks*', revenueProperty: 'total' },
      'Page /thanks*',
    ],
  ])('%j → %s', (goal, expected) => {
    expect(goalMatches(goal)).toBe(expected);
  });
});
