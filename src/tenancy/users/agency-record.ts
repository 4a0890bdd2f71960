import { Type, type Static } from 'typebox';
import { ROLES, type Role } from './roles.ts';

/** An owner as the API shows them: examples in the OpenAPI document. */
export const USER_EXAMPLE = {
  id: 'user_06gzgjmnr2ghf9d87yhttqw4ym',
  agencyId: 'agency_06gzgjmnr1k8aq2ztkcnfr68br',
  email: 'owner@agency.example',
  name: 'Dana Whitfield',
  role: 'owner',
  isInstanceAdmin: false,
};

export const User = Type.Object(
  {
    id: Type.String({ examples: ['user_01hv4x2m3k9q8r7s6t5v4w3x2y'] }),
    agencyId: Type.String(),
    email: Type.String({ format: 'email' }),
    name: Type.Union([Type.String(), Type.Null()]),
    role: Type.Enum(ROLES),
    isInstanceAdmin: Type.Boolean(),
  },
  { examples: [USER_EXAMPLE] },
);
export type User = Static<typeof User>;

export const Agency = Type.Object(
  {
    id: Type.String({ examples: ['agency_01hv4x2m3k9q8r7s6t5v4w3x2y'] }),
    name: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
  },
  {
    examples: [
      {
        id: 'agency_06gzgjmnr1k8aq2ztkcnfr68br',
        name: 'Northwind Digital',
        createdAt: '2026-11-20T09:30:00.000Z',
      },
    ],
  },
);
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
