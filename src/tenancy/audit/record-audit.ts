import type { Queryable } from '../../db/pool.ts';
import type { Actor } from '../auth/access-tokens.ts';

/** Stable snake_case names of audited actions: `site.create`, `user.invite`, … */
export type AuditAction =
  | 'agency.create'
  | 'site.create'
  | 'site.update'
  | 'site.delete'
  | 'site.restore'
  | 'user.invite'
  | 'user.update'
  | 'user.delete'
  | 'invitation.accept'
  | 'invitation.revoke'
  | 'api_key.create'
  | 'api_key.revoke'
  | 'password.reset'
  | 'password.reset_issue'
  | 'session.revoke'
  | (string & { readonly auditAction?: never });

/** Beacon itself acting on an operator's command (the CLI), which no user or key stands for. */
export interface SystemActor {
  system: 'cli';
  agencyId: string;
}

/**
 * Records a management write: who (user, API key or the system), what, on which target, when and
 * from which IP. Call it in the same transaction as the write when there is one, so the log cannot miss a change.
 */
export async function recordAudit(
  db: Queryable,
  entry: {
    actor: Actor | SystemActor;
    action: AuditAction;
    targetType: string;
    targetId: string | null;
    ip: string | undefined;
    details?: Record<string, unknown>;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO audit_log (agency_id, actor_type, actor_id, action, target_type, target_id, ip, details)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      entry.actor.agencyId,
      ...actorColumns(entry.actor),
      entry.action,
      entry.targetType,
      entry.targetId,
      entry.ip ?? null,
      entry.details ? JSON.stringify(entry.details) : null,
    ],
  );
}

function actorColumns(actor: Actor | SystemActor): [type: string, id: string] {
  if ('system' in actor) return ['system', actor.system];
  return actor.apiKeyId ? ['api_key', actor.apiKeyId] : ['user', actor.userId];
}
