import { describe, expect, it } from 'vitest';
import {
  DEFAULT_VIEW,
  parseViewState,
  rangeDates,
  serializeViewState,
  shiftDate,
  todayIn,
  withFilter,
  withoutFilter,
  withRange,
  type ViewState,
} from './view-state.ts';

describe('view state in the URL', () => {
  it.each<[string, ViewState]>([
    ['', DEFAULT_VIEW],
    ['?range=today', { range: 'today', filters: [], compare: true }],
    ['?range=30d', { range: '30d', filters: [], compare: true }],
    [
      '?range=custom&from=2026-11-01&to=2026-11-30',
      { range: 'custom', from: '2026-11-01', to: '2026-11-30', filters: [], compare: true },
    ],
    [
      '?filters=%5B%5B%22is%22%2C%22country%22%2C%5B%22DE%22%5D%5D%5D',
      { range: '7d', filters: [['is', 'country', ['DE']]], compare: true },
    ],
    ['?range=month', { range: 'month', filters: [], compare: true }],
    ['?range=last-month&compare=off', { range: 'last-month', filters: [], compare: false }],
    [
      '?range=custom&from=2026-11-01&to=2026-11-02&compare=off',
      { range: 'custom', from: '2026-11-01', to: '2026-11-02', filters: [], compare: false },
    ],
  ])('%s parses to %j and back', (search, state) => {
    expect(parseViewState(search)).toEqual(state);
    expect(parseViewState(serializeViewState(state))).toEqual(state);
  });

  it('leaves the default range and comparison out of the URL', () => {
    expect(serializeViewState(DEFAULT_VIEW)).toBe('');
  });

  it('a preset keeps the filters and the comparison and drops custom dates', () => {
    const custom: ViewState = {
      range: 'custom',
      from: '2026-11-01',
      to: '2026-11-02',
      filters: [['is', 'page', ['/']]],
      compare: false,
    };
    expect(withRange(custom, 'last-month')).toEqual({
      range: 'last-month',
      filters: [['is', 'page', ['/']]],
      compare: false,
    });
  });

  describe('robustness: a hand-edited URL falls back to defaults', () => {
    it.each([
      ['?range=year', DEFAULT_VIEW],
      ['?range=custom&from=2026-11-30&to=2026-11-01', DEFAULT_VIEW],
      ['?range=custom&from=yesterday&to=2026-11-01', DEFAULT_VIEW],
      ['?range=custom', DEFAULT_VIEW],
      ['?filters=not-json', DEFAULT_VIEW],
      ['?filters=%7B%7D', DEFAULT_VIEW],
      [
        '?filters=' +
          encodeURIComponent('[["drop","page",["/"]],["is","",["x"]],["is","page",[]],["is","page",[1]]]'),
        DEFAULT_VIEW,
      ],
      [
        '?filters=' + encodeURIComponent('[["is","page",["/a"]],"junk"]'),
        { range: '7d', filters: [['is', 'page', ['/a']]], compare: true },
      ],
      ['?filters=' + encodeURIComponent('['.repeat(5000)), DEFAULT_VIEW],
      ['?compare=no', DEFAULT_VIEW],
      ['?compare=', DEFAULT_VIEW],
      ['?range=year&compare=off', { ...DEFAULT_VIEW, compare: false }],
      ['?range=custom&compare=off', { ...DEFAULT_VIEW, compare: false }],
    ])('%s', (search, state) => {
      expect(parseViewState(search)).toEqual(state);
    });
  });
});

describe('rangeDates', () => {
  it.each<[ViewState, { from: string; to: string }]>([
    [
      { range: 'today', filters: [], compare: true },
      { from: '2026-03-01', to: '2026-03-01' },
    ],
    [
      { range: '7d', filters: [], compare: true },
      { from: '2026-02-23', to: '2026-03-01' },
    ],
    [
      { range: '30d', filters: [], compare: true },
      { from: '2026-01-31', to: '2026-03-01' },
    ],
    [
      { range: 'custom', from: '2025-12-30', to: '2026-01-02', filters: [], compare: true },
      { from: '2025-12-30', to: '2026-01-02' },
    ],
    [
      { range: 'custom', filters: [], compare: true },
      { from: '2026-02-23', to: '2026-03-01' },
    ],
  ])('%j on 2026-03-01 → %j', (state, expected) => {
    expect(rangeDates(state, '2026-03-01')).toEqual(expected);
  });

  it.each([
    ['2026-03-01', '2026-03-01', '2026-03-01', '2026-02-01', '2026-02-28'],
    ['2024-03-15', '2024-03-01', '2024-03-15', '2024-02-01', '2024-02-29'],
    ['2026-01-31', '2026-01-01', '2026-01-31', '2025-12-01', '2025-12-31'],
    ['2026-12-05', '2026-12-01', '2026-12-05', '2026-11-01', '2026-11-30'],
  ])('on %s this month is %s–%s and last month %s–%s', (today, monthFrom, monthTo, lastFrom, lastTo) => {
    expect(rangeDates({ range: 'month', filters: [], compare: true }, today)).toEqual({
      from: monthFrom,
      to: monthTo,
    });
    expect(rangeDates({ range: 'last-month', filters: [], compare: true }, today)).toEqual({
      from: lastFrom,
      to: lastTo,
    });
  });

  it.each([
    ['2024-03-01', -1, '2024-02-29'],
    ['2026-01-01', -1, '2025-12-31'],
    ['2026-12-31', 1, '2027-01-01'],
  ])('shiftDate(%s, %d) = %s', (date, days, expected) => {
    expect(shiftDate(date, days)).toBe(expected);
  });

  it("counts today in the site's time zone, not the browser's", () => {
    const now = new Date('2026-11-30T23:30:00Z');
    expect(todayIn('UTC', now)).toBe('2026-11-30');
    expect(todayIn('Europe/Berlin', now)).toBe('2026-12-01');
    expect(todayIn('America/New_York', now)).toBe('2026-11-30');
  });
});

describe('filters from clicks', () => {
  it('adds an is filter, and a second click on the same dimension replaces it', () => {
    const first = withFilter([], 'country', 'DE');
    expect(first).toEqual([['is', 'country', ['DE']]]);
    const second = withFilter(withFilter(first, 'page', '/pricing'), 'country', 'AT');
    expect(second).toEqual([
      ['is', 'page', ['/pricing']],
      ['is', 'country', ['AT']],
    ]);
  });

  it('keeps other operators on the same dimension', () => {
    expect(withFilter([['is_not', 'country', ['US']]], 'country', 'DE')).toEqual([
      ['is_not', 'country', ['US']],
      ['is', 'country', ['DE']],
    ]);
  });

  it('removes a filter by its position', () => {
    expect(
      withoutFilter(
        [
          ['is', 'a', ['1']],
          ['is', 'b', ['2']],
        ],
        0,
      ),
    ).toEqual([['is', 'b', ['2']]]);
    expect(withoutFilter([], 3)).toEqual([]);
  });
});
