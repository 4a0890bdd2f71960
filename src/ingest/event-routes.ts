import { Type } from 'typebox';
import type { Pool } from '../db/pool.ts';
import { actorOf, requireActor } from '../http/auth.ts';
import { errorResponses, type App } from '../http/types.ts';
import type { AccessTokens } from '../tenancy/auth/access-tokens.ts';
import { EventPage, listEvents } from './list-events.ts';

export function registerEventRoutes(app: App, deps: { db: Pool; tokens: AccessTokens }) {
  app.get(
    '/api/sites/:siteId/events',
    {
      onRequest: requireActor(deps),
      schema: {
        tags: ['events'],
        summary: 'The latest stored events of a site, enriched, newest first',
        security: [{ bearerAuth: [] }],
        params: Type.Object({ siteId: Type.String({ minLength: 1, maxLength: 64 }) }),
        querystring: Type.Object({
          limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
          before: Type.Optional(Type.String({ maxLength: 200 })),
        }),
        response: { 200: EventPage, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) =>
      listEvents({
        db: deps.db,
        actor: actorOf(request),
        siteId: request.params.siteId,
        limit: request.query.limit,
        before: request.query.before,
      }),
  );
}
