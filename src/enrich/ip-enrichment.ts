import { LRUCache } from 'lru-cache';
import type { Cache } from '../state/interface.ts';
import { isBogon } from './bogons.ts';
import { classifyVisitor, companyOf, DATACENTER_ASNS, type VisitorClass } from './classify-visitor.ts';
import { ProviderError, type GeoProvider, type IpLookup } from './geo-provider.ts';
import { lookupAddress, minimizeIp, normalizeIp } from './ip-address.ts';
import type { IpEnricher, IpEnrichment, IpEnrichmentResult } from './ip-enricher.ts';

const HOUR = 60 * 60 * 1000;
const NO_ASNS: ReadonlySet<number> = new Set();

/**
 * The datacenter-ASN list stands in for a network type only where the provider gives none (the
 * offline databases); IPinfo types its networks itself, and its word wins.
 */
function classify(lookup: IpLookup | null): VisitorClass | null {
  const untyped = lookup !== null && lookup.asType === null && lookup.companyType === null;
  return classifyVisitor({ lookup, isBot: false, datacenterAsns: untyped ? DATACENTER_ASNS : NO_ASNS });
}

/** Cache lifetimes by visitor class (seed architecture): a company's network changes rarely, a VPN exit often. */
export function ttlForClass(visitorClass: VisitorClass | null): number {
  switch (visitorClass) {
    case 'business':
    case 'education':
    case 'government':
      return 7 * 24 * HOUR;
    case 'vpn':
    case 'proxy':
    case 'tor':
    case 'relay':
    case 'hosting':
      return 6 * HOUR;
    default:
      return 24 * HOUR;
  }
}

/** A cached answer: the lookup (null when the provider has nothing) and its class. */
interface Resolved {
  lookup: IpLookup | null;
  visitorClass: VisitorClass | null;
}

type Outcome = { ok: true; value: Resolved } | { ok: false };

export interface EnrichmentStats {
  provider: string;
  local: { hits: number; misses: number };
  shared: { hits: number; misses: number };
  providerCalls: { batches: number; addresses: number; errors: number; totalMs: number };
  singleFlightJoins: number;
  negativeHits: number;
  fallbackAnswers: number;
  pendingReturned: number;
}

/**
 * Lookups and cache entries are keyed by `lookupAddress`: an IPv4 address, or the /64 of an IPv6
 * one, so a visitor rotating addresses inside its /64 costs one lookup, not one per address.
 * `enrich` ignores `offlineOnly`: the service does not know whether its provider is online;
 * createConsentAwareEnricher routes such lookups to an offline service.
 */
export interface IpEnrichmentService extends IpEnricher {
  /** Resolves one address through every tier, waiting as long as it takes (the background job uses this). */
  resolve(ip: string): Promise<Outcome>;
  /**
   * Drops what the tiers hold for these addresses (this process's LRU and the shared cache), so an
   * erased visitor's address leaves no cache entry behind. Other instances' LRUs are told through
   * pub/sub by the caller.
   */
  forget(ips: readonly string[], options?: { localOnly?: boolean }): Promise<void>;
  stats(): EnrichmentStats;
}

export interface IpEnrichmentOptions {
  provider: GeoProvider;
  /**
   * Answers while the provider fails (IPinfo down or over quota → the offline databases). Its answers
   * are poorer, so they are kept only briefly and only in-process.
   */
  fallback?: GeoProvider;
  /**
   * The shared tier: Redis when configured, so instances share lookups; in-process otherwise. None for
   * the offline databases, which answer faster than a round trip to Redis.
   */
  sharedCache?: Cache;
  localMaxEntries?: number;
  /** Misses arriving within this window go to the provider in one batch call. */
  batchWindowMs?: number;
  maxBatch?: number;
  /** After a provider failure, the address is not retried for this long (local tier only). */
  negativeTtlMs?: number;
  /** Address minimisation after enrichment; defaults /24 and /48. */
  minimize?: (ip: string | undefined) => string | undefined;
  onProviderCall?: (addresses: number, ms: number, failed: boolean) => void;
  /** A lookup failed with an error that is not the provider's; its batch was settled as failed. */
  onUnexpectedError?: (error: unknown) => void;
}

function toEnrichment(resolved: Resolved): IpEnrichment {
  const { lookup, visitorClass } = resolved;
  const company = lookup === null ? null : companyOf(lookup, visitorClass);
  return {
    country: lookup?.country ?? null,
    region: lookup?.region ?? null,
    city: lookup?.city ?? null,
    asn: lookup?.asn ?? null,
    asName: lookup?.asName ?? null,
    visitorClass,
    companyDomain: company?.domain ?? null,
    companyName: company?.name ?? null,
    isVpn: lookup === null ? null : lookup.privacy.vpn,
    isHosting: lookup === null ? null : lookup.privacy.hosting || visitorClass === 'hosting',
  };
}

