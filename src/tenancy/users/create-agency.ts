import type { Pool } from '../../db/pool.ts';
import { withTransaction } from '../../db/pool.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../lib/ids.ts';
import { toUser, type Agency, type User, type UserRow } from './agency-record.ts';
import { hashPassword } from '../auth/passwords.ts';

export interface CreateAgencyInput {
  name: string;
  owner: { email: string; password: string; name?: string };
}

/**
 * Creates an agency with its first owner. Only the instance administrator may call this over HTTP;
 * the bootstrap and the CLI call it to make that administrator (`ownerIsInstanceAdmin`).
 */
export async function createAgency({
  db,
  input,
  ownerIsInstanceAdmin = false,
}: {
  db: Pool;
  input: CreateAgencyInput;
  ownerIsInstanceAdmin?: boolean;
}): Promise<{ agency: Agency; owner: User }> {
  const email = input.owner.email.trim().toLowerCase();
  const passwordHash = await hashPassword(input.owner.password);
  return withTransaction(db, async (client) => {
    const taken = await client.query('SELECT 1 FROM dashboard_users WHERE email = $1', [email]);
    if (taken.rowCount) {
      throw new AppError('conflict', 'A user with this email already exists', { field: 'owner.email' });
    }
    const agencyId = newId('agency');
    const { rows: agencies } = await client.query<{ created_at: Date }>(
      'INSERT INTO agencies (id, name) VALUES ($1, $2) RETURNING created_at',
      [agencyId, input.name.trim()],
    );
    const { rows: users } = await client.query<UserRow>(
      `INSERT INTO dashboard_users (id, agency_id, email, name, password_hash, role, is_instance_admin)
       VALUES ($1, $2, $3, $4, $5, 'owner', $6)
       RETURNING id, agency_id, email, name, role, is_instance_admin`,
      [newId('user'), agencyId, email, input.owner.name?.trim() || null, passwordHash, ownerIsInstanceAdmin],
    );
    return {
      agency: { id: agencyId, name: input.name.trim(), createdAt: agencies[0]!.created_at.toISOString() },
      owner: toUser(users[0]!),
    };
  });
}
