import { Type, type Static } from 'typebox';
import type { Queryable } from '../../db/pool.ts';
import { AppError } from '../../errors.ts';
import type { Actor } from './access-tokens.ts';

/** A signed-in browser session: examples in the OpenAPI document. */
export const SESSION_INFO_EXAMPLE = {
  id: 'fam_06gzgjmnr2bm98t9zrncs3mweg',
  createdAt: '2026-11-20T09:30:00.000Z',
  lastUsedAt: '2026-11-24T08:12:41.000Z',
  ip: '203.0.113.24',
  userAgent:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  current: true,
};

export const SessionInfo = Type.Object(
  {
    id: Type.String({
      description: 'The refresh-token family',
      examples: ['fam_01hv4x2m3k9q8r7s6t5v4w3x2y'],
    }),
    createdAt: Type.String({ format: 'date-time', description: 'When the session was signed in' }),
    lastUsedAt: Type.String({ format: 'date-time', description: 'When its refresh token was last rotated' }),
    ip: Type.Union([Type.String(), Type.Null()]),
    userAgent: Type.Union([Type.String(), Type.Null()]),
    current: Type.Boolean({ description: 'The session the calling access token belongs to' }),
  },
  { examples: [SESSION_INFO_EXAMPLE] },
);
export type SessionInfo = Static<typeof SessionInfo>;

/** Sessions are a person's; an API key has none and may not read its creator's. */
export function requireUserSession(actor: Actor): void {
  if (actor.apiKeyId !== undefined) throw new AppError('forbidden', 'API keys have no sessions');
}

/**
 * The caller's active sessions, most recently used first. A session is a refresh-token family with a
 * token that is neither spent, revoked nor expired; ip and user agent are those of its latest token.
 */
export async function listSessions({
  db,
  actor,
  now = Date.now(),
}: {
  db: Queryable;
  actor: Actor;
  now?: number;
}): Promise<SessionInfo[]> {
  requireUserSession(actor);
  const { rows } = await db.query<{
    family_id: string;
    created_at: Date;
    last_used_at: Date;
    ip: string | null;
    user_agent: string | null;
  }>(
    `SELECT family_id, min(created_at) AS created_at, max(created_at) AS last_used_at,
       (array_agg(ip ORDER BY created_at DESC))[1] AS ip,
       (array_agg(user_agent ORDER BY created_at DESC))[1] AS user_agent
     FROM refresh_tokens
     WHERE user_id = $1 AND agency_id = $2
     GROUP BY family_id
     HAVING bool_or(revoked_at IS NULL AND used_at IS NULL AND expires_at > $3)
     ORDER BY last_used_at DESC, family_id`,
    [actor.userId, actor.agencyId, new Date(now)],
  );
  return rows.map((row) => ({
    id: row.family_id,
    createdAt: row.created_at.toISOString(),
    lastUsedAt: row.last_used_at.toISOString(),
    ip: row.ip,
    userAgent: row.user_agent,
    current: row.family_id === actor.sessionId,
  }));
}
