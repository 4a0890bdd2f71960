import type { Queryable } from '../db/pool.ts';
import { AppError } from '../errors.ts';
import { hashUserIdentifiers } from '../ingest/user-hashes.ts';
import type { Actor } from '../tenancy/auth/access-tokens.ts';
import { getSite } from '../tenancy/sites/get-site.ts';
import { currentActor } from '../tenancy/users/current-actor.ts';
import { canManageSites } from '../tenancy/users/roles.ts';

/**
 * Whom an export or erasure is about: one visitor id of one site, or a person across every site of
 * the agency, found by the `userId` a site sent or by email. An email is never kept: only its SHA-256
 * as Beacon stores it (user_hashes.em), so it matches what `identify` events recorded.
 */
export type DataSubject =
  | { kind: 'visitor'; siteId: string; visitorId: string }
  | { kind: 'user'; userId: string }
  | { kind: 'email'; emailHash: string };

/** The email's hash as ingestion stores it; a 400 naming `email` when it is not an address. */
export function emailSubject(email: string): DataSubject {
  const emailHash = hashUserIdentifiers({ email })?.em;
  if (emailHash === undefined) {
    throw new AppError('validation_failed', 'email must be an email address', { field: 'email' });
  }
  return { kind: 'email', emailHash };
}

/** One site's part of a subject: the visitor ids that are this person there. */
export interface SubjectSite {
  siteId: string;
  siteName: string;
  visitorIds: string[];
  /** For a person found by userId: consent records a server filed under it count too. */
  userId: string | null;
}

/**
 * Checks the actor may see and erase personal data: owners and admins (their role read from the
 * database), of the subject's site or of their whole agency. Another agency's site is "not found".
 * Answers the agency the subject is looked up in, never one the request named.
 */
export async function authorizeSubject(
  db: Queryable,
  actor: Actor,
  subject: DataSubject,
): Promise<{ agencyId: string; site?: { id: string; name: string } }> {
  if (subject.kind === 'visitor') {
    // getSite finds only a site of the actor's agency.
    const site = await getSite({ db, actor, siteId: subject.siteId, access: 'manage' });
    return { agencyId: actor.agencyId, site };
  }
  const current = await currentActor(db, actor);
  if (!canManageSites(current.role)) {
    throw new AppError('forbidden', `Your role (${current.role}) may not see or erase personal data`);
  }
  return { agencyId: current.agencyId };
}

/**
 * The sites that hold the subject, after authorizeSubject. For a person, only the actor's own
 * agency's sites are searched, soft-deleted ones included (their data is held until it is purged).
 */
export async function resolveSubject(
  db: Queryable,
  actor: Actor,
  subject: DataSubject,
): Promise<SubjectSite[]> {
  const { agencyId, site } = await authorizeSubject(db, actor, subject);
  if (subject.kind === 'visitor') {
    return [{ siteId: site!.id, siteName: site!.name, visitorIds: [subject.visitorId], userId: null }];
  }
  return sitesOfPerson(db, agencyId, subject);
}

/**
 * The sites of the agency where the person appears, with the visitor ids linked to them there: ids
 * of events that carried the userId or the email hash (identify), and of consent records filed
 * under the userId. Both lookups use the partial indexes of migration 019.
 */
export async function sitesOfPerson(
  db: Queryable,
  agencyId: string,
  subject: Exclude<DataSubject, { kind: 'visitor' }>,
): Promise<SubjectSite[]> {
  const byUser = subject.kind === 'user';
  const value = byUser ? subject.userId : subject.emailHash;
  const { rows } = await db.query<{
    site_id: string;
    name: string;
    visitor_ids: string[];
    has_user: boolean;
  }>(
    `SELECT s.id AS site_id, s.name, linked.visitor_ids, linked.has_user
     FROM sites s
     CROSS JOIN LATERAL (
       SELECT coalesce(array_agg(DISTINCT v.visitor_id) FILTER (WHERE v.visitor_id IS NOT NULL), '{}') AS visitor_ids,
              bool_or(v.from_consent) AS has_user
       FROM (
         SELECT e.visitor_id, false AS from_consent FROM events e
         WHERE e.site_id = s.id AND ${byUser ? 'e.user_id = $2' : `e.user_hashes IS NOT NULL AND e.user_hashes ->> 'em' = $2`}
         UNION ALL
         SELECT c.visitor_id, true FROM consent_records c
         WHERE $3 AND c.site_id = s.id AND c.user_id = $2
       ) v
     ) linked
     WHERE s.agency_id = $1 AND (cardinality(linked.visitor_ids) > 0 OR linked.has_user)
     ORDER BY s.created_at, s.id`,
    [agencyId, value, byUser],
  );
  return rows.map((row) => ({
    siteId: row.site_id,
    siteName: row.name,
    visitorIds: row.visitor_ids,
    userId: byUser ? subject.userId : null,
  }));
}
