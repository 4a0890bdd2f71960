import { createHash } from 'node:crypto';
import { Type, type Static } from 'typebox';
import { withTransaction, type Pool } from '../db/pool.ts';
import { AppError } from '../errors.ts';
import type { Actor } from '../tenancy/auth/access-tokens.ts';
import { recordAudit } from '../tenancy/audit/record-audit.ts';
import { currentActor } from '../tenancy/users/current-actor.ts';
import { canManageSites } from '../tenancy/users/roles.ts';
import { getBranding, type Branding } from './agency-branding.ts';
import { detectLogoType, MAX_LOGO_BYTES } from './logo-image.ts';

export const UpdateBrandingBody = Type.Object(
  {
    displayName: Type.Union([Type.String({ minLength: 1, maxLength: 120 }), Type.Null()], {
      description: 'The name reports show; null: the agency’s own name',
    }),
  },
  { additionalProperties: false, examples: [{ displayName: 'Northwind' }] },
);
export type UpdateBrandingBody = Static<typeof UpdateBrandingBody>;

export const UploadLogoBody = Type.Object(
  {
    image: Type.String({
      minLength: 4,
      maxLength: Math.ceil(MAX_LOGO_BYTES / 3) * 4,
      pattern: '^[A-Za-z0-9+/]+={0,2}$',
      description: `A PNG, JPEG or WebP file, base64 (at most ${MAX_LOGO_BYTES / 1024} KiB decoded); no SVG`,
    }),
  },
  {
    additionalProperties: false,
    examples: [
      {
        image:
          'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
      },
    ],
  },
);
export type UploadLogoBody = Static<typeof UploadLogoBody>;

/** Branding is the agency's face to its clients: only owners and admins change it, as they do sites. */
async function requireBrandingManager(db: Pool, actor: Actor): Promise<Actor> {
  const current = await currentActor(db, actor);
  if (!canManageSites(current.role)) {
    throw new AppError('forbidden', `Your role (${current.role}) may not change the agency’s branding`);
  }
  return current;
}

type Change =
  | { kind: 'display_name'; displayName: string | null }
  | { kind: 'logo'; image: string }
  | { kind: 'remove_logo' };

/** Changes one part of the agency's branding and records it in the audit log, in one transaction. */
export async function updateBranding({
  db,
  actor,
  ip,
  change,
}: {
  db: Pool;
  actor: Actor;
  ip: string | undefined;
  change: Change;
}): Promise<Branding> {
  const current = await requireBrandingManager(db, actor);
  const columns = change.kind === 'display_name' ? [change.displayName] : logoColumns(change);
  return withTransaction(db, async (client) => {
    if (change.kind === 'display_name') {
      await client.query(
        `INSERT INTO agency_branding (agency_id, display_name) VALUES ($1, $2)
         ON CONFLICT (agency_id) DO UPDATE SET display_name = EXCLUDED.display_name, updated_at = now()`,
        [current.agencyId, ...columns],
      );
    } else {
      await client.query(
        `INSERT INTO agency_branding (agency_id, logo, logo_type, logo_sha256) VALUES ($1, $2, $3, $4)
         ON CONFLICT (agency_id) DO UPDATE SET logo = EXCLUDED.logo, logo_type = EXCLUDED.logo_type,
           logo_sha256 = EXCLUDED.logo_sha256, updated_at = now()`,
        [current.agencyId, ...columns],
      );
    }
    await recordAudit(client, {
      actor: current,
      action: 'branding.update',
      targetType: 'agency',
      targetId: current.agencyId,
      ip,
      details: { change: change.kind },
    });
    return getBranding(client, current.agencyId);
  });
}

/** The logo columns for an upload (checked by its content) or a removal; a bad image is a 400 naming `image`. */
function logoColumns(change: Exclude<Change, { kind: 'display_name' }>): unknown[] {
  if (change.kind === 'remove_logo') return [null, null, null];
  const bytes = Buffer.from(change.image, 'base64');
  if (bytes.length > MAX_LOGO_BYTES) {
    throw new AppError('validation_failed', `image may be at most ${MAX_LOGO_BYTES / 1024} KiB`, {
      field: 'image',
    });
  }
  const type = detectLogoType(bytes);
  if (type === undefined) {
    throw new AppError('validation_failed', 'image must be a PNG, JPEG or WebP file (SVG is not accepted)', {
      field: 'image',
    });
  }
  return [bytes, type, createHash('sha256').update(bytes).digest('hex')];
}
