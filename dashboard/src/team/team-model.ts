import { canManageRole, ROLES, type Role } from '../../../src/tenancy/users/roles.ts';

/**
 * Who may be shown which control on the team page. The rules are the API's own (roles.ts, imported,
 * not copied); the API still decides every change, and its refusals are shown as they come.
 */

export { ROLES, type Role };

export interface TeamUser {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  isInstanceAdmin: boolean;
  siteIds: string[];
  createdAt: string;
  lastLoginAt: string | null;
}

export interface PendingInvitation {
  id: string;
  email: string;
  role: Role;
  siteIds: string[];
  createdBy: string | null;
  createdAt: string;
  expiresAt: string;
}

/** What each role may do, as the invite form and the role menus say it. */
export const ROLE_LABELS: Record<Role, { name: string; does: string }> = {
  owner: { name: 'Owner', does: 'everything, including other owners' },
  admin: { name: 'Admin', does: 'every site, its settings and destinations; people and API keys' },
  member: {
    name: 'Member',
    does: 'works on the sites given: reads them, saves funnels and goals, hides leads',
  },
  viewer: { name: 'Client viewer', does: 'only reads the sites given: for an agency’s clients' },
};

/** Roles the API takes in an invitation (owners are made by promotion). */
export const INVITABLE: readonly Role[] = ['admin', 'member', 'viewer'];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** Members and viewers see only their assigned sites; owners and admins see every one. */
export function hasAssignedSites(role: Role): boolean {
  return role === 'member' || role === 'viewer';
}

/** The roles `manager` may give `target` (none: no menu). Nobody changes their own role here. */
export function rolesToOffer(manager: Role, managerId: string, target: TeamUser): Role[] {
  if (target.id === managerId || !canManageRole(manager, target.role)) return [];
  return ROLES.filter((role) => canManageRole(manager, role));
}

/** Whether `manager` gets a Remove button for `target`: never for themselves. */
export function mayRemove(manager: Role, managerId: string, target: TeamUser): boolean {
  return target.id !== managerId && canManageRole(manager, target.role);
}

/** Roles `manager` may invite with. */
export function invitableBy(manager: Role): Role[] {
  return INVITABLE.filter((role) => canManageRole(manager, role));
}
