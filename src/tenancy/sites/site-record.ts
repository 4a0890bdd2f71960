import { Type, type Static } from 'typebox';

export const Site = Type.Object({
  id: Type.String({ examples: ['site_01hv4x2m3k9q8r7s6t5v4w3x2y'] }),
  name: Type.String(),
  domain: Type.String({ examples: ['www.example.com'] }),
  siteKey: Type.String({ description: 'Public key for the tracker snippet (data-site)' }),
  writeKeyPrefix: Type.String({ description: 'First characters of the secret write key, to recognise it' }),
  allowedDomains: Type.Array(Type.String()),
  timezone: Type.String(),
  botPolicy: Type.Union([Type.Literal('flag'), Type.Literal('drop')]),
  retentionDays: Type.Integer(),
  cookieless: Type.Boolean(),
  respectDnt: Type.Boolean(),
  companyIdentificationWithoutConsent: Type.Boolean({
    description:
      'Send the addresses of visitors without analytics consent to the online IP provider too, to identify their companies under legitimate interest (never with Global Privacy Control)',
  }),
  trackerAlias: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
});
export type Site = Static<typeof Site>;

/** A deleted site that can still be restored, and when the retention job deletes it for good. */
export const DeletedSite = Type.Intersect([
  Site,
  Type.Object({
    deletedAt: Type.String({ format: 'date-time' }),
    purgeAfter: Type.String({
      format: 'date-time',
      description: 'From then on the site and all of its data are deleted, and it can no longer be restored',
    }),
  }),
]);
export type DeletedSite = Static<typeof DeletedSite>;

export interface SiteRow {
  id: string;
  agency_id: string;
  name: string;
  domain: string;
  site_key: string;
  write_key_prefix: string;
  allowed_domains: string[];
  timezone: string;
  bot_policy: 'flag' | 'drop';
  retention_days: number;
  cookieless: boolean;
  respect_dnt: boolean;
  company_identification_without_consent: boolean;
  tracker_alias: string | null;
  created_at: Date;
}

export const SITE_COLUMNS = `id, agency_id, name, domain, site_key, write_key_prefix, allowed_domains, timezone,
  bot_policy, retention_days, cookieless, respect_dnt, company_identification_without_consent, tracker_alias,
  created_at`;

export function toSite(row: SiteRow): Site {
  return {
    id: row.id,
    name: row.name,
    domain: row.domain,
    siteKey: row.site_key,
    writeKeyPrefix: row.write_key_prefix,
    allowedDomains: row.allowed_domains,
    timezone: row.timezone,
    botPolicy: row.bot_policy,
    retentionDays: row.retention_days,
    cookieless: row.cookieless,
    respectDnt: row.respect_dnt,
    companyIdentificationWithoutConsent: row.company_identification_without_consent,
    trackerAlias: row.tracker_alias,
    createdAt: row.created_at.toISOString(),
  };
}
