import type { Pool } from '../../db/pool.ts';
import { createAgency } from './create-agency.ts';

/**
 * Makes sure the instance administrator from BEACON_ADMIN_EMAIL exists. Idempotent: when the
 * account is already there nothing changes, its password included (it may have been changed since).
 */
export async function ensureBootstrapAdmin({
  db,
  admin,
}: {
  db: Pool;
  admin: { email: string; password: string };
}): Promise<'created' | 'exists'> {
  const { rowCount } = await db.query('SELECT 1 FROM dashboard_users WHERE email = $1', [admin.email]);
  if (rowCount) return 'exists';
  try {
    await createAgency({
      db,
      input: {
        name: `${admin.email.split('@')[0]}'s agency`,
        owner: { email: admin.email, password: admin.password },
      },
      ownerIsInstanceAdmin: true,
    });
    return 'created';
  } catch (error) {
    // Another instance starting at the same moment created it first.
    if ((error as { code?: string }).code === 'conflict' || (error as { code?: string }).code === '23505') {
      return 'exists';
    }
    throw error;
  }
}

export async function hasAnyUser(db: Pool): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM dashboard_users LIMIT 1');
  return Boolean(rowCount);
}
