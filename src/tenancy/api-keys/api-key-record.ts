import { Type, type Static } from 'typebox';
import type { Role } from '../users/roles.ts';

/** Every management API key starts with this, so requireActor can tell it from a JWT. */
export const API_KEY_PREFIX = 'bk_';

export const API_KEY_SCOPES = ['read', 'write'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** A read-only key as the API lists it: examples in the OpenAPI document. */
export const API_KEY_EXAMPLE = {
  id: 'key_06gzgjmnr0hknbpmcb73487wm8',
  name: 'Nightly reporting export',
  prefix: 'bk_rb3mvf4s',
  scopes: ['read'],
  createdBy: 'user_06gzgjmnr2ghf9d87yhttqw4ym',
  createdAt: '2026-11-20T09:30:00.000Z',
  lastUsedAt: '2026-11-24T02:00:07.000Z',
  expiresAt: null,
};

export const ApiKey = Type.Object(
  {
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
  },
  { examples: [API_KEY_EXAMPLE] },
);
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
