import { Type } from 'typebox';
import type { Pool } from '../../db/pool.ts';
import { actorOf, requireActor } from '../../http/auth.ts';
import { errorResponses, type App } from '../../http/types.ts';
import type { AccessTokens } from './access-tokens.ts';
import { listSessions, SESSION_INFO_EXAMPLE, SessionInfo } from './list-sessions.ts';
import { revokeSession } from './revoke-session.ts';

export function registerSessionRoutes(app: App, deps: { db: Pool; tokens: AccessTokens }) {
  const security = [{ bearerAuth: [] }];
  const onRequest = requireActor(deps);

  app.get(
    '/api/auth/sessions',
    {
      onRequest,
      schema: {
        tags: ['auth'],
        summary: "The caller's active sessions (signed-in devices), most recently used first",
        security,
        response: {
          200: Type.Object(
            { sessions: Type.Array(SessionInfo) },
            { examples: [{ sessions: [SESSION_INFO_EXAMPLE] }] },
          ),
          ...errorResponses(401, 403),
        },
      },
    },
    async (request) => ({ sessions: await listSessions({ db: deps.db, actor: actorOf(request) }) }),
  );

  app.delete(
    '/api/auth/sessions/:sessionId',
    {
      onRequest,
      schema: {
        tags: ['auth'],
        summary: "Sign out one of the caller's sessions",
        security,
        params: Type.Object({ sessionId: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await revokeSession({
        db: deps.db,
        actor: actorOf(request),
        sessionId: request.params.sessionId,
        ip: request.ip,
      });
      return reply.status(204).send(null);
    },
  );
}
