import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SCORE_WEIGHTS,
  leadStatusOf,
  scoreCompany,
  type ScoreInputs,
  type ScoreWeights,
} from './score.ts';

const now = new Date('2026-11-26T12:00:00Z');
const daysAgo = (days: number) => new Date(now.getTime() - days * 24 * 60 * 60 * 1000);

const nothing: ScoreInputs = {
  lastSeenAt: null,
  sessions: 0,
  activeDays: 0,
  pageviews: 0,
  timeOnSiteSeconds: 0,
  intentHits: [],
  conversions: 0,
};
const pricing = { pattern: '/pricing', weight: 10, pageviews: 2 };
const demo = { pattern: '/demo', weight: 15, pageviews: 1 };
const engaged: ScoreInputs = {
  lastSeenAt: now,
  sessions: 3,
  activeDays: 3,
  pageviews: 12,
  timeOnSiteSeconds: 900,
  intentHits: [pricing, demo],
  conversions: 1,
};
const glance: ScoreInputs = {
  ...nothing,
  lastSeenAt: now,
  sessions: 1,
  activeDays: 1,
  pageviews: 2,
  timeOnSiteSeconds: 60,
};

const points = (inputs: ScoreInputs, weights?: ScoreWeights) =>
  Object.fromEntries(scoreCompany(inputs, weights, now).breakdown.map((line) => [line.factor, line.points]));

