import type { Queryable } from '../../db/pool.ts';
import { newId } from '../../lib/ids.ts';
import { toUser, type User, type UserRow } from '../users/agency-record.ts';
import type { AccessTokens, Actor } from './access-tokens.ts';
import { issueRefreshToken, type ClientMeta } from './refresh-tokens.ts';

export interface Session {
  accessToken: string;
  refreshToken: string;
  user: User;
}

export function actorOf(user: UserRow, sessionId: string): Actor {
  return {
    userId: user.id,
    agencyId: user.agency_id,
    role: user.role,
    isInstanceAdmin: user.is_instance_admin,
    sessionId,
  };
}

/**
 * Starts a session for a user whose identity is established (password, invitation): a new refresh
 * token family, and an access token that names it so the session list can mark the current one.
 */
export async function startSession({
  db,
  tokens,
  user,
  meta,
}: {
  db: Queryable;
  tokens: AccessTokens;
  user: UserRow;
  meta: ClientMeta;
}): Promise<Session> {
  const familyId = newId('fam');
  const refreshToken = await issueRefreshToken(db, {
    userId: user.id,
    agencyId: user.agency_id,
    familyId,
    meta,
  });
  return { accessToken: tokens.sign(actorOf(user, familyId)), refreshToken, user: toUser(user) };
}
