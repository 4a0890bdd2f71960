import { withTransaction, type Pool } from '../db/pool.ts';
import { AppError } from '../errors.ts';
import { newId } from '../lib/ids.ts';
import type { Actor } from './access-tokens.ts';
import { recordAudit } from './audit.ts';
import {
  INVITATION_COLUMNS,
  INVITATION_TTL_MS,
  toInvitation,
  type InvitableRole,
  type Invitation,
  type InvitationRow,
} from './invitation-record.ts';
import type { Mailer } from './mailer.ts';
import { newOneTimeToken } from './one-time-token.ts';
import { requireManager } from './require-manager.ts';
import { canManageRole } from './roles.ts';
import { checkSiteIds } from './site-ids.ts';

export interface CreateInvitationInput {
  email: string;
  role: InvitableRole;
  siteIds?: string[];
}

function invitationText(token: string, role: InvitableRole, expiresAt: Date): string {
  return [
    `You have been invited to an agency on Beacon as ${role}.`,
    '',
    'To accept, choose a password and send it with this one-time token to POST /api/invitations/accept',
    `({"token": "…", "password": "…"}) before ${expiresAt.toISOString()}:`,
    '',
    token,
    '',
    'If you did not expect this invitation, ignore this message.',
  ].join('\n');
}

/**
 * Invites someone into the actor's agency (owners and admins; admins may not invite owners, which
 * the role list already excludes). Earlier pending invitations for the same email in this agency are
 * revoked, so only the newest link works. The message is sent inside the transaction: when the
 * mailer fails, the transaction rolls back (no invitation, no audit entry, the earlier invitation
 * still valid) and the caller gets 503 service_unavailable, which a retry may cure. The SMTP
 * transport bounds its timeouts because the transaction stays open while it talks.
 */
export async function createInvitation({
  db,
  mailer,
  actor,
  input,
  ip,
  now = Date.now(),
}: {
  db: Pool;
  mailer: Mailer;
  actor: Actor;
  input: CreateInvitationInput;
  ip: string | undefined;
  now?: number;
}): Promise<Invitation> {
  const email = input.email.trim().toLowerCase();
  return withTransaction(db, async (client) => {
    const manager = await requireManager(client, actor);
    if (!canManageRole(manager.role, input.role)) {
      throw new AppError('forbidden', `Your role may not invite a ${input.role}`, { field: 'role' });
    }
    const taken = await client.query('SELECT 1 FROM dashboard_users WHERE email = $1', [email]);
    if (taken.rowCount) {
      throw new AppError('conflict', 'A user with this email already exists', { field: 'email' });
    }
    const siteIds = await checkSiteIds(client, actor.agencyId, input.siteIds ?? []);
    await client.query(
      `UPDATE invitations SET revoked_at = now()
       WHERE agency_id = $1 AND email = $2 AND accepted_at IS NULL AND revoked_at IS NULL`,
      [actor.agencyId, email],
    );
    const { token, hash } = newOneTimeToken();
    const expiresAt = new Date(now + INVITATION_TTL_MS);
    const { rows } = await client.query<InvitationRow>(
      `INSERT INTO invitations (id, agency_id, email, role, site_ids, token_hash, created_by, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${INVITATION_COLUMNS}`,
      [newId('inv'), actor.agencyId, email, input.role, siteIds, hash, actor.userId, expiresAt],
    );
    const invitation = toInvitation(rows[0]!);
    await recordAudit(client, {
      actor,
      action: 'user.invite',
      targetType: 'invitation',
      targetId: invitation.id,
      ip,
      details: { email, role: input.role, siteIds },
    });
    try {
      await mailer.send({
        to: email,
        subject: 'Your invitation to Beacon',
        text: invitationText(token, input.role, expiresAt),
      });
    } catch (error) {
      throw new AppError('service_unavailable', 'The invitation could not be mailed; try again later', {
        cause: error,
      });
    }
    return invitation;
  });
}
