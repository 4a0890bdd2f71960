import { withTransaction, type Pool } from '../../db/pool.ts';
import { AppError } from '../../errors.ts';
import { newId, sha256Hex } from '../../lib/ids.ts';
import type { AccessTokens } from '../auth/access-tokens.ts';
import type { UserRow } from '../users/agency-record.ts';
import { recordAudit } from '../audit/record-audit.ts';
import type { InvitableRole } from './invitation-record.ts';
import { startSession, type Session } from '../auth/start-session.ts';
import { hashPassword } from '../auth/passwords.ts';
import type { ClientMeta } from '../auth/refresh-tokens.ts';
import { assignSites } from '../sites/site-ids.ts';

export interface AcceptInvitationInput {
  token: string;
  password: string;
  name?: string;
}

/** One message for unknown, expired, revoked and spent tokens: none says more than the others. */
const INVALID_TOKEN = 'Invitation token is invalid, expired or already used';

/**
 * Creates the invited user with the invitation's role and sites and signs them in. Single use: the
 * invitation row is locked, checked and marked accepted in the same transaction as the new user.
 * Sites deleted since the invitation was sent are skipped.
 */
export async function acceptInvitation({
  db,
  tokens,
  input,
  meta,
  now = Date.now(),
}: {
  db: Pool;
  tokens: AccessTokens;
  input: AcceptInvitationInput;
  meta: ClientMeta;
  now?: number;
}): Promise<Session> {
  const passwordHash = await hashPassword(input.password);
  try {
    return await withTransaction(db, async (client) => {
      const { rows } = await client.query<{
        id: string;
        agency_id: string;
        email: string;
        role: InvitableRole;
        site_ids: string[];
        expires_at: Date;
        accepted_at: Date | null;
        revoked_at: Date | null;
      }>(
        `SELECT id, agency_id, email, role, site_ids, expires_at, accepted_at, revoked_at
         FROM invitations WHERE token_hash = $1 FOR UPDATE`,
        [sha256Hex(input.token)],
      );
      const invitation = rows[0];
      if (
        invitation === undefined ||
        invitation.accepted_at !== null ||
        invitation.revoked_at !== null ||
        invitation.expires_at.getTime() <= now
      ) {
        throw new AppError('validation_failed', INVALID_TOKEN, { field: 'token' });
      }
      const taken = await client.query('SELECT 1 FROM dashboard_users WHERE email = $1', [invitation.email]);
      if (taken.rowCount) throw new AppError('conflict', 'A user with this email already exists');
      const { rows: users } = await client.query<UserRow>(
        `INSERT INTO dashboard_users (id, agency_id, email, name, password_hash, role)
         VALUES ($1, $2, $3, $4, $5, $6)
         RETURNING id, agency_id, email, name, role, is_instance_admin`,
        [
          newId('user'),
          invitation.agency_id,
          invitation.email,
          input.name?.trim() || null,
          passwordHash,
          invitation.role,
        ],
      );
      const user = users[0]!;
      const { rows: sites } = await client.query<{ id: string }>(
        'SELECT id FROM sites WHERE agency_id = $1 AND deleted_at IS NULL AND id = ANY($2::text[])',
        [invitation.agency_id, invitation.site_ids],
      );
      await assignSites(
        client,
        user.id,
        sites.map((site) => site.id),
      );
      await client.query('UPDATE invitations SET accepted_at = now() WHERE id = $1', [invitation.id]);
      await recordAudit(client, {
        actor: { userId: user.id, agencyId: user.agency_id, role: user.role, isInstanceAdmin: false },
        action: 'invitation.accept',
        targetType: 'invitation',
        targetId: invitation.id,
        ip: meta.ip,
        details: { email: invitation.email, role: invitation.role },
      });
      return startSession({ db: client, tokens, user, meta });
    });
  } catch (error) {
    // Someone registered the address between the check above and the insert.
    if ((error as { constraint?: string }).constraint === 'dashboard_users_email_key') {
      throw new AppError('conflict', 'A user with this email already exists');
    }
    throw error;
  }
}
