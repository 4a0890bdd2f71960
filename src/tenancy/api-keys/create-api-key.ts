import { withTransaction, type Pool } from '../../db/pool.ts';
import { AppError } from '../../errors.ts';
import { newId, newSecret, sha256Hex } from '../../lib/ids.ts';
import type { Actor } from '../auth/access-tokens.ts';
import {
  API_KEY_COLUMNS,
  API_KEY_PREFIX,
  toApiKey,
  type ApiKey,
  type ApiKeyRow,
  type ApiKeyScope,
} from './api-key-record.ts';
import { recordAudit } from '../audit/record-audit.ts';
import { requireManager } from '../users/require-manager.ts';

export interface CreateApiKeyInput {
  name: string;
  scopes: ApiKeyScope[];
  /** ISO date-time in the future; absent: the key does not expire. */
  expiresAt?: string;
}

/** Characters of the key kept in clear, to recognise it in lists: `bk_` and eight more. */
const PREFIX_LENGTH = API_KEY_PREFIX.length + 8;

/** `['read']` or `['read', 'write']`, in this order, whatever order they came in. */
export function normalizeScopes(scopes: readonly string[]): ApiKeyScope[] {
  if (!scopes.includes('read')) {
    throw new AppError('validation_failed', "scopes must include 'read': ['read'] or ['read', 'write']", {
      field: 'scopes',
    });
  }
  return scopes.includes('write') ? ['read', 'write'] : ['read'];
}

/**
 * Creates a management API key for the actor's agency (owners and admins signed in as a person).
 * The key (`bk_` + 32 base32 characters, 160 bits) is returned here once; only its prefix and
 * SHA-256 are stored.
 */
export async function createApiKey({
  db,
  actor,
  input,
  ip,
  now = Date.now(),
}: {
  db: Pool;
  actor: Actor;
  input: CreateApiKeyInput;
  ip: string | undefined;
  now?: number;
}): Promise<ApiKey & { key: string }> {
  const scopes = normalizeScopes(input.scopes);
  const expiresAt = input.expiresAt === undefined ? null : new Date(input.expiresAt);
  if (expiresAt !== null && !(expiresAt.getTime() > now)) {
    throw new AppError('validation_failed', 'expiresAt must be in the future', { field: 'expiresAt' });
  }
  const name = input.name.trim();
  if (name === '') throw new AppError('validation_failed', 'name must not be blank', { field: 'name' });
  const key = newSecret(API_KEY_PREFIX.slice(0, -1));
  return withTransaction(db, async (client) => {
    await requireManager(client, actor);
    const { rows } = await client.query<ApiKeyRow>(
      `INSERT INTO api_keys (id, agency_id, name, key_prefix, key_hash, scopes, created_by, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${API_KEY_COLUMNS}`,
      [
        newId('key'),
        actor.agencyId,
        name,
        key.slice(0, PREFIX_LENGTH),
        sha256Hex(key),
        scopes,
        actor.userId,
        expiresAt,
      ],
    );
    const apiKey = toApiKey(rows[0]!);
    await recordAudit(client, {
      actor,
      action: 'api_key.create',
      targetType: 'api_key',
      targetId: apiKey.id,
      ip,
      details: { name, scopes, prefix: apiKey.prefix },
    });
    return { ...apiKey, key };
  });
}
