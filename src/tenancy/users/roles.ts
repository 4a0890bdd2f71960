/** owner and admin act on everything in their agency; member on assigned sites; viewer only reads. */
export const ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** What an action on a site needs: read its data, change its data, or change the site itself. */
export type SiteAccess = 'read' | 'write' | 'manage';

export function canManageSites(role: Role): boolean {
  return role === 'owner' || role === 'admin';
}

/** Whether the role sees every site of the agency, rather than only the sites assigned to it. */
export function seesAllSites(role: Role): boolean {
  return role === 'owner' || role === 'admin';
}

export function allows(role: Role, access: SiteAccess): boolean {
  switch (access) {
    case 'read':
      return true;
    case 'write':
      return role !== 'viewer';
    case 'manage':
      return canManageSites(role);
  }
}

/** Owners manage users and the audit log; admins manage users below owner. */
export function canManageUsers(role: Role): boolean {
  return role === 'owner' || role === 'admin';
}

/**
 * Whether a manager with `manager` role may act on a user holding (or being given) `role`: owners on
 * anyone, admins on everyone below owner, nobody else on anyone.
 */
export function canManageRole(manager: Role, role: Role): boolean {
  if (manager === 'owner') return true;
  return manager === 'admin' && role !== 'owner';
}
