import { describe, expect, it } from 'vitest';
import { companyPath, isPublic, matchRoute, returnPath, sitePath, type Route } from './routes.ts';

describe('matchRoute', () => {
  it.each<[string, Route]>([
    ['/', { page: 'sites' }],
    ['/sites', { page: 'sites' }],
    ['/sites/', { page: 'sites' }],
    ['/login', { page: 'login' }],
    ['/invite', { page: 'invite' }],
    ['/reset-password', { page: 'reset-password' }],
    ['/team', { page: 'team' }],
    ['/api-keys', { page: 'api-keys' }],
    ['/audit-log', { page: 'audit-log' }],
    ['/sites/new', { page: 'add-site' }],
    ['/sites/site_1', { page: 'site', siteId: 'site_1', tab: 'overview' }],
    ['/sites/site_1/realtime', { page: 'site', siteId: 'site_1', tab: 'realtime' }],
    ['/sites/site_1/leads', { page: 'site', siteId: 'site_1', tab: 'leads' }],
    ['/sites/site_1/funnels', { page: 'site', siteId: 'site_1', tab: 'funnels' }],
    ['/sites/site_1/destinations', { page: 'site', siteId: 'site_1', tab: 'destinations' }],
    ['/sites/site_1/settings', { page: 'site', siteId: 'site_1', tab: 'settings' }],
    ['/sites/site_1/report', { page: 'report', siteId: 'site_1' }],
    ['/sites/site_1/leads/cmp_9', { page: 'company', siteId: 'site_1', companyId: 'cmp_9' }],
    ['/sites/a%20b', { page: 'site', siteId: 'a b', tab: 'overview' }],
  ])('%s', (path, route) => {
    expect(matchRoute(path)).toEqual(route);
  });

  describe('robustness: anything else is not found, never a throw', () => {
    it.each([
      '/nope',
      '/sites/site_1/nope',
      '/sites/site_1/overview',
      '/sites/site_1/leads/cmp_9/more',
      '/sites/%E0%A4%A',
      '/sites/site_1/leads/%E0%A4%A',
      '/team/x',
      '/' + 'a/'.repeat(10_000),
    ])('%s', (path) => {
      expect(matchRoute(path)).toEqual({ page: 'not-found' });
    });
  });
});

describe('paths', () => {
  it.each([
    [sitePath('site_1'), '/sites/site_1'],
    [sitePath('site_1', 'leads'), '/sites/site_1/leads'],
    [sitePath('a/b', 'settings'), '/sites/a%2Fb/settings'],
    [companyPath('site_1', 'cmp 9'), '/sites/site_1/leads/cmp%209'],
  ])('%s', (path, expected) => {
    expect(path).toBe(expected);
    expect(matchRoute(path).page).not.toBe('not-found');
  });

  it.each<[Route, boolean]>([
    [{ page: 'login' }, true],
    [{ page: 'invite' }, true],
    [{ page: 'reset-password' }, true],
    [{ page: 'sites' }, false],
    [{ page: 'report', siteId: 's' }, false],
  ])('isPublic(%j) is %s', (route, expected) => {
    expect(isPublic(route)).toBe(expected);
  });
});

describe('returnPath', () => {
  it.each([
    ['/sites/site_1?range=30d', '/sites/site_1?range=30d'],
    ['/sites/site_1/leads/cmp_9', '/sites/site_1/leads/cmp_9'],
    ['/', '/'],
    [null, '/'],
    ['', '/'],
    ['//evil.example/x', '/'],
    ['https://evil.example/', '/'],
    ['/\\evil.example', '/'],
    ['javascript:alert(1)', '/'],
    ['/login?next=/x', '/'],
    ['/invite#token=abc', '/'],
  ])('%j → %s', (next, expected) => {
    expect(returnPath(next)).toBe(expected);
  });
});
