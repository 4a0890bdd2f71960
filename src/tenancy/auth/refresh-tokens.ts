import type { Pool, Queryable } from '../../db/pool.ts';
import { withTransaction } from '../../db/pool.ts';
import { newId, newSecret, sha256Hex } from '../../lib/ids.ts';
import type { UserRow } from '../users/agency-record.ts';

export const REFRESH_TOKEN_TTL_MS = 30 * 24 * 60 * 60 * 1000;

export interface ClientMeta {
  ip: string | undefined;
  userAgent: string | undefined;
}

/**
 * Stores only the SHA-256 of the token: a database leak does not hand out sessions. A login starts a
 * new family (`newId('fam')`), which is the session id users see and revoke; rotation continues it.
 */
export async function issueRefreshToken(
  db: Queryable,
  params: { userId: string; agencyId: string; familyId: string; meta: ClientMeta },
): Promise<string> {
  const token = newSecret('rt');
  await db.query(
    `INSERT INTO refresh_tokens (id, user_id, agency_id, family_id, token_hash, expires_at, ip, user_agent)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      newId('rt'),
      params.userId,
      params.agencyId,
      params.familyId,
      sha256Hex(token),
      new Date(Date.now() + REFRESH_TOKEN_TTL_MS),
      params.meta.ip ?? null,
      params.meta.userAgent?.slice(0, 512) ?? null,
    ],
  );
  return token;
}

export type RotationResult =
  | { outcome: 'rotated'; user: UserRow; refreshToken: string; familyId: string }
  | { outcome: 'invalid' }
  | { outcome: 'reused' };

/**
 * Spends a refresh token and issues its successor in the same family. Presenting a token that was
 * already spent means it was copied: the whole family is revoked, the thief's and the owner's.
 */
export async function rotateRefreshToken(db: Pool, token: string, meta: ClientMeta): Promise<RotationResult> {
  return withTransaction(db, async (client) => {
    const { rows } = await client.query<{
      family_id: string;
      user_id: string;
      agency_id: string;
      expires_at: Date;
      used_at: Date | null;
      revoked_at: Date | null;
    }>(
      `SELECT family_id, user_id, agency_id, expires_at, used_at, revoked_at
       FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE`,
      [sha256Hex(token)],
    );
    const row = rows[0];
    if (row === undefined || row.revoked_at !== null || row.expires_at.getTime() <= Date.now()) {
      return { outcome: 'invalid' };
    }
    if (row.used_at !== null) {
      await revokeFamily(client, row.family_id);
      return { outcome: 'reused' };
    }
    await client.query('UPDATE refresh_tokens SET used_at = now() WHERE token_hash = $1', [sha256Hex(token)]);
    const { rows: users } = await client.query<UserRow>(
      `SELECT id, agency_id, email, name, role, is_instance_admin FROM dashboard_users
       WHERE id = $1 AND agency_id = $2`,
      [row.user_id, row.agency_id],
    );
    const user = users[0];
    if (user === undefined) return { outcome: 'invalid' };
    const refreshToken = await issueRefreshToken(client, {
      userId: user.id,
      agencyId: user.agency_id,
      familyId: row.family_id,
      meta,
    });
    return { outcome: 'rotated', user, refreshToken, familyId: row.family_id };
  });
}

export async function revokeFamily(db: Queryable, familyId: string): Promise<void> {
  await db.query('UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL', [
    familyId,
  ]);
}

/** Logout: revokes the session (token family) the given refresh token belongs to. */
export async function revokeRefreshToken(db: Queryable, token: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE refresh_tokens SET revoked_at = now()
     WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = $1) AND revoked_at IS NULL`,
    [sha256Hex(token)],
  );
  return Boolean(rowCount);
}
