import { describe, expect, it } from 'vitest';
import {
  allows,
  canManageRole,
  canManageSites,
  canManageUsers,
  seesAllSites,
  type Role,
  type SiteAccess,
} from './roles.ts';

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

  it.each<[Role, Role, boolean]>([
    ['owner', 'owner', true],
    ['owner', 'admin', true],
    ['owner', 'viewer', true],
    ['admin', 'owner', false],
    ['admin', 'admin', true],
    ['admin', 'member', true],
    ['admin', 'viewer', true],
    ['member', 'viewer', false],
    ['member', 'member', false],
    ['viewer', 'viewer', false],
  ])('a %s may manage a user with role %s: %s', (manager, role, expected) => {
    expect(canManageRole(manager, role)).toBe(expected);
  });
});
