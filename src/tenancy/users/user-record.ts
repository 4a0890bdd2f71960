import { Type, type Static } from 'typebox';
import type { Queryable } from '../../db/pool.ts';
import { AppError } from '../../errors.ts';
import { ROLES, type Role } from './roles.ts';

/** A user as owners and admins see them in the user list. */
/** A member as owners and admins see them: examples in the OpenAPI document. */
export const MANAGED_USER_EXAMPLE = {
  id: 'user_06gzgjmnr2dy6rzgwxs6k5h6z0',
  email: 'analyst@agency.example',
  name: 'Sam Okafor',
  role: 'member',
  isInstanceAdmin: false,
  siteIds: ['site_06gzgjmnr0jw6tbx12sers57qg'],
  createdAt: '2026-11-20T09:30:00.000Z',
  lastLoginAt: '2026-11-24T08:12:41.000Z',
};

export const ManagedUser = Type.Object(
  {
    id: Type.String({ examples: ['user_01hv4x2m3k9q8r7s6t5v4w3x2y'] }),
    email: Type.String({ format: 'email' }),
    name: Type.Union([Type.String(), Type.Null()]),
    role: Type.Enum(ROLES),
    isInstanceAdmin: Type.Boolean(),
    siteIds: Type.Array(Type.String(), {
      description: 'Sites assigned to the user; members and viewers see only these',
    }),
    createdAt: Type.String({ format: 'date-time' }),
    lastLoginAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { examples: [MANAGED_USER_EXAMPLE] },
);
export type ManagedUser = Static<typeof ManagedUser>;

interface ManagedUserRow {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  is_instance_admin: boolean;
  site_ids: string[];
  created_at: Date;
  last_login_at: Date | null;
}

function toManagedUser(row: ManagedUserRow): ManagedUser {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    isInstanceAdmin: row.is_instance_admin,
    siteIds: row.site_ids,
    createdAt: row.created_at.toISOString(),
    lastLoginAt: row.last_login_at?.toISOString() ?? null,
  };
}

/** Users of one agency with their live assigned sites; `$2` narrows to one user when not null. */
const MANAGED_USERS_SQL = `
  SELECT u.id, u.email, u.name, u.role, u.is_instance_admin, u.created_at, u.last_login_at,
    COALESCE(
      (SELECT array_agg(m.site_id ORDER BY m.site_id) FROM site_members m
       JOIN sites s ON s.id = m.site_id AND s.agency_id = u.agency_id AND s.deleted_at IS NULL
       WHERE m.user_id = u.id),
      '{}') AS site_ids
  FROM dashboard_users u
  WHERE u.agency_id = $1 AND ($2::text IS NULL OR u.id = $2)
  ORDER BY u.created_at, u.id`;

export async function listManagedUsers(db: Queryable, agencyId: string): Promise<ManagedUser[]> {
  const { rows } = await db.query<ManagedUserRow>(MANAGED_USERS_SQL, [agencyId, null]);
  return rows.map(toManagedUser);
}

/** The user of this agency; another agency's user is "not found", like one that does not exist. */
export async function getManagedUser(db: Queryable, agencyId: string, userId: string): Promise<ManagedUser> {
  const { rows } = await db.query<ManagedUserRow>(MANAGED_USERS_SQL, [agencyId, userId]);
  if (rows[0] === undefined) throw new AppError('not_found', 'User not found', { field: 'userId' });
  return toManagedUser(rows[0]);
}

/** Owners left in the agency besides the given user. */
export async function countOtherOwners(db: Queryable, agencyId: string, userId: string): Promise<number> {
  const { rows } = await db.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM dashboard_users WHERE agency_id = $1 AND role = 'owner' AND id <> $2`,
    [agencyId, userId],
  );
  return rows[0]?.count ?? 0;
}
