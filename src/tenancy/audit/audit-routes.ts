import { Type } from 'typebox';
import type { Pool } from '../../db/pool.ts';
import { actorOf, requireActor } from '../../http/auth.ts';
import { errorResponses, type App } from '../../http/types.ts';
import type { AccessTokens } from '../auth/access-tokens.ts';
import { listAuditLog } from './list-audit-log.ts';

/** Two writes as the audit log shows them: examples in the OpenAPI document. */
const AUDIT_ENTRY_EXAMPLES = [
  {
    id: 4182,
    actorType: 'user',
    actorId: 'user_06gzgjmnr2ghf9d87yhttqw4ym',
    action: 'user.update',
    targetType: 'user',
    targetId: 'user_06gzgjmnr2dy6rzgwxs6k5h6z0',
    ip: '203.0.113.24',
    details: { role: { from: 'viewer', to: 'member' } },
    createdAt: '2026-11-24T08:15:02.000Z',
  },
  {
    id: 4181,
    actorType: 'api_key',
    actorId: 'key_06gzgjmnr0hknbpmcb73487wm8',
    action: 'site.update',
    targetType: 'site',
    targetId: 'site_06gzgjmnr0jw6tbx12sers57qg',
    ip: '198.51.100.7',
    details: { changed: ['retention_days'] },
    createdAt: '2026-11-24T02:00:07.000Z',
  },
];

const AuditEntry = Type.Object({
  id: Type.Integer(),
  actorType: Type.String(),
  actorId: Type.Union([Type.String(), Type.Null()]),
  action: Type.String({ examples: ['site.update'] }),
  targetType: Type.String(),
  targetId: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  details: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
});

export function registerAuditRoutes(app: App, deps: { db: Pool; tokens: AccessTokens }) {
  app.get(
    '/api/audit-log',
    {
      onRequest: requireActor(deps),
      schema: {
        tags: ['audit'],
        summary:
          "The agency's management writes, newest first, filtered by action, target or actor (owner or admin)",
        security: [{ bearerAuth: [] }],
        querystring: Type.Object({
          limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
          before: Type.Optional(
            Type.Integer({ minimum: 1, description: 'Entries with a smaller id (older)' }),
          ),
          action: Type.Optional(
            Type.String({
              pattern: '^[a-z_]+(\\.[a-z_]+)?$',
              description: 'One action (site.update), or every action of a kind (site)',
              examples: ['site', 'user.update'],
            }),
          ),
          targetId: Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 64,
              description: 'Entries about this site, user, key, …',
            }),
          ),
          actorId: Type.Optional(
            Type.String({ minLength: 1, maxLength: 64, description: 'Entries by this user or API key' }),
          ),
        }),
        response: {
          200: Type.Object(
            { entries: Type.Array(AuditEntry) },
            { examples: [{ entries: AUDIT_ENTRY_EXAMPLES }] },
          ),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => ({
      entries: await listAuditLog({ db: deps.db, actor: actorOf(request), query: request.query }),
    }),
  );
}
