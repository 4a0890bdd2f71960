import { withTransaction, type Pool } from '../../db/pool.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../lib/ids.ts';
import type { Actor } from '../auth/access-tokens.ts';
import { recordAudit } from '../audit/record-audit.ts';
import {
  INVITATION_COLUMNS,
  INVITATION_TTL_MS,
  toInvitation,
  type InvitableRole,
  type Invitation,
  type InvitationRow,
} from './invitation-record.ts';
import type { Mailer } from '../mailer.ts';
import { tokenLink } from '../mail-links.ts';
import { newOneTimeToken } from '../one-time-token.ts';
import { requireManager } from '../users/require-manager.ts';
import { canManageRole } from '../users/roles.ts';
import { checkSiteIds } from '../sites/site-ids.ts';

export interface CreateInvitationInput {
  email: string;
  role: InvitableRole;
  siteIds?: string[];
}

function invitationText(publicUrl: string, token: string, role: InvitableRole, expiresAt: Date): string {
  return [
    `You have been invited to an agency on Beacon as ${role}.`,
    '',
    `To accept, open this link and choose a password before ${expiresAt.toISOString()}:`,
    '',
    tokenLink(publicUrl, 'invite', token),
    '',
    'Without a browser, send a password with this one-time token to POST /api/invitations/accept',
    '({"token": "…", "password": "…"}):',
    '',
    token,
    '',
    'If you did not expect this invitation, ignore this message.',
  ].join('\n');
}

function alreadyRegisteredText(role: InvitableRole): string {
  return [
    `You have been invited to an agency on Beacon as ${role}.`,
    '',
    'This address already signs in to another agency on this Beacon, and an address belongs to one',
    'agency only, so this invitation cannot be accepted with it. Ask the person who invited you to',
    'invite another address of yours.',
  ].join('\n');
}

/**
 * Invites someone into the actor's agency (owners and admins; admins may not invite owners, which
 * the role list already excludes). No transaction stays open while the mail server talks: the
 * invitation is stored first, then mailed, then made the only one for its email (earlier pending
 * ones revoked) and audited. When the mailer fails, the stored row is deleted (nobody ever had its
 * token), the earlier invitation still works, nothing is audited, and the caller gets 503
 * service_unavailable, which a retry may cure.
 *
 * Without a mail server the instance administrator gets the token in the answer, once, to hand
 * over; it is never logged. Anyone else gets 503: holding the token, an inviter could accept it
 * and so learn whether another agency uses the address (which the mail tells only its recipient),
 * or take an address for an account nobody asked for. The instance administrator can do both
 * already, by creating agencies.
 */
export async function createInvitation({
  db,
  mailer,
  publicUrl,
  actor,
  input,
  ip,
  now = Date.now(),
}: {
  db: Pool;
  mailer: Mailer;
  /** BEACON_PUBLIC_URL: where the mailed link leads. */
  publicUrl: string;
  actor: Actor;
  input: CreateInvitationInput;
  ip: string | undefined;
  now?: number;
}): Promise<Invitation & { token?: string }> {
  const email = input.email.trim().toLowerCase();
  const { token, hash } = newOneTimeToken();
  const expiresAt = new Date(now + INVITATION_TTL_MS);
  /**
   * An account of another agency owns the address. Answering 409 would tell the inviter which
   * emails other agencies use, so the invitation is made as usual and only its recipient learns,
   * from the mail, that this address cannot join (an email signs in to one agency).
   */
  let elsewhere = false;
  const invitation = await withTransaction(db, async (client) => {
    const manager = await requireManager(client, actor);
    if (!canManageRole(manager.role, input.role)) {
      throw new AppError('forbidden', `Your role may not invite a ${input.role}`, { field: 'role' });
    }
    if (!mailer.delivers && !manager.isInstanceAdmin) {
      throw new AppError(
        'service_unavailable',
        'This Beacon has no mail server (SMTP_URL), so invitations cannot be mailed; ' +
          'ask the instance administrator to invite this person',
      );
    }
    const existing = await client.query<{ agency_id: string }>(
      'SELECT agency_id FROM dashboard_users WHERE email = $1',
      [email],
    );
    if (existing.rows[0]?.agency_id === actor.agencyId) {
      throw new AppError('conflict', 'A user with this email is already in your agency', { field: 'email' });
    }
    elsewhere = existing.rows.length > 0;
    const siteIds = await checkSiteIds(client, actor.agencyId, input.siteIds ?? []);
    const { rows } = await client.query<InvitationRow>(
      `INSERT INTO invitations (id, agency_id, email, role, site_ids, token_hash, created_by, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${INVITATION_COLUMNS}`,
      [newId('inv'), actor.agencyId, email, input.role, siteIds, hash, actor.userId, expiresAt],
    );
    return toInvitation(rows[0]!);
  });
  if (mailer.delivers) {
    try {
      await mailer.send({
        to: email,
        subject: 'Your invitation to Beacon',
        text: elsewhere
          ? alreadyRegisteredText(input.role)
          : invitationText(publicUrl, token, input.role, expiresAt),
        withoutMail: 'the instance administrator can invite without mail',
      });
    } catch (error) {
      await db.query('DELETE FROM invitations WHERE agency_id = $1 AND id = $2', [
        actor.agencyId,
        invitation.id,
      ]);
      throw new AppError('service_unavailable', 'The invitation could not be mailed; try again later', {
        cause: error,
      });
    }
  }
  await withTransaction(db, async (client) => {
    await client.query(
      `UPDATE invitations SET revoked_at = now()
       WHERE agency_id = $1 AND email = $2 AND id <> $3 AND accepted_at IS NULL AND revoked_at IS NULL`,
      [actor.agencyId, email, invitation.id],
    );
    await recordAudit(client, {
      actor,
      action: 'user.invite',
      targetType: 'invitation',
      targetId: invitation.id,
      ip,
      details: {
        email,
        role: input.role,
        siteIds: invitation.siteIds,
        delivery: mailer.delivers ? 'mail' : 'handed_over',
      },
    });
  });
  return mailer.delivers ? invitation : { ...invitation, token };
}
