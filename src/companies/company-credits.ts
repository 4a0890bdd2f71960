/**
 * What a company's counters gain when its sessions grow. A session belongs to the first company seen
 * in it (sessions.company_domain is set once); it adds one to the company's visits when it becomes
 * the company's (a new session, or an earlier one whose events are identified only now), and from
 * then on whatever its page views and duration grow by. So each session counts once, however many
 * batches, retries or backfills it passes through.
 */

/** A session row as the writer's upsert or the enrichment backfill returns it. */
export interface SessionTotals {
  site_id: string;
  id: string;
  company_domain: string | null;
  pageviews: number;
  duration_s: number;
  started_at: Date;
  last_seen_at: Date;
  is_bot: boolean;
}

/** The same session before the change; undefined when it did not exist. */
export type SessionBefore = Pick<SessionTotals, 'company_domain' | 'pageviews' | 'duration_s'>;

/** Where a company's name and location come from: events (or enrichment results) that name it. */
export interface CompanyIdentity {
  site_id: string;
  company_domain: string | null;
  company_name: string | null;
  country: string | null;
  city: string | null;
}

export interface CompanyCredit {
  site_id: string;
  domain: string;
  name: string | null;
  country: string | null;
  city: string | null;
  first_seen_at: Date;
  last_seen_at: Date;
  sessions: number;
  pageviews: number;
  seconds: number;
}

const key = (siteId: string, domain: string) => `${siteId}\u0000${domain}`;

const grown = (after: number, before: number) => Math.max(0, (after ?? 0) - (before ?? 0));

/**
 * One credit per company, sorted by site and domain: upserts then lock company rows in the same
 * order in every transaction, so concurrent batches cannot deadlock on them.
 */
export function companyCredits(
  changes: ReadonlyArray<{ before: SessionBefore | undefined; after: SessionTotals }>,
  identities: ReadonlyArray<CompanyIdentity>,
): CompanyCredit[] {
  const credits = new Map<string, CompanyCredit>();
  for (const { before, after } of changes) {
    const domain = after.company_domain;
    if (domain === null || after.is_bot) continue;
    const continued = before !== undefined && before.company_domain === domain;
    const gained: Omit<CompanyCredit, 'name' | 'country' | 'city'> = {
      site_id: after.site_id,
      domain,
      first_seen_at: after.started_at,
      last_seen_at: after.last_seen_at,
      sessions: continued ? 0 : 1,
      pageviews: continued ? grown(after.pageviews, before.pageviews) : Math.max(0, after.pageviews),
      seconds: continued ? grown(after.duration_s, before.duration_s) : Math.max(0, after.duration_s),
    };
    const existing = credits.get(key(after.site_id, domain));
    if (existing === undefined) {
      credits.set(key(after.site_id, domain), { ...gained, name: null, country: null, city: null });
      continue;
    }
    existing.sessions += gained.sessions;
    existing.pageviews += gained.pageviews;
    existing.seconds += gained.seconds;
    if (gained.first_seen_at < existing.first_seen_at) existing.first_seen_at = gained.first_seen_at;
    if (gained.last_seen_at > existing.last_seen_at) existing.last_seen_at = gained.last_seen_at;
  }
  for (const identity of identities) {
    if (identity.company_domain === null) continue;
    const credit = credits.get(key(identity.site_id, identity.company_domain));
    if (credit === undefined) continue;
    credit.name ??= identity.company_name;
    credit.country ??= identity.country;
    credit.city ??= identity.country === credit.country ? identity.city : null;
  }
  return [...credits.values()].sort((a, b) =>
    a.site_id === b.site_id ? (a.domain < b.domain ? -1 : 1) : a.site_id < b.site_id ? -1 : 1,
  );
}
