import { LRUCache } from 'lru-cache';
import type { Queryable } from '../db/pool.ts';

/** What ingestion needs to know about a site, looked up by its public key on every event. */
export interface ResolvedSite {
  id: string;
  agencyId: string;
  domain: string;
  allowedDomains: string[];
  botPolicy: 'flag' | 'drop';
  cookieless: boolean;
  respectDnt: boolean;
}

export interface SiteResolver {
  findBySiteKey(siteKey: string): Promise<ResolvedSite | undefined>;
  /** Forget a site after its settings changed, so the next event reads them fresh. */
  invalidate(siteKey: string): void;
}

/**
 * Caches sites in-process: a hit costs no I/O on the hot path. Settings changes reach other
 * instances within `ttlMs`; unknown keys are cached briefly too, so garbage keys cannot hammer the
 * database.
 */
export function createSiteResolver(options: {
  db: Queryable;
  ttlMs?: number;
  unknownTtlMs?: number;
}): SiteResolver {
  const ttl = options.ttlMs ?? 30_000;
  const unknownTtl = options.unknownTtlMs ?? 5_000;
  const cache = new LRUCache<string, { site: ResolvedSite | undefined }>({ max: 50_000 });
  const inFlight = new Map<string, Promise<ResolvedSite | undefined>>();

  async function load(siteKey: string): Promise<ResolvedSite | undefined> {
    const { rows } = await options.db.query<{
      id: string;
      agency_id: string;
      domain: string;
      allowed_domains: string[];
      bot_policy: 'flag' | 'drop';
      cookieless: boolean;
      respect_dnt: boolean;
    }>(
      `SELECT id, agency_id, domain, allowed_domains, bot_policy, cookieless, respect_dnt
       FROM sites WHERE site_key = $1 AND deleted_at IS NULL`,
      [siteKey],
    );
    const row = rows[0];
    return row === undefined
      ? undefined
      : {
          id: row.id,
          agencyId: row.agency_id,
          domain: row.domain,
          allowedDomains: row.allowed_domains,
          botPolicy: row.bot_policy,
          cookieless: row.cookieless,
          respectDnt: row.respect_dnt,
        };
  }

  return {
    async findBySiteKey(siteKey) {
      const cached = cache.get(siteKey);
      if (cached) return cached.site;
      let loading = inFlight.get(siteKey);
      if (loading === undefined) {
        loading = load(siteKey).finally(() => inFlight.delete(siteKey));
        inFlight.set(siteKey, loading);
        const site = await loading;
        cache.set(siteKey, { site }, { ttl: site ? ttl : unknownTtl });
        return site;
      }
      return loading;
    },
    invalidate(siteKey) {
      cache.delete(siteKey);
    },
  };
}
