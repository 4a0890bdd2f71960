/**
 * A site's settings as GET /api/sites/:siteId gives them, the form's draft of them, and what a save
 * sends: only what changed, in the shape PATCH /api/sites/:siteId takes. Pure, tested beside.
 */

export type BotPolicy = 'flag' | 'drop';

export interface SiteSettings {
  id: string;
  name: string;
  domain: string;
  siteKey: string;
  writeKeyPrefix: string;
  allowedDomains: string[];
  timezone: string;
  botPolicy: BotPolicy;
  retentionDays: number;
  cookieless: boolean;
  respectDnt: boolean;
  companyIdentificationWithoutConsent: boolean;
  trackerAlias: string | null;
  createdAt: string;
}

/** What the form holds: text as typed (one allowed domain a line, the retention as digits). */
export interface SettingsDraft {
  name: string;
  domain: string;
  allowedDomains: string;
  timezone: string;
  botPolicy: BotPolicy;
  retentionDays: string;
  cookieless: boolean;
  respectDnt: boolean;
  companyIdentificationWithoutConsent: boolean;
  trackerAlias: string;
}

export type SettingsPatch = Partial<{
  name: string;
  domain: string;
  allowedDomains: string[];
  timezone: string;
  botPolicy: BotPolicy;
  /** A number, or the text typed when it is none: the API then names the field in its answer. */
  retentionDays: number | string;
  cookieless: boolean;
  respectDnt: boolean;
  companyIdentificationWithoutConsent: boolean;
  trackerAlias: string | null;
}>;

/** The form's fields, named as the API names them in its errors. */
export const SETTINGS_FIELDS: ReadonlyArray<keyof SettingsDraft> = [
  'name',
  'domain',
  'allowedDomains',
  'timezone',
  'botPolicy',
  'retentionDays',
  'cookieless',
  'respectDnt',
  'companyIdentificationWithoutConsent',
  'trackerAlias',
];

export function draftOf(site: SiteSettings): SettingsDraft {
  return {
    name: site.name,
    domain: site.domain,
    allowedDomains: site.allowedDomains.join('\n'),
    timezone: site.timezone,
    botPolicy: site.botPolicy,
    retentionDays: String(site.retentionDays),
    cookieless: site.cookieless,
    respectDnt: site.respectDnt,
    companyIdentificationWithoutConsent: site.companyIdentificationWithoutConsent,
    trackerAlias: site.trackerAlias ?? '',
  };
}

/** Allowed domains as typed: one a line (commas and spaces separate too), blanks dropped. */
export function parseDomainList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((entry, index) => entry === b[index]);
}

/** The changes of the draft against the saved site; empty when there are none. */
export function settingsChanges(site: SiteSettings, draft: SettingsDraft): SettingsPatch {
  const patch: SettingsPatch = {};
  if (draft.name.trim() !== site.name) patch.name = draft.name.trim();
  if (draft.domain.trim() !== site.domain) patch.domain = draft.domain.trim();
  const allowed = parseDomainList(draft.allowedDomains);
  if (!sameList(allowed, site.allowedDomains)) patch.allowedDomains = allowed;
  if (draft.timezone !== site.timezone) patch.timezone = draft.timezone;
  if (draft.botPolicy !== site.botPolicy) patch.botPolicy = draft.botPolicy;
  const retention = draft.retentionDays.trim();
  if (retention !== String(site.retentionDays)) {
    patch.retentionDays = /^\d+$/.test(retention) ? Number(retention) : retention;
  }
  if (draft.cookieless !== site.cookieless) patch.cookieless = draft.cookieless;
  if (draft.respectDnt !== site.respectDnt) patch.respectDnt = draft.respectDnt;
  if (draft.companyIdentificationWithoutConsent !== site.companyIdentificationWithoutConsent) {
    patch.companyIdentificationWithoutConsent = draft.companyIdentificationWithoutConsent;
  }
  const alias = draft.trackerAlias.trim().replace(/^\/+/, '');
  if (alias !== (site.trackerAlias ?? '')) patch.trackerAlias = alias === '' ? null : alias;
  return patch;
}

/**
 * The tag a site puts on its pages: Beacon's own origin (where this dashboard is served) and the
 * site's public key; the tracker alias path instead of /beacon.js when the site has one.
 */
export function trackingSnippet(
  origin: string,
  site: Pick<SiteSettings, 'siteKey' | 'trackerAlias'>,
): string {
  const path = site.trackerAlias ?? 'beacon.js';
  return `<script defer src="${origin}/${path}" data-site="${site.siteKey}"></script>`;
}

/** The IANA zones the browser knows, with the site's own first when the list lacks it (and UTC). */
export function timeZoneChoices(current: string, known: readonly string[]): string[] {
  const zones = new Set(known);
  return [...new Set([current, 'UTC'])].filter((zone) => !zones.has(zone)).concat(known);
}
