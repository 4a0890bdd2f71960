import type { Queryable } from '../../db/pool.ts';
import { AppError } from '../../errors.ts';
import type { Actor } from '../auth/access-tokens.ts';
import { canManageUsers } from '../users/roles.ts';

export interface AuditEntry {
  id: number;
  actorType: string;
  actorId: string | null;
  action: string;
  targetType: string;
  targetId: string | null;
  ip: string | null;
  details: Record<string, unknown> | null;
  createdAt: string;
}

export interface AuditLogQuery {
  limit: number;
  /** Entries with a smaller id (older) only: the paging cursor. */
  before?: number;
  /** One action (`site.update`) or every action of a kind (`site`). */
  action?: string;
  /** Entries about this site, user, key, … only. */
  targetId?: string;
  /** Entries by this user or API key only. */
  actorId?: string;
}

/** The agency's management writes, newest first, narrowed by the query (owners and admins). */
export async function listAuditLog({
  db,
  actor,
  query,
}: {
  db: Queryable;
  actor: Actor;
  query: AuditLogQuery;
}): Promise<AuditEntry[]> {
  if (!canManageUsers(actor.role))
    throw new AppError('forbidden', 'Only owners and admins may read the audit log');
  const { rows } = await db.query<{
    id: string;
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
     FROM audit_log
     WHERE agency_id = $1 AND ($2::bigint IS NULL OR id < $2)
       AND ($4::text IS NULL OR action = $4 OR split_part(action, '.', 1) = $4)
       AND ($5::text IS NULL OR target_id = $5)
       AND ($6::text IS NULL OR actor_id = $6)
     ORDER BY id DESC LIMIT $3`,
    [
      actor.agencyId,
      query.before ?? null,
      query.limit,
      query.action ?? null,
      query.targetId ?? null,
      query.actorId ?? null,
    ],
  );
  return rows.map((row) => ({
    id: Number(row.id),
    actorType: row.actor_type,
    actorId: row.actor_id,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    ip: row.ip,
    details: row.details,
    createdAt: row.created_at.toISOString(),
  }));
}
