import { Type } from 'typebox';
import type { Pool } from '../../db/pool.ts';
import { AppError } from '../../errors.ts';
import { actorOf, requireActor } from '../../http/auth.ts';
import { errorResponses, type App } from '../../http/types.ts';
import type { AccessTokens } from '../auth/access-tokens.ts';
import { canManageUsers } from '../users/roles.ts';

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
        summary: "The agency's management writes, newest first (owner or admin)",
        security: [{ bearerAuth: [] }],
        querystring: Type.Object({
          limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
          before: Type.Optional(
            Type.Integer({ minimum: 1, description: 'Entries with a smaller id (older)' }),
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
    async (request) => {
      const actor = actorOf(request);
      if (!canManageUsers(actor.role))
        throw new AppError('forbidden', 'Only owners and admins may read the audit log');
      const { rows } = await deps.db.query<{
        id: number;
        actor_type: string;
        actor_id: string | null;
        action: string;
        target_type: string;
        target_id: string | null;
        ip: string | null;
        details: Record<string, unknown> | null;
        created_at: Date;
      }>(
        `SELECT id, actor_type, actor_id, action, target_type, target_id, ip, details, created_at
         FROM audit_log WHERE agency_id = $1 AND ($2::bigint IS NULL OR id < $2)
         ORDER BY id DESC LIMIT $3`,
        [actor.agencyId, request.query.before ?? null, request.query.limit],
      );
      return {
        entries: rows.map((row) => ({
          id: row.id,
          actorType: row.actor_type,
          actorId: row.actor_id,
          action: row.action,
          targetType: row.target_type,
          targetId: row.target_id,
          ip: row.ip,
          details: row.details,
          createdAt: row.created_at.toISOString(),
        })),
      };
    },
  );
}
