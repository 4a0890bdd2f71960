import { Type, type Static } from 'typebox';

export const INVITABLE_ROLES = ['admin', 'member', 'viewer'] as const;
export type InvitableRole = (typeof INVITABLE_ROLES)[number];

/** Invitations are valid for seven days and can be accepted once. */
export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** A pending invitation as the API shows it: examples in the OpenAPI document. */
export const INVITATION_EXAMPLE = {
  id: 'inv_06gzgjmnr3tnfxxcptw7nr98wc',
  email: 'new.colleague@agency.example',
  role: 'member',
  siteIds: ['site_06gzgjmnr0jw6tbx12sers57qg'],
  createdBy: 'user_06gzgjmnr2ghf9d87yhttqw4ym',
  createdAt: '2026-11-20T09:30:00.000Z',
  expiresAt: '2026-11-27T09:30:00.000Z',
};

export const Invitation = Type.Object(
  {
    id: Type.String({ examples: ['inv_01hv4x2m3k9q8r7s6t5v4w3x2y'] }),
    email: Type.String({ format: 'email' }),
    role: Type.Enum(INVITABLE_ROLES),
    siteIds: Type.Array(Type.String()),
    createdBy: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String({ format: 'date-time' }),
    expiresAt: Type.String({ format: 'date-time' }),
  },
  { examples: [INVITATION_EXAMPLE] },
);
export type Invitation = Static<typeof Invitation>;

export interface InvitationRow {
  id: string;
  email: string;
  role: InvitableRole;
  site_ids: string[];
  created_by: string | null;
  created_at: Date;
  expires_at: Date;
}

export const INVITATION_COLUMNS = 'id, email, role, site_ids, created_by, created_at, expires_at';

export function toInvitation(row: InvitationRow): Invitation {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    siteIds: row.site_ids,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
  };
}
