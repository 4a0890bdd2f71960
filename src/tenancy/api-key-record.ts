import { Type, type Static } from 'typebox';
import type { Role } from './roles.ts';

/** Every management API key starts with this, so requireActor can tell it from a JWT. */
export const API_KEY_PREFIX = 'bk_';

export const API_KEY_SCOPES = ['read', 'write'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export const ApiKey = Type.Object({
  id: Type.String({ examples: ['key_01hv4x2m3k9q8r7s6t5v4w3x2y'] }),
  name: Type.String({ examples: ['Reporting export'] }),
  prefix: Type.String({
    description: 'First characters of the key, to recognise it',
    examples: ['bk_7f3k9q2m'],
  }),
  scopes: Type.Array(Type.Enum(API_KEY_SCOPES)),
  createdBy: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'Updated at most once a minute',
  }),
  expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export type ApiKey = Static<typeof ApiKey>;

export interface ApiKeyRow {
  id: string;
  name: string;
  key_prefix: string;
  scopes: ApiKeyScope[];
  created_by: string | null;
  created_at: Date;
  last_used_at: Date | null;
  expires_at: Date | null;
}

export const API_KEY_COLUMNS =
  'id, name, key_prefix, scopes, created_by, created_at, last_used_at, expires_at';

export function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    name: row.name,
    prefix: row.key_prefix,
    scopes: row.scopes,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
    expiresAt: row.expires_at?.toISOString() ?? null,
  };
}

/**
 * The role a key acts with: read+write keys act as an admin (sites and their data, never users,
 * invitations or keys), read-only keys as a viewer. Either way a key sees every site of its agency.
 */
export function roleForScopes(scopes: readonly string[]): Role {
  return scopes.includes('write') ? 'admin' : 'viewer';
}
