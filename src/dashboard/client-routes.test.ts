import { describe, expect, it } from 'vitest';
import { isClientRoute } from './client-routes.ts';

describe('isClientRoute', () => {
  it.each([
    ['/', true],
    ['/login', true],
    ['/sites/site_abc', true],
    ['/sites/site_abc/', true],
    ['/api', false],
    ['/api/sites', false],
    ['/API/unknown', false],
    ['/docs', false],
    ['/docs/static/index.html', false],
    ['/health', false],
    ['/health/deep', false],
    ['/ready', false],
    ['/metrics', false],
    ['/assets/index-abc.js', false],
    ['/assets/missing', false],
    ['/beacon.js', false],
    ['/js/app.js', false],
    ['/favicon.ico', false],
    ['/apiary', true],
    ['/healthy-sites', true],
  ])('%s → %s', (path, expected) => {
    expect(isClientRoute(path)).toBe(expected);
  });

  describe('robustness', () => {
    it.each([[''], ['relative/path'], ['//'], ['/' + 'a'.repeat(100_000)], ['/sites/%00']])(
      'answers %j without throwing',
      (path) => {
        expect(typeof isClientRoute(path)).toBe('boolean');
      },
    );

    it('a path without a leading slash is not a route', () => {
      expect(isClientRoute('sites')).toBe(false);
    });
  });
});
