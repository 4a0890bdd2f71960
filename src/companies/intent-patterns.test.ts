import { describe, expect, it } from 'vitest';
import {
  DEFAULT_INTENT_PATTERNS,
  intentPatternRegex,
  matchesIntentPattern,
  MAX_INTENT_PATTERNS,
  parseIntentPatterns,
} from './intent-patterns.ts';

describe('intent patterns', () => {
  it.each([
    ['/pricing', '/pricing', true],
    ['/pricing', '/Pricing', true],
    ['/pricing', '/pricing/', true],
    ['/pricing', '/pricing/teams', true],
    ['/pricing/', '/pricing/teams', true],
    ['/pricing', '/pricing-old', false],
    ['/pricing', '/de/pricing', false],
    ['*/pricing', '/de/pricing', true],
    ['/pricing*', '/pricing-2026', true],
    ['/docs/*/api', '/docs/v2/api', true],
    ['/docs/*/api', '/docs/api', false],
    ['/', '/', true],
    ['/', '/about', false],
    ['/c++', '/c++', true],
    ['/a.b', '/axb', false],
    ['/(x)', '/(x)', true],
    ['/[demo]', '/d', false],
  ])('%s on %s → %s', (pattern, path, matches) => {
    expect(matchesIntentPattern(path, pattern)).toBe(matches);
  });

  it('builds expressions of escaped literals and .* only', () => {
    expect(intentPatternRegex('/pricing')).toBe('^/pricing(/.*)?$');
    expect(intentPatternRegex('*/a.b')).toBe('^.*/a\\.b(/.*)?$');
  });

  it('parses the defaults as they are stored', () => {
    expect(parseIntentPatterns(JSON.parse(JSON.stringify(DEFAULT_INTENT_PATTERNS)))).toEqual(
      DEFAULT_INTENT_PATTERNS,
    );
  });

  describe('robustness to invalid data', () => {
    it.each([
      [null, []],
      ['pricing', []],
      [{ pattern: '/pricing', weight: 10 }, []],
      [[null, 1, 'x', []], []],
      [[{ pattern: 'pricing', weight: 10 }], []],
      [[{ pattern: '/pricing', weight: '10' }], []],
      [[{ pattern: '/pricing', weight: NaN }], []],
      [[{ pattern: '/pricing', weight: -1 }], []],
      [[{ pattern: '/pricing', weight: 101 }], []],
      [[{ pattern: `/${'x'.repeat(300)}`, weight: 1 }], []],
      [[{ pattern: '  ', weight: 1 }], []],
      [
        [
          { pattern: ' /demo ', weight: 15 },
          { pattern: '/DEMO', weight: 1 },
          { pattern: 42, weight: 1 },
        ],
        [{ pattern: '/demo', weight: 15 }],
      ],
    ])('%j → %j', (value, expected) => {
      expect(parseIntentPatterns(value)).toEqual(expected);
    });

    it(`keeps ${MAX_INTENT_PATTERNS} patterns at most`, () => {
      const many = Array.from({ length: 100 }, (_, index) => ({ pattern: `/p${index}`, weight: 1 }));
      expect(parseIntentPatterns(many)).toHaveLength(MAX_INTENT_PATTERNS);
    });
  });
});
