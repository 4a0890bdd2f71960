import { withTransaction, type Pool } from '../../db/pool.ts';
import { AppError } from '../../errors.ts';
import type { Actor } from '../auth/access-tokens.ts';
import { recordAudit } from '../audit/record-audit.ts';
import { requireManager } from '../users/require-manager.ts';

/**
 * Revokes a key of the actor's agency; the next request with it answers 401. Another agency's key,
 * or one already revoked, is "not found".
 */
export async function revokeApiKey({
  db,
  actor,
  apiKeyId,
  ip,
}: {
  db: Pool;
  actor: Actor;
  apiKeyId: string;
  ip: string | undefined;
}): Promise<void> {
  await withTransaction(db, async (client) => {
    await requireManager(client, actor);
    const { rows } = await client.query<{ name: string; key_prefix: string }>(
      `UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND agency_id = $2 AND revoked_at IS NULL
       RETURNING name, key_prefix`,
      [apiKeyId, actor.agencyId],
    );
    if (rows[0] === undefined) throw new AppError('not_found', 'API key not found', { field: 'apiKeyId' });
    await recordAudit(client, {
      actor,
      action: 'api_key.revoke',
      targetType: 'api_key',
      targetId: apiKeyId,
      ip,
      details: { name: rows[0].name, prefix: rows[0].key_prefix },
    });
  });
}
