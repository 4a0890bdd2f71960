import { Type, type Static } from 'typebox';
import type { Queryable } from '../db/pool.ts';

/** Where Beacon serves a logo: the path carries its SHA-256, so each logo's URL is immutable. */
export const LOGO_PATH_PREFIX = '/api/branding/logos/';

export const Branding = Type.Object(
  {
    agencyName: Type.String({ description: 'The agency’s own name' }),
    displayName: Type.Union([Type.String(), Type.Null()], {
      description: 'The name reports show instead of agencyName; null: agencyName',
    }),
    logoUrl: Type.Union([Type.String(), Type.Null()], {
      description: 'Path of the logo on this Beacon (PNG, JPEG or WebP), or null',
    }),
  },
  {
    examples: [
      {
        agencyName: 'Northwind Digital',
        displayName: 'Northwind',
        logoUrl: '/api/branding/logos/3f2a…',
      },
    ],
  },
);
export type Branding = Static<typeof Branding>;

/** The name reports carry: the display name when set, else the agency's own. */
export function reportName(branding: Branding): string {
  return branding.displayName ?? branding.agencyName;
}

/** An agency's branding, defaults included (its own name, no logo). */
export async function getBranding(db: Queryable, agencyId: string): Promise<Branding> {
  const { rows } = await db.query<{ name: string; display_name: string | null; logo_sha256: string | null }>(
    `SELECT a.name, b.display_name, b.logo_sha256
     FROM agencies a LEFT JOIN agency_branding b ON b.agency_id = a.id WHERE a.id = $1`,
    [agencyId],
  );
  const row = rows[0];
  return {
    agencyName: row?.name ?? '',
    displayName: row?.display_name ?? null,
    logoUrl: row?.logo_sha256 == null ? null : `${LOGO_PATH_PREFIX}${row.logo_sha256}`,
  };
}

/** A logo by the hash its URL carries, for anyone who has the URL (mail clients send no credentials). */
export async function findLogo(
  db: Queryable,
  sha256: string,
): Promise<{ bytes: Buffer; type: string } | undefined> {
  const { rows } = await db.query<{ logo: Buffer; logo_type: string }>(
    'SELECT logo, logo_type FROM agency_branding WHERE logo_sha256 = $1 LIMIT 1',
    [sha256],
  );
  return rows[0] === undefined ? undefined : { bytes: rows[0].logo, type: rows[0].logo_type };
}
