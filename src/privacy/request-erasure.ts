import { withTransaction, type Pool } from '../db/pool.ts';
import { newId } from '../lib/ids.ts';
import type { Actor } from '../tenancy/auth/access-tokens.ts';
import { recordAudit } from '../tenancy/audit/record-audit.ts';
import { authorizeSubject, type DataSubject } from './data-subject.ts';
import { ERASURE_COLUMNS, toErasure, type Erasure, type ErasureRow } from './erasure-record.ts';

/**
 * Queues the erasure of a data subject and answers it pending; the job runner does the work
 * (erasure-queue.ts). Idempotent: while an erasure of the same subject is pending, asking again
 * answers that one; after it is done, a new one is queued, which removes whatever arrived since.
 * The audit log records who asked, never whom about.
 */
export async function requestErasure({
  db,
  actor,
  subject,
  ip,
}: {
  db: Pool;
  actor: Actor;
  subject: DataSubject;
  ip: string | undefined;
}): Promise<Erasure> {
  const { agencyId } = await authorizeSubject(db, actor, subject);
  const siteId = subject.kind === 'visitor' ? subject.siteId : null;
  const identifiers = [
    subject.kind === 'visitor' ? subject.visitorId : null,
    subject.kind === 'user' ? subject.userId : null,
    subject.kind === 'email' ? subject.emailHash : null,
  ];
  return withTransaction(db, async (client) => {
    // Two identical requests at once would each find nothing pending: serialise them per subject.
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
      JSON.stringify([agencyId, siteId, subject.kind, ...identifiers]),
    ]);
    const pending = await client.query<ErasureRow>(
      `SELECT ${ERASURE_COLUMNS} FROM erasures
       WHERE agency_id = $1 AND site_id IS NOT DISTINCT FROM $2 AND subject_kind = $3 AND status = 'pending'
         AND visitor_id IS NOT DISTINCT FROM $4 AND user_id IS NOT DISTINCT FROM $5
         AND email_hash IS NOT DISTINCT FROM $6
       ORDER BY id LIMIT 1`,
      [agencyId, siteId, subject.kind, ...identifiers],
    );
    if (pending.rows[0] !== undefined) return toErasure(pending.rows[0]);
    const { rows } = await client.query<ErasureRow>(
      `INSERT INTO erasures (public_id, agency_id, site_id, subject_kind, visitor_id, user_id, email_hash, requested_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       RETURNING ${ERASURE_COLUMNS}`,
      [newId('era'), agencyId, siteId, subject.kind, ...identifiers, actor.apiKeyId ?? actor.userId],
    );
    const erasure = toErasure(rows[0]!);
    await recordAudit(client, {
      actor,
      action: 'data_subject.erase',
      targetType: 'erasure',
      targetId: erasure.id,
      ip,
      details: { siteId, subjectKind: subject.kind },
    });
    return erasure;
  });
}
