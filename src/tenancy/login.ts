import type { Pool } from '../db/pool.ts';
import { AppError } from '../http/errors.ts';
import type { AccessTokens } from './access-tokens.ts';
import { toUser, type User, type UserRow } from './agency-record.ts';
import { DUMMY_PASSWORD_HASH, verifyPassword } from './passwords.ts';
import { issueRefreshToken, rotateRefreshToken, type ClientMeta } from './refresh-tokens.ts';

export interface Session {
  accessToken: string;
  refreshToken: string;
  user: User;
}

function actorOf(user: UserRow) {
  return {
    userId: user.id,
    agencyId: user.agency_id,
    role: user.role,
    isInstanceAdmin: user.is_instance_admin,
  };
}

/** One message for unknown email and wrong password, so the response does not reveal accounts. */
const INVALID_CREDENTIALS = 'Invalid email or password';

export async function login({
  db,
  tokens,
  input,
  meta,
}: {
  db: Pool;
  tokens: AccessTokens;
  input: { email: string; password: string };
  meta: ClientMeta;
}): Promise<Session> {
  const { rows } = await db.query<UserRow & { password_hash: string }>(
    `SELECT id, agency_id, email, name, role, is_instance_admin, password_hash
     FROM dashboard_users WHERE email = $1`,
    [input.email.trim().toLowerCase()],
  );
  const user = rows[0];
  const valid = await verifyPassword(input.password, user?.password_hash ?? DUMMY_PASSWORD_HASH);
  if (user === undefined || !valid) throw new AppError('unauthorized', INVALID_CREDENTIALS);
  await db.query('UPDATE dashboard_users SET last_login_at = now() WHERE id = $1', [user.id]);
  const refreshToken = await issueRefreshToken(db, { userId: user.id, agencyId: user.agency_id, meta });
  return { accessToken: tokens.sign(actorOf(user)), refreshToken, user: toUser(user) };
}

export async function refreshSession({
  db,
  tokens,
  input,
  meta,
}: {
  db: Pool;
  tokens: AccessTokens;
  input: { refreshToken: string };
  meta: ClientMeta;
}): Promise<Session> {
  const result = await rotateRefreshToken(db, input.refreshToken, meta);
  switch (result.outcome) {
    case 'rotated':
      return {
        accessToken: tokens.sign(actorOf(result.user)),
        refreshToken: result.refreshToken,
        user: toUser(result.user),
      };
    case 'reused':
      throw new AppError('unauthorized', 'Refresh token was already used; this session has been revoked', {
        field: 'refreshToken',
      });
    case 'invalid':
      throw new AppError('unauthorized', 'Refresh token is invalid or expired', { field: 'refreshToken' });
  }
}
