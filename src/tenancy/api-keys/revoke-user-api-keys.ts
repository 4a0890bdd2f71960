import type { Queryable } from '../../db/pool.ts';

/**
 * Revokes the live keys a user created, inside the caller's transaction: when the user is removed,
 * or keeps only a role that may not make keys (member, viewer). A key belongs to the agency, but
 * its creator has seen it, and with it could go on acting as an admin after leaving. Returns the
 * ids revoked, for the audit entry.
 */
export async function revokeUserApiKeys(
  db: Queryable,
  { agencyId, userId }: { agencyId: string; userId: string },
): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `UPDATE api_keys SET revoked_at = now()
     WHERE agency_id = $1 AND created_by = $2 AND revoked_at IS NULL RETURNING id`,
    [agencyId, userId],
  );
  return rows.map((row) => row.id).sort();
}
