import { describe, expect, it } from 'vitest';
import { trackedConsentChoice } from './consent-records.ts';

describe('trackedConsentChoice', () => {
  it.each([
    ['both granted', { analytics: true, ads: true }, false, { analytics: true, ads: true, source: 'banner' }],
    [
      'analytics only',
      { analytics: true, ads: false },
      false,
      { analytics: true, ads: false, source: 'banner' },
    ],
    ['one purpose named', { ads: true }, false, { analytics: null, ads: true, source: 'banner' }],
    ['a withdrawal', { analytics: false }, false, { analytics: false, ads: null, source: 'banner' }],
    [
      'GPC over a grant',
      { analytics: true, ads: true },
      true,
      { analytics: false, ads: false, source: 'gpc' },
    ],
    ['GPC with nothing named', undefined, true, { analytics: false, ads: false, source: 'gpc' }],
  ])('%s', (_label, consent, gpc, expected) => {
    expect(trackedConsentChoice(consent, gpc)).toEqual(expected);
  });

  it.each([
    ['the opt-out over a grant', { analytics: true, ads: true }, false, 'optout'],
    ['the opt-out with nothing named', undefined, false, 'optout'],
    ['GPC and the opt-out', { analytics: true }, true, 'gpc'],
  ])('%s', (_label, consent, gpc, source) => {
    expect(trackedConsentChoice(consent, gpc, true)).toEqual({ analytics: false, ads: false, source });
  });

  describe('robustness', () => {
    it.each([
      ['no consent at all', undefined],
      ['an empty object', {}],
      ['strings instead of booleans', { analytics: 'yes', ads: 'no' }],
      ['numbers', { analytics: 1, ads: 0 }],
      ['null purposes', { analytics: null, ads: null }],
    ])('records nothing for %s', (_label, consent) => {
      expect(trackedConsentChoice(consent as { analytics?: unknown; ads?: unknown }, false)).toBeUndefined();
    });

    it('takes a boolean beside garbage', () => {
      expect(trackedConsentChoice({ analytics: 'x'.repeat(100_000), ads: false }, false)).toEqual({
        analytics: null,
        ads: false,
        source: 'banner',
      });
    });
  });
});
