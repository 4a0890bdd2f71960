import { withTransaction, type Pool } from '../../db/pool.ts';
import { AppError } from '../../errors.ts';
import { newId, newSecret, sha256Hex } from '../../lib/ids.ts';
import type { Actor } from '../auth/access-tokens.ts';
import { normalizeDomain } from './domains.ts';
import { isTimeZone } from './time-zone.ts';
import { recordAudit } from '../audit/record-audit.ts';
import { currentActor } from '../users/current-actor.ts';
import { canManageSites } from '../users/roles.ts';
import { SITE_COLUMNS, toSite, type Site, type SiteRow } from './site-record.ts';

export interface CreateSiteInput {
  name: string;
  domain: string;
  /** IANA time zone reports count days in; UTC when not given. */
  timezone?: string;
}

/**
 * Creates a site in the actor's agency (owner or admin, as the database has the role now). The
 * secret write key is returned here once and never again.
 */
export async function createSite({
  db,
  actor,
  input,
  ip,
}: {
  db: Pool;
  actor: Actor;
  input: CreateSiteInput;
  ip: string | undefined;
}): Promise<Site & { writeKey: string }> {
  if (!canManageSites((await currentActor(db, actor)).role)) {
    throw new AppError('forbidden', 'Your role may not create sites');
  }
  const domain = normalizeDomain(input.domain);
  if (domain === undefined) {
    throw new AppError('validation_failed', 'domain must be a hostname such as www.example.com', {
      field: 'domain',
    });
  }
  if (input.timezone !== undefined && !isTimeZone(input.timezone)) {
    throw new AppError('validation_failed', 'timezone must be an IANA time zone such as Europe/Berlin', {
      field: 'timezone',
    });
  }
  const writeKey = newSecret('wk');
  return withTransaction(db, async (client) => {
    const { rows } = await client.query<SiteRow>(
      `INSERT INTO sites (id, agency_id, name, domain, site_key, write_key_prefix, write_key_hash, timezone)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     RETURNING ${SITE_COLUMNS}`,
      [
        newId('site'),
        actor.agencyId,
        input.name.trim(),
        domain,
        newSecret('pk').slice(0, 19),
        writeKey.slice(0, 8),
        sha256Hex(writeKey),
        input.timezone ?? 'UTC',
      ],
    );
    await recordAudit(client, {
      actor,
      action: 'site.create',
      targetType: 'site',
      targetId: rows[0]!.id,
      ip,
    });
    return { ...toSite(rows[0]!), writeKey };
  });
}
