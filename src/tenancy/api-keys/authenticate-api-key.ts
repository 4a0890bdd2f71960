import type { Queryable } from '../../db/pool.ts';
import { sha256Hex } from '../../lib/ids.ts';
import type { Actor } from '../auth/access-tokens.ts';
import { API_KEY_PREFIX, roleForScopes } from './api-key-record.ts';

/** last_used_at is written at most this often per key, so a busy key does not write on every call. */
export const LAST_USED_RESOLUTION_MS = 60 * 1000;

const KEY_SHAPE = new RegExp(`^${API_KEY_PREFIX}[0-9a-z]{32}$`);

/**
 * The actor a management API key stands for, or undefined when the key is unknown, revoked or
 * expired, or its creator is gone (removing a user revokes their keys; this holds even for a key
 * that escaped that). Keys are looked up by their SHA-256 only. The actor's userId is the key's
 * creator; apiKeyId marks it as a key for audit and permission checks.
 */
export async function authenticateApiKey({
  db,
  key,
  now = Date.now(),
}: {
  db: Queryable;
  key: string;
  now?: number;
}): Promise<Actor | undefined> {
  if (!KEY_SHAPE.test(key)) return undefined;
  const { rows } = await db.query<{
    id: string;
    agency_id: string;
    scopes: string[];
    created_by: string | null;
    expires_at: Date | null;
    revoked_at: Date | null;
    last_used_at: Date | null;
  }>(
    `SELECT id, agency_id, scopes, created_by, expires_at, revoked_at, last_used_at
     FROM api_keys WHERE key_hash = $1`,
    [sha256Hex(key)],
  );
  const row = rows[0];
  if (row === undefined || row.revoked_at !== null || row.created_by === null) return undefined;
  if (row.expires_at !== null && row.expires_at.getTime() <= now) return undefined;
  if (row.last_used_at === null || now - row.last_used_at.getTime() >= LAST_USED_RESOLUTION_MS) {
    // The condition repeats the check so concurrent requests of one key write once.
    await db.query(
      `UPDATE api_keys SET last_used_at = $2
       WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= $2::timestamptz - $3 * interval '1 millisecond')`,
      [row.id, new Date(now), LAST_USED_RESOLUTION_MS],
    );
  }
  return {
    agencyId: row.agency_id,
    userId: row.created_by,
    role: roleForScopes(row.scopes),
    isInstanceAdmin: false,
    apiKeyId: row.id,
  };
}
