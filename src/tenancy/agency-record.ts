import { Type, type Static } from 'typebox';
import { ROLES, type Role } from './roles.ts';

export const User = Type.Object({
  id: Type.String({ examples: ['user_01hv4x2m3k9q8r7s6t5v4w3x2y'] }),
  agencyId: Type.String(),
  email: Type.String({ format: 'email' }),
  name: Type.Union([Type.String(), Type.Null()]),
  role: Type.Enum(ROLES),
  isInstanceAdmin: Type.Boolean(),
});
export type User = Static<typeof User>;

export const Agency = Type.Object({
  id: Type.String({ examples: ['agency_01hv4x2m3k9q8r7s6t5v4w3x2y'] }),
  name: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
});
export type Agency = Static<typeof Agency>;

export interface UserRow {
  id: string;
  agency_id: string;
  email: string;
  name: string | null;
  role: Role;
  is_instance_admin: boolean;
}

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    agencyId: row.agency_id,
    email: row.email,
    name: row.name,
    role: row.role,
    isInstanceAdmin: row.is_instance_admin,
  };
}
