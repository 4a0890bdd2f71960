import type { Queryable } from '../../db/pool.ts';
import type { Actor } from '../auth/access-tokens.ts';
import {
  INVITATION_COLUMNS,
  toInvitation,
  type Invitation,
  type InvitationRow,
} from './invitation-record.ts';
import { requireManager } from '../users/require-manager.ts';

/** The agency's pending invitations: neither accepted, revoked nor expired; newest first. */
export async function listInvitations({
  db,
  actor,
  now = Date.now(),
}: {
  db: Queryable;
  actor: Actor;
  now?: number;
}): Promise<Invitation[]> {
  await requireManager(db, actor);
  const { rows } = await db.query<InvitationRow>(
    `SELECT ${INVITATION_COLUMNS} FROM invitations
     WHERE agency_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $2
     ORDER BY created_at DESC, id DESC`,
    [actor.agencyId, new Date(now)],
  );
  return rows.map(toInvitation);
}
