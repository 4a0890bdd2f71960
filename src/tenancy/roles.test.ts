import { describe, expect, it } from 'vitest';
import { allows, canManageSites, canManageUsers, seesAllSites, type Role, type SiteAccess } from './roles.ts';

describe('role permissions', () => {
  it.each<[Role, SiteAccess, boolean]>([
    ['owner', 'read', true],
    ['owner', 'write', true],
    ['owner', 'manage', true],
    ['admin', 'read', true],
    ['admin', 'write', true],
    ['admin', 'manage', true],
    ['member', 'read', true],
    ['member', 'write', true],
    ['member', 'manage', false],
    ['viewer', 'read', true],
    ['viewer', 'write', false],
    ['viewer', 'manage', false],
  ])('%s may %s: %s', (role, access, expected) => {
    expect(allows(role, access)).toBe(expected);
  });

  it.each<[Role, boolean, boolean, boolean]>([
    ['owner', true, true, true],
    ['admin', true, true, true],
    ['member', false, false, false],
    ['viewer', false, false, false],
  ])('%s: sees all sites %s, manages sites %s, manages users %s', (role, all, sites, users) => {
    expect([seesAllSites(role), canManageSites(role), canManageUsers(role)]).toEqual([all, sites, users]);
  });
});