describe('scoreCompany', () => {
  it.each([
    ['no activity at all', nothing, 0, 'cold'],
    ['one short visit today, no intent', glance, 31, 'cold'],
    ['one short visit today that saw /pricing', { ...glance, intentHits: [pricing] }, 41, 'warm'],
    ['an engaged buyer today', engaged, 84, 'hot'],
    ['the same buyer a week later (recency halves)', { ...engaged, lastSeenAt: daysAgo(7) }, 72, 'hot'],
    ['the same buyer two weeks later', { ...engaged, lastSeenAt: daysAgo(14) }, 65, 'warm'],
    ['a visit 60 days ago, outside the window', { ...nothing, lastSeenAt: daysAgo(60) }, 0, 'cold'],
    [
      'everything far past every cap',
      {
        lastSeenAt: now,
        sessions: 500,
        activeDays: 30,
        pageviews: 10_000,
        timeOnSiteSeconds: 1e6,
        intentHits: [pricing, demo, { pattern: '/contact', weight: 10, pageviews: 9 }],
        conversions: 40,
      },
      100,
      'hot',
    ],
  ] as const)('%s → %i (%s)', (_label, inputs, score, status) => {
    const result = scoreCompany(inputs, undefined, now);
    expect(result.score).toBe(score);
    expect(result.status).toBe(status);
    expect(result.breakdown.reduce((sum, line) => sum + line.points, 0)).toBe(score);
  });

  it('breaks the score down by factor, each within its maximum, with the reason', () => {
    const { breakdown } = scoreCompany({ ...engaged, lastSeenAt: daysAgo(2.5) }, undefined, now);
    expect(breakdown).toEqual([
      { factor: 'recency', points: 20, max: 25, why: 'last visit 2 days ago; halves every 7 days' },
      { factor: 'frequency', points: 9, max: 20, why: '3 sessions on 3 days in the last 30 days' },
      {
        factor: 'depth',
        points: 20,
        max: 20,
        why: '12 page views and 15 minutes on site in the last 30 days',
      },
      { factor: 'intent', points: 25, max: 25, why: 'visited /pricing (+10), /demo (+15)' },
      { factor: 'conversions', points: 5, max: 10, why: '1 custom event in the last 30 days' },
    ]);
  });

  it.each([
    [
      'frequency counts sessions and active days',
      { ...nothing, sessions: 4, activeDays: 2 },
      { frequency: 8 },
    ],
    [
      'depth counts pages and whole minutes',
      { ...nothing, pageviews: 3, timeOnSiteSeconds: 150 },
      { depth: 6 },
    ],
    ['intent is the weight of a matched pattern', { ...nothing, intentHits: [pricing] }, { intent: 10 }],
    [
      'intent adds matched patterns up to its cap',
      { ...nothing, intentHits: [demo, pricing, { pattern: '/contact', weight: 10, pageviews: 1 }] },
      { intent: 25 },
    ],
    [
      'intent ignores a pattern with no page views',
      { ...nothing, intentHits: [{ ...demo, pageviews: 0 }] },
      { intent: 0 },
    ],
    ['conversions are worth 5 each up to 10', { ...nothing, conversions: 3 }, { conversions: 10 }],
    ['recency of a visit today is full', { ...nothing, lastSeenAt: now }, { recency: 25 }],
    ['recency after one half-life is half', { ...nothing, lastSeenAt: daysAgo(7) }, { recency: 13 }],
    ['recency after four half-lives', { ...nothing, lastSeenAt: daysAgo(28) }, { recency: 2 }],
  ] as const)('%s', (_label, inputs, expected) => {
    expect(points(inputs)).toMatchObject(expected);
  });

  it('takes other weights', () => {
    const weights: ScoreWeights = {
      ...DEFAULT_SCORE_WEIGHTS,
      recency: { max: 10, halfLifeDays: 1 },
      conversions: { max: 40, perConversion: 20 },
    };
    expect(points({ ...engaged, lastSeenAt: daysAgo(1), conversions: 2 }, weights)).toMatchObject({
      recency: 5,
      conversions: 40,
    });
    expect(scoreCompany({ ...engaged, conversions: 2 }, weights, now).score).toBe(100);
  });

  it.each([
    [70, 'hot'],
    [69, 'warm'],
    [40, 'warm'],
    [39, 'cold'],
    [0, 'cold'],
    [100, 'hot'],
  ] as const)('score %i is %s', (score, status) => {
    expect(leadStatusOf(score)).toBe(status);
  });

  describe('robustness to invalid data', () => {
    const broken = (overrides: Record<string, unknown>) =>
      scoreCompany({ ...glance, ...overrides } as unknown as ScoreInputs, undefined, now);

    it.each([
      ['NaN sessions', { sessions: NaN }],
      ['negative page views', { pageviews: -50 }],
      ['infinite time on site', { timeOnSiteSeconds: Infinity }],
      ['a string count', { activeDays: '3' }],
      ['null conversions', { conversions: null }],
      ['intent hits that are not a list', { intentHits: 'pricing' }],
      ['intent hits with garbage', { intentHits: [null, 42, { pattern: '/x', weight: NaN, pageviews: 1 }] }],
      ['an invalid last-seen date', { lastSeenAt: new Date('nope') }],
      ['a last-seen that is not a date', { lastSeenAt: '2026-11-26' }],
      ['an empty object', { sessions: {}, pageviews: [] }],
    ])('%s: still a score from 0 to 100 with five factors', (_label, overrides) => {
      const result = broken(overrides);
      expect(Number.isInteger(result.score)).toBe(true);
      expect(result.score).toBeGreaterThanOrEqual(0);
      expect(result.score).toBeLessThanOrEqual(100);
      expect(result.breakdown.map((line) => line.factor)).toEqual([
        'recency',
        'frequency',
        'depth',
        'intent',
        'conversions',
      ]);
      for (const line of result.breakdown) {
        expect(line.points).toBeGreaterThanOrEqual(0);
        expect(line.points).toBeLessThanOrEqual(line.max);
      }
    });

    it('counts a last visit in the future (clock skew) as today', () => {
      expect(points({ ...nothing, lastSeenAt: daysAgo(-3) })).toMatchObject({ recency: 25 });
    });

    it('gives no recency when now is not a date', () => {
      expect(scoreCompany(engaged, undefined, new Date(NaN)).breakdown[0]).toMatchObject({ points: 0 });
    });

    it('never passes 100, whatever the weights', () => {
      const huge: ScoreWeights = {
        windowDays: 30,
        recency: { max: 1000, halfLifeDays: 0 },
        frequency: { max: 1000, perSession: 1000, perActiveDay: 1000 },
        depth: { max: 1000, perPageview: 1000, perMinute: 1000 },
        intent: { max: 1000 },
        conversions: { max: 1000, perConversion: 1000 },
      };
      expect(scoreCompany(engaged, huge, now).score).toBe(100);
    });

    it('treats negative or NaN weights as nothing', () => {
      const broken = {
        ...DEFAULT_SCORE_WEIGHTS,
        depth: { max: NaN, perPageview: -1, perMinute: 1 },
      } as ScoreWeights;
      expect(points(engaged, broken)).toMatchObject({ depth: 0 });
    });
  });
});
