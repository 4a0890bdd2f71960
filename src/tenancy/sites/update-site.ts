import type { Pool } from '../../db/pool.ts';
import { withTransaction } from '../../db/pool.ts';
import { AppError } from '../../errors.ts';
import { isTimeZone } from './time-zone.ts';
import type { Actor } from '../auth/access-tokens.ts';
import { recordAudit } from '../audit/record-audit.ts';
import { normalizeDomain } from './domains.ts';
import { getSite } from './get-site.ts';
import { SITE_COLUMNS, toSite, type Site, type SiteRow } from './site-record.ts';

export interface UpdateSiteInput {
  name?: string;
  domain?: string;
  allowedDomains?: string[];
  timezone?: string;
  botPolicy?: 'flag' | 'drop';
  retentionDays?: number;
  cookieless?: boolean;
  respectDnt?: boolean;
  companyIdentificationWithoutConsent?: boolean;
  trackerAlias?: string | null;
}

/** Paths the tracker alias may not take: they belong to Beacon itself. */
const RESERVED_ALIAS = /^(api|docs|v1|health|ready|metrics)(\/|$)|^beacon\.js$/i;

/** `*.example.com` stays a wildcard; anything else is normalised like the site's domain. */
export function normalizeAllowedDomain(entry: string): string | undefined {
  const trimmed = entry.trim().toLowerCase();
  if (trimmed.startsWith('*.')) {
    const parent = normalizeDomain(trimmed.slice(2));
    return parent === undefined ? undefined : `*.${parent}`;
  }
  return normalizeDomain(trimmed);
}

/** Checks and normalises the changes; every error names its field. */
export function checkSiteChanges(input: UpdateSiteInput): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  if (input.name !== undefined) changes.name = input.name.trim();
  if (input.domain !== undefined) {
    const domain = normalizeDomain(input.domain);
    if (domain === undefined) {
      throw new AppError('validation_failed', 'domain must be a hostname such as www.example.com', {
        field: 'domain',
      });
    }
    changes.domain = domain;
  }
  if (input.allowedDomains !== undefined) {
    changes.allowed_domains = input.allowedDomains.map((entry, index) => {
      const normalized = normalizeAllowedDomain(entry);
      if (normalized === undefined) {
        throw new AppError('validation_failed', `allowedDomains.${index} must be a hostname or *.hostname`, {
          field: `allowedDomains.${index}`,
        });
      }
      return normalized;
    });
  }
  if (input.timezone !== undefined) {
    if (!isTimeZone(input.timezone)) {
      throw new AppError('validation_failed', 'timezone must be an IANA time zone such as Europe/Berlin', {
        field: 'timezone',
      });
    }
    changes.timezone = input.timezone;
  }
  if (input.botPolicy !== undefined) changes.bot_policy = input.botPolicy;
  if (input.retentionDays !== undefined) changes.retention_days = input.retentionDays;
  if (input.cookieless !== undefined) changes.cookieless = input.cookieless;
  if (input.respectDnt !== undefined) changes.respect_dnt = input.respectDnt;
  if (input.companyIdentificationWithoutConsent !== undefined) {
    changes.company_identification_without_consent = input.companyIdentificationWithoutConsent;
  }
  if (input.trackerAlias !== undefined) {
    if (input.trackerAlias !== null && RESERVED_ALIAS.test(input.trackerAlias)) {
      throw new AppError('validation_failed', 'trackerAlias may not take a path Beacon uses itself', {
        field: 'trackerAlias',
      });
    }
    changes.tracker_alias = input.trackerAlias;
  }
  return changes;
}

/** Changes a site's settings (owner or admin). Returns the site and the public key whose cache must be dropped. */
export async function updateSite({
  db,
  actor,
  siteId,
  input,
  ip,
}: {
  db: Pool;
  actor: Actor;
  siteId: string;
  input: UpdateSiteInput;
  ip: string | undefined;
}): Promise<Site> {
  await getSite({ db, actor, siteId, access: 'manage' });
  const changes = checkSiteChanges(input);
  const columns = Object.keys(changes);
  if (columns.length === 0) return getSite({ db, actor, siteId });
  return withTransaction(db, async (client) => {
    try {
      const { rows } = await client.query<SiteRow>(
        `UPDATE sites SET ${columns.map((column, index) => `${column} = $${index + 3}`).join(', ')}, updated_at = now()
         WHERE id = $1 AND agency_id = $2 RETURNING ${SITE_COLUMNS}`,
        [siteId, actor.agencyId, ...Object.values(changes)],
      );
      await recordAudit(client, {
        actor,
        action: 'site.update',
        targetType: 'site',
        targetId: siteId,
        ip,
        details: { changed: columns },
      });
      return toSite(rows[0]!);
    } catch (error) {
      if ((error as { constraint?: string }).constraint === 'sites_tracker_alias_key') {
        throw new AppError('conflict', 'Another site already uses this trackerAlias', {
          field: 'trackerAlias',
        });
      }
      throw error;
    }
  });
}

/** Soft-deletes a site: tracking stops at once, data stays until retention removes it. */
export async function deleteSite({
  db,
  actor,
  siteId,
  ip,
}: {
  db: Pool;
  actor: Actor;
  siteId: string;
  ip: string | undefined;
}): Promise<Site> {
  const site = await getSite({ db, actor, siteId, access: 'manage' });
  await withTransaction(db, async (client) => {
    await client.query(
      'UPDATE sites SET deleted_at = now(), tracker_alias = NULL WHERE id = $1 AND agency_id = $2',
      [siteId, actor.agencyId],
    );
    await recordAudit(client, { actor, action: 'site.delete', targetType: 'site', targetId: siteId, ip });
  });
  return site;
}
