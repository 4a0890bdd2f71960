import type { Queryable } from '../../db/pool.ts';
import type { Actor } from '../auth/access-tokens.ts';
import { API_KEY_COLUMNS, toApiKey, type ApiKey, type ApiKeyRow } from './api-key-record.ts';
import { requireManager } from '../users/require-manager.ts';

/** The agency's keys that are not revoked (expired ones included, marked by expiresAt), newest first; never a secret. */
export async function listApiKeys({ db, actor }: { db: Queryable; actor: Actor }): Promise<ApiKey[]> {
  await requireManager(db, actor);
  const { rows } = await db.query<ApiKeyRow>(
    `SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE agency_id = $1 AND revoked_at IS NULL
     ORDER BY created_at DESC, id DESC`,
    [actor.agencyId],
  );
  return rows.map(toApiKey);
}
