import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LEADS,
  filterQuery,
  isFiltered,
  listQuery,
  PAGE_SIZE,
  parseLeadsState,
  serializeLeadsState,
  sortedBy,
  withoutFilters,
  type LeadsState,
} from './leads-state.ts';

const NOW = new Date('2026-12-05T12:00:00.000Z');

describe('the Leads list in the URL', () => {
  it.each<[string, LeadsState]>([
    ['', DEFAULT_LEADS],
    ['?lead=hot', { ...DEFAULT_LEADS, lead: 'hot' }],
    ['?q=acme+corp', { ...DEFAULT_LEADS, q: 'acme corp' }],
    ['?country=DE&industry=Software', { ...DEFAULT_LEADS, country: 'DE', industry: 'Software' }],
    ['?minScore=40&seen=30d', { ...DEFAULT_LEADS, minScore: 40, seen: '30d' }],
    ['?hidden=1', { ...DEFAULT_LEADS, includeHidden: true }],
    ['?sort=visits&order=asc', { ...DEFAULT_LEADS, sort: 'visits', order: 'asc' }],
    ['?lead=warm&cursor=WyJzY29yZSJd', { ...DEFAULT_LEADS, lead: 'warm', cursor: 'WyJzY29yZSJd' }],
  ])('%s parses to %j and back', (search, state) => {
    expect(parseLeadsState(search)).toEqual(state);
    expect(serializeLeadsState(state)).toBe(search);
  });

  describe('robustness: a hand-edited URL falls back to the defaults the API accepts', () => {
    it.each<[string, LeadsState]>([
      ['?lead=boiling', DEFAULT_LEADS],
      ['?lead=HOT', DEFAULT_LEADS],
      ['?country=Germany', DEFAULT_LEADS],
      ['?country=de', { ...DEFAULT_LEADS, country: 'DE' }],
      ['?minScore=101', DEFAULT_LEADS],
      ['?minScore=-5', DEFAULT_LEADS],
      ['?minScore=4.5', DEFAULT_LEADS],
      ['?minScore=NaN', DEFAULT_LEADS],
      ['?seen=1y', DEFAULT_LEADS],
      ['?sort=name&order=sideways', DEFAULT_LEADS],
      ['?hidden=yes', DEFAULT_LEADS],
      ['?q=%20%20', DEFAULT_LEADS],
      [`?q=${'a'.repeat(101)}`, DEFAULT_LEADS],
      [`?cursor=${'c'.repeat(301)}`, DEFAULT_LEADS],
      ['?q=%3Cimg%20src%3Dx%3E', { ...DEFAULT_LEADS, q: '<img src=x>' }],
    ])('%s parses to %j', (search, state) => {
      expect(parseLeadsState(search)).toEqual(state);
    });
  });

  it('leaves the defaults out of the URL', () => {
    expect(serializeLeadsState(DEFAULT_LEADS)).toBe('');
    expect(serializeLeadsState({ ...DEFAULT_LEADS, minScore: 0 })).toBe('');
  });
});

describe('filters', () => {
  it.each<[LeadsState, boolean]>([
    [DEFAULT_LEADS, false],
    [{ ...DEFAULT_LEADS, sort: 'visits', order: 'asc', cursor: 'x' }, false],
    [{ ...DEFAULT_LEADS, minScore: 0 }, false],
    [{ ...DEFAULT_LEADS, lead: 'cold' }, true],
    [{ ...DEFAULT_LEADS, q: 'acme' }, true],
    [{ ...DEFAULT_LEADS, minScore: 1 }, true],
    [{ ...DEFAULT_LEADS, seen: '7d' }, true],
    [{ ...DEFAULT_LEADS, includeHidden: true }, true],
  ])('%j is filtered: %s', (state, filtered) => {
    expect(isFiltered(state)).toBe(filtered);
  });

  it('clearing them keeps the sort and goes back to the first page', () => {
    const state: LeadsState = {
      ...DEFAULT_LEADS,
      lead: 'hot',
      q: 'acme',
      includeHidden: true,
      sort: 'lastSeen',
      order: 'asc',
      cursor: 'x',
    };
    expect(withoutFilters(state)).toEqual({ ...DEFAULT_LEADS, sort: 'lastSeen', order: 'asc' });
  });
});

describe('sorting by a column', () => {
  it.each<[Partial<LeadsState>, LeadsState['sort'], Partial<LeadsState>]>([
    [{}, 'score', { sort: 'score', order: 'asc' }],
    [{ order: 'asc' }, 'score', { sort: 'score', order: 'desc' }],
    [{}, 'visits', { sort: 'visits', order: 'desc' }],
    [{ sort: 'visits', order: 'asc' }, 'lastSeen', { sort: 'lastSeen', order: 'desc' }],
  ])('from %j, clicking %s gives %j on the first page', (from, sort, to) => {
    const next = sortedBy({ ...DEFAULT_LEADS, ...from, cursor: 'x', lead: 'hot' }, sort);
    expect(next).toEqual({ ...DEFAULT_LEADS, lead: 'hot', ...to, cursor: undefined });
  });
});

describe('the API query', () => {
  it('sends every filter under the API’s names, the last-seen window as an instant', () => {
    const state: LeadsState = {
      lead: 'warm',
      q: 'acme',
      country: 'US',
      industry: 'Software',
      minScore: 40,
      seen: '7d',
      includeHidden: true,
      sort: 'lastSeen',
      order: 'asc',
      cursor: 'next',
    };
    const filters = {
      lead: 'warm',
      q: 'acme',
      country: 'US',
      industry: 'Software',
      minScore: '40',
      lastSeenAfter: '2026-11-28T12:00:00.000Z',
      includeHidden: 'true',
      sort: 'lastSeen',
      order: 'asc',
    };
    expect(filterQuery(state, NOW)).toEqual(filters);
    expect(listQuery(state, NOW)).toEqual({ ...filters, limit: String(PAGE_SIZE), cursor: 'next' });
  });

  it('asks for the default list with the sort alone', () => {
    expect(filterQuery(DEFAULT_LEADS, NOW)).toEqual({ sort: 'score', order: 'desc' });
    expect(listQuery(DEFAULT_LEADS, NOW)).toEqual({ sort: 'score', order: 'desc', limit: '50' });
  });
});
