/** owner and admin act on everything in their agency; member on assigned sites; viewer only reads. */
export const ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export function canManageSites(role: Role): boolean {
  return role === 'owner' || role === 'admin';
}
