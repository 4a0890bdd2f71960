import type { Pool } from '../../db/pool.ts';
import { AppError } from '../../errors.ts';
import { toUser } from '../users/agency-record.ts';
import type { AccessTokens } from './access-tokens.ts';
import { rotateRefreshToken, type ClientMeta } from './refresh-tokens.ts';
import { actorOf, type Session } from './start-session.ts';

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
        accessToken: tokens.sign(actorOf(result.user, result.familyId)),
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
