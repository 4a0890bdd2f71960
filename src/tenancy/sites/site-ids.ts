import { Type } from 'typebox';
import type { Queryable } from '../../db/pool.ts';
import { AppError } from '../../errors.ts';

export const SiteIds = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
  maxItems: 1000,
  description: "Sites of the agency the user may see (members and viewers); another agency's site is refused",
  examples: [['site_01hv4x2m3k9q8r7s6t5v4w3x2y']],
});

/**
 * Checks that every id names a live site of the agency and returns them without repeats. The first
 * that does not is a 400 naming `siteIds.N`; another agency's site reads exactly like a missing one.
 */
export async function checkSiteIds(db: Queryable, agencyId: string, siteIds: string[]): Promise<string[]> {
  if (siteIds.length === 0) return [];
  const { rows } = await db.query<{ id: string }>(
    'SELECT id FROM sites WHERE agency_id = $1 AND deleted_at IS NULL AND id = ANY($2::text[])',
    [agencyId, siteIds],
  );
  const known = new Set(rows.map((row) => row.id));
  const unknown = siteIds.findIndex((id) => !known.has(id));
  if (unknown !== -1) {
    throw new AppError('validation_failed', `siteIds.${unknown} is not a site of your agency`, {
      field: `siteIds.${unknown}`,
    });
  }
  return [...new Set(siteIds)];
}

/** Replaces the user's site assignments with the given (checked) sites. */
export async function assignSites(db: Queryable, userId: string, siteIds: string[]): Promise<void> {
  await db.query('DELETE FROM site_members WHERE user_id = $1', [userId]);
  if (siteIds.length > 0) {
    await db.query(
      'INSERT INTO site_members (site_id, user_id) SELECT unnest($1::text[]), $2 ON CONFLICT DO NOTHING',
      [siteIds, userId],
    );
  }
}
