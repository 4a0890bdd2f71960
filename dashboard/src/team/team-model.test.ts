import { describe, expect, it } from 'vitest';
import { invitableBy, mayRemove, rolesToOffer, type Role, type TeamUser } from './team-model.ts';

function user(id: string, role: Role): TeamUser {
  return {
    id,
    email: `${id}@test.example`,
    name: null,
    role,
    isInstanceAdmin: false,
    siteIds: [],
    createdAt: '2026-11-20T09:30:00.000Z',
    lastLoginAt: null,
  };
}

describe('rolesToOffer', () => {
  it.each<[Role, Role, Role[]]>([
    ['owner', 'owner', ['owner', 'admin', 'member', 'viewer']],
    ['owner', 'viewer', ['owner', 'admin', 'member', 'viewer']],
    ['admin', 'owner', []],
    ['admin', 'admin', ['admin', 'member', 'viewer']],
    ['admin', 'viewer', ['admin', 'member', 'viewer']],
    ['member', 'viewer', []],
    ['viewer', 'viewer', []],
  ])('a %s changing a %s may choose %j', (manager, target, roles) => {
    expect(rolesToOffer(manager, 'me', user('them', target))).toEqual(roles);
  });

  it('offers nobody a menu for their own role', () => {
    expect(rolesToOffer('owner', 'me', user('me', 'owner'))).toEqual([]);
  });
});

describe('mayRemove', () => {
  it.each<[Role, Role, boolean]>([
    ['owner', 'owner', true],
    ['owner', 'viewer', true],
    ['admin', 'owner', false],
    ['admin', 'member', true],
    ['member', 'viewer', false],
  ])('a %s removing a %s: %s', (manager, target, allowed) => {
    expect(mayRemove(manager, 'me', user('them', target))).toBe(allowed);
  });

  it('never offers to remove oneself', () => {
    expect(mayRemove('owner', 'me', user('me', 'owner'))).toBe(false);
  });
});

describe('invitableBy', () => {
  it.each<[Role, Role[]]>([
    ['owner', ['admin', 'member', 'viewer']],
    ['admin', ['admin', 'member', 'viewer']],
    ['member', []],
    ['viewer', []],
  ])('a %s invites %j', (manager, roles) => {
    expect(invitableBy(manager)).toEqual(roles);
  });
});
