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
  type ViewState,
} from './view-state.ts';

describe('view state in the URL', () => {
  it.each<[string, ViewState]>([
    ['', DEFAULT_VIEW],
    ['?range=today', { range: 'today', filters: [] }],
    ['?range=30d', { range: '30d', filters: [] }],
    [
      '?range=custom&from=2026-11-01&to=2026-11-30',
      { range: 'custom', from: '2026-11-01', to: '2026-11-30', filters: [] },
    ],
    [
      '?filters=%5B%5B%22is%22%2C%22country%22%2C%5B%22DE%22%5D%5D%5D',
      { range: '7d', filters: [['is', 'country', ['DE']]] },
    ],
  ])('%s parses to %j and back', (search, state) => {
    expect(parseViewState(search)).toEqual(state);
    expect(parseViewState(serializeViewState(state))).toEqual(state);
  });

  it('leaves the default range out of the URL', () => {
    expect(serializeViewState(DEFAULT_VIEW)).toBe('');
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
        { range: '7d', filters: [['is', 'page', ['/a']]] },
      ],
      ['?filters=' + encodeURIComponent('['.repeat(5000)), DEFAULT_VIEW],
    ])('%s', (search, state) => {
      expect(parseViewState(search)).toEqual(state);
    });
  });
});

describe('rangeDates', () => {
  it.each<[ViewState, { from: string; to: string }]>([
    [
      { range: 'today', filters: [] },
      { from: '2026-03-01', to: '2026-03-01' },
    ],
    [
      { range: '7d', filters: [] },
      { from: '2026-02-23', to: '2026-03-01' },
    ],
    [
      { range: '30d', filters: [] },
      { from: '2026-01-31', to: '2026-03-01' },
    ],
    [
      { range: 'custom', from: '2025-12-30', to: '2026-01-02', filters: [] },
      { from: '2025-12-30', to: '2026-01-02' },
    ],
    [
      { range: 'custom', filters: [] },
      { from: '2026-02-23', to: '2026-03-01' },
    ],
  ])('%j on 2026-03-01 → %j', (state, expected) => {
    expect(rangeDates(state, '2026-03-01')).toEqual(expected);
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