function parseCached(text: string): Resolved | undefined {
  try {
    const value = JSON.parse(text) as Resolved;
    return typeof value === 'object' && value !== null && 'lookup' in value ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Tiered IP enrichment: in-process LRU → shared cache (Redis) → provider. Concurrent misses for one
 * address share one lookup (single-flight); misses arriving within a few milliseconds go to the
 * provider as one batch. Provider failures are cached briefly in-process only, so an outage is not
 * hammered and never poisons the shared tier. `enrich` answers within its budget: a local hit
 * synchronously, anything slower as `pending` while the lookup completes in the background.
 */
export function createIpEnrichmentService(options: IpEnrichmentOptions): IpEnrichmentService {
  const local = new LRUCache<string, Resolved>({ max: options.localMaxEntries ?? 100_000 });
  const failures = new LRUCache<string, true>({ max: 100_000, ttl: options.negativeTtlMs ?? 60_000 });
  const inFlight = new Map<string, Promise<Outcome>>();
  const batchWindowMs = options.batchWindowMs ?? 2;
  const maxBatch = options.maxBatch ?? 1000;
  const minimize = options.minimize ?? ((ip: string | undefined) => minimizeIp(ip));
  const queue: Array<{ ip: string; settle: (outcome: Outcome) => void }> = [];
  let timer: NodeJS.Timeout | undefined;
  const stats: EnrichmentStats = {
    provider: options.provider.name,
    local: { hits: 0, misses: 0 },
    shared: { hits: 0, misses: 0 },
    providerCalls: { batches: 0, addresses: 0, errors: 0, totalMs: 0 },
    singleFlightJoins: 0,
    negativeHits: 0,
    fallbackAnswers: 0,
    pendingReturned: 0,
  };

  function remember(ip: string, lookup: IpLookup | null): Resolved {
    const resolved = { lookup, visitorClass: classify(lookup) };
    const ttl = ttlForClass(resolved.visitorClass);
    local.set(ip, resolved, { ttl });
    options.sharedCache?.set(`ip:${ip}`, JSON.stringify(resolved), ttl).catch(() => undefined);
    return resolved;
  }

  async function flush() {
    timer = undefined;
    const batch = queue.splice(0, maxBatch);
    if (queue.length > 0) timer = setTimeout(flush, 0);
    if (batch.length === 0) return;
    const started = performance.now();
    try {
      const answers = await options.provider.lookup([...new Set(batch.map((entry) => entry.ip))]);
      const ms = performance.now() - started;
      stats.providerCalls.batches += 1;
      stats.providerCalls.addresses += batch.length;
      stats.providerCalls.totalMs += ms;
      options.onProviderCall?.(batch.length, ms, false);
      const resolvedByIp = new Map<string, Resolved>();
      for (const { ip, settle } of batch) {
        let resolved = resolvedByIp.get(ip);
        if (resolved === undefined) {
          resolved = remember(ip, answers.get(ip) ?? null);
          resolvedByIp.set(ip, resolved);
        }
        settle({ ok: true, value: resolved });
      }
    } catch (error) {
      stats.providerCalls.errors += 1;
      options.onProviderCall?.(batch.length, performance.now() - started, true);
      if (!(error instanceof ProviderError)) {
        // Not the provider's doing (a bug, the MMDB reader closed during shutdown). flush runs from a
        // timer, where a throw is an unhandled rejection that ends the process: settle the batch as
        // failed instead (its events are stored pending for the backfill) and report it once.
        for (const { settle } of batch) settle({ ok: false });
        options.onUnexpectedError?.(error);
        return;
      }
      const fallback = await options.fallback
        ?.lookup([...new Set(batch.map((entry) => entry.ip))])
        .catch(() => undefined);
      for (const { ip, settle } of batch) {
        if (fallback === undefined) {
          failures.set(ip, true);
          settle({ ok: false });
          continue;
        }
        stats.fallbackAnswers += 1;
        const lookup = fallback.get(ip) ?? null;
        const resolved = { lookup, visitorClass: classify(lookup) };
        local.set(ip, resolved, { ttl: options.negativeTtlMs ?? 60_000 });
        settle({ ok: true, value: resolved });
      }
    }
  }

  function fromProvider(ip: string): Promise<Outcome> {
    return new Promise((settle) => {
      queue.push({ ip, settle });
      if (queue.length >= maxBatch) {
        if (timer) clearTimeout(timer);
        void flush();
      } else {
        timer ??= setTimeout(() => void flush(), batchWindowMs);
      }
    });
  }

  async function throughSharedTier(ip: string): Promise<Outcome> {
    if (options.sharedCache === undefined) return fromProvider(ip);
    const cached = await options.sharedCache.get(`ip:${ip}`).catch(() => undefined);
    const parsed = cached === undefined ? undefined : parseCached(cached);
    if (parsed !== undefined) {
      stats.shared.hits += 1;
      local.set(ip, parsed, { ttl: ttlForClass(parsed.visitorClass) });
      return { ok: true, value: parsed };
    }
    stats.shared.misses += 1;
    return fromProvider(ip);
  }

  function resolveOrHit(ip: string): Resolved | Promise<Outcome> {
    const hit = local.get(ip);
    if (hit !== undefined) {
      stats.local.hits += 1;
      return hit;
    }
    stats.local.misses += 1;
    if (failures.has(ip)) {
      stats.negativeHits += 1;
      return Promise.resolve({ ok: false });
    }
    let pending = inFlight.get(ip);
    if (pending === undefined) {
      pending = throughSharedTier(ip).finally(() => inFlight.delete(ip));
      inFlight.set(ip, pending);
    } else {
      stats.singleFlightJoins += 1;
    }
    return pending;
  }

  return {
    enrich(rawIp, budgetMs): IpEnrichmentResult | Promise<IpEnrichmentResult> {
      const ip = normalizeIp(rawIp);
      if (ip === undefined) return { status: 'skipped' };
      if (isBogon(ip)) {
        return { status: 'done', enrichment: toEnrichment({ lookup: null, visitorClass: 'private' }) };
      }
      const answer = resolveOrHit(lookupAddress(ip)!);
      if (!(answer instanceof Promise)) return { status: 'done', enrichment: toEnrichment(answer) };
      return new Promise((resolve) => {
        const deadline = setTimeout(() => {
          stats.pendingReturned += 1;
          resolve({ status: 'pending' });
        }, budgetMs);
        void answer.then((outcome) => {
          clearTimeout(deadline);
          resolve(
            outcome.ok ? { status: 'done', enrichment: toEnrichment(outcome.value) } : { status: 'pending' },
          );
        });
      });
    },
    minimize,
    async resolve(rawIp) {
      const ip = normalizeIp(rawIp);
      if (ip === undefined) return { ok: false };
      if (isBogon(ip)) return { ok: true, value: { lookup: null, visitorClass: 'private' } };
      const answer = resolveOrHit(lookupAddress(ip)!);
      return answer instanceof Promise ? answer : { ok: true, value: answer };
    },
    async forget(rawIps, { localOnly = false } = {}) {
      const keys = new Set<string>();
      for (const rawIp of rawIps) {
        const ip = normalizeIp(rawIp);
        const key = ip === undefined ? undefined : lookupAddress(ip);
        if (key !== undefined) keys.add(key);
      }
      for (const key of keys) {
        local.delete(key);
        failures.delete(key);
      }
      if (localOnly || options.sharedCache === undefined) return;
      const shared = options.sharedCache;
      await Promise.all([...keys].map((key) => shared.delete(`ip:${key}`)));
    },
    stats: () => structuredClone(stats),
  };
}

/** How long a lookup in the offline databases may take before the event is stored without it. */
export const OFFLINE_BUDGET_MS = 250;

/**
 * The ingestion seam over an online service (IPinfo, with the offline data as its fallback) and an
 * offline-only one. A lookup that must stay on this machine (`offlineOnly`) goes to the offline
 * databases only and never ends `pending`, because the background job would complete a pending
 * event through the online provider: past its budget it ends `failed` (stored without enrichment,
 * the address minimised). The offline data answers from memory, so its budget is generous: missing
 * it means the process is overloaded. Without offline data such a lookup is skipped.
 */
export function createConsentAwareEnricher(
  online: IpEnrichmentService,
  offline: IpEnrichmentService | undefined,
): IpEnricher {
  return {
    enrich(ip, budgetMs, options) {
      if (options?.offlineOnly !== true) return online.enrich(ip, budgetMs);
      if (offline === undefined) return { status: 'skipped' };
      const answer = offline.enrich(ip, Math.max(budgetMs, OFFLINE_BUDGET_MS));
      const settled = (result: IpEnrichmentResult): IpEnrichmentResult =>
        result.status === 'pending' ? { status: 'failed' } : result;
      return answer instanceof Promise ? answer.then(settled) : settled(answer);
    },
    minimize: online.minimize,
  };
}

export { toEnrichment };
