import { LRUCache } from 'lru-cache';
import type { Queryable } from '../db/pool.ts';
import type { SiteDestination } from '../destinations/match-deliveries.ts';
import type { EventRule } from '../destinations/destination-type.ts';
import { destinationTypeOf } from '../destinations/registry.ts';
import { sha256Hex } from '../lib/ids.ts';

/** What ingestion needs to know about a site, looked up by its public key on every event. */
export interface ResolvedSite {
  id: string;
  siteKey: string;
  agencyId: string;
  domain: string;
  allowedDomains: string[];
  botPolicy: 'flag' | 'drop';
  cookieless: boolean;
  respectDnt: boolean;
  /**
   * Look up visitors without analytics consent with the online IP provider too, to identify their
   * companies under legitimate interest (never with Global Privacy Control); off by default.
   */
  companyIdentificationWithoutConsent: boolean;
  /** Its enabled destinations, with the rules that choose the events each receives. */
  destinations: SiteDestination[];
}

export interface SiteResolver {
  findBySiteKey(siteKey: string): Promise<ResolvedSite | undefined>;
  /** Server-side ingestion: the site whose secret write key this is. */
  findByWriteKey(writeKey: string): Promise<ResolvedSite | undefined>;
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

  async function load(
    column: 'site_key' | 'write_key_hash',
    value: string,
  ): Promise<ResolvedSite | undefined> {
    const { rows } = await options.db.query<{
      id: string;
      site_key: string;
      agency_id: string;
      domain: string;
      allowed_domains: string[];
      bot_policy: 'flag' | 'drop';
      cookieless: boolean;
      respect_dnt: boolean;
      company_identification_without_consent: boolean;
      destinations: Array<{ id: string; type: string; events: EventRule[] | null }>;
    }>(
      `SELECT id, site_key, agency_id, domain, allowed_domains, bot_policy, cookieless, respect_dnt,
         company_identification_without_consent,
         (SELECT coalesce(json_agg(json_build_object('id', d.id, 'type', d.type, 'events', d.events)), '[]')
          FROM destinations d WHERE d.site_id = sites.id AND d.enabled) AS destinations
       FROM sites WHERE ${column} = $1 AND deleted_at IS NULL`,
      [value],
    );
    const row = rows[0];
    return row === undefined
      ? undefined
      : {
          id: row.id,
          siteKey: row.site_key,
          agencyId: row.agency_id,
          domain: row.domain,
          allowedDomains: row.allowed_domains,
          botPolicy: row.bot_policy,
          cookieless: row.cookieless,
          respectDnt: row.respect_dnt,
          companyIdentificationWithoutConsent: row.company_identification_without_consent,
          destinations: row.destinations.flatMap((destination): SiteDestination[] => {
            const type = destinationTypeOf(destination.type);
            if (type === undefined) return [];
            return [
              {
                id: destination.id,
                type: type.type,
                rules: destination.events ?? type.defaultEvents,
                needsAdsConsent: type.needsAdsConsent,
                needsFullIp: type.needsFullIp,
              },
            ];
          }),
        };
  }

  async function find(cacheKey: string, column: 'site_key' | 'write_key_hash', value: string) {
    const cached = cache.get(cacheKey);
    if (cached) return cached.site;
    let loading = inFlight.get(cacheKey);
    if (loading === undefined) {
      loading = load(column, value).finally(() => inFlight.delete(cacheKey));
      inFlight.set(cacheKey, loading);
      const site = await loading;
      cache.set(cacheKey, { site }, { ttl: site ? ttl : unknownTtl });
      return site;
    }
    return loading;
  }

  return {
    findBySiteKey: (siteKey) => find(siteKey, 'site_key', siteKey),
    // Only the key's hash is stored, and only the hash is used as a cache key.
    findByWriteKey: (writeKey) => {
      const hash = sha256Hex(writeKey);
      return find(`wk:${hash}`, 'write_key_hash', hash);
    },
    invalidate(siteKey) {
      cache.delete(siteKey);
      for (const [key, entry] of cache.entries()) if (entry.site?.siteKey === siteKey) cache.delete(key);
    },
  };
}
