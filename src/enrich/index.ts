import type { Registry } from 'prom-client';
import { Gauge, Histogram } from 'prom-client';
import type { Pool } from '../db/pool.ts';
import type { Cache } from '../state/interface.ts';
import { backfillEnrichment } from './backfill-enrichment.ts';
import type { GeoProvider } from './geo-provider.ts';
import { noIpEnrichment, type IpEnricher } from './ip-enricher.ts';
import {
  createIpEnrichmentService,
  type EnrichmentStats,
  type IpEnrichmentService,
} from './ip-enrichment.ts';
import { createIpinfoProvider } from './providers/ipinfo.ts';
import { createMmdbProvider, defaultGeoipFiles } from './providers/mmdb.ts';

export interface Enrichment {
  enricher: IpEnricher;
  /** Undefined when no provider is configured and no offline data is installed. */
  service: IpEnrichmentService | undefined;
  /** Which providers answer, in order: e.g. ["ipinfo", "mmdb: …/asn.mmdb"]. */
  providers: string[];
  /** Runs the background job that completes pending events until stopped. */
  startBackfill(options: {
    db: Pool;
    log: { error(object: object, message: string): void };
  }): () => Promise<void>;
  close(): void;
}

/**
 * Chooses the providers: IPinfo when IPINFO_TOKEN is set, with the offline databases as its fallback;
 * the offline databases alone otherwise (GEOIP_DB, or the bundled ones). No data at all → enrichment
 * is skipped and the address minimised at once.
 */
export async function createEnrichment(options: {
  ipinfo: { token: string | undefined; url: string };
  geoipDb: string | undefined;
  sharedCache: Cache;
  metrics: Registry;
  log: { info(msg: string): void; warn(msg: string): void };
}): Promise<Enrichment> {
  const files = options.geoipDb
    ? options.geoipDb
        .split(',')
        .map((file) => file.trim())
        .filter(Boolean)
    : defaultGeoipFiles();
  const offline = files.length > 0 ? await createMmdbProvider({ files }) : undefined;
  const online: GeoProvider | undefined = options.ipinfo.token
    ? createIpinfoProvider({ baseUrl: options.ipinfo.url, token: options.ipinfo.token })
    : undefined;
  const primary = online ?? offline;
  const providers = [
    ...(online ? ['ipinfo'] : []),
    ...(offline ? offline.describe().map((file) => `mmdb: ${file}`) : []),
  ];
  if (primary === undefined) {
    options.log.warn(
      'no IP enrichment: set IPINFO_TOKEN or GEOIP_DB; addresses are minimised without lookup',
    );
    return {
      enricher: noIpEnrichment,
      service: undefined,
      providers,
      startBackfill: () => async () => {},
      close() {},
    };
  }
  options.log.info(`IP enrichment through ${providers.join(', ')}`);
  const providerSeconds = new Histogram({
    name: 'beacon_enrichment_provider_seconds',
    help: 'Latency of provider calls (one call may carry a batch of addresses)',
    labelNames: ['result'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [options.metrics],
  });
  const service = createIpEnrichmentService({
    provider: primary,
    fallback: online ? offline : undefined,
    sharedCache: options.sharedCache,
    onProviderCall: (_addresses, ms, failed) =>
      providerSeconds.observe({ result: failed ? 'error' : 'ok' }, ms / 1000),
  });
  registerEnrichmentMetrics(options.metrics, () => service.stats());
  return {
    enricher: service,
    service,
    providers,
    startBackfill({ db, log }) {
      let stopped = false;
      let running: Promise<unknown> = Promise.resolve();
      const tick = async () => {
        // Keep going while full pages come back: a provider outage may have left a backlog.
        for (let pages = 0; pages < 20 && !stopped; pages++) {
          const result = await backfillEnrichment({ db, enrichment: service });
          if (result.done + result.failed + result.stillPending < 500) break;
        }
      };
      const timer = setInterval(() => {
        running = running
          .then(tick)
          .catch((error: unknown) => log.error({ err: error }, 'enrichment backfill failed'));
      }, 5_000);
      timer.unref();
      return async () => {
        stopped = true;
        clearInterval(timer);
        await running;
      };
    },
    close() {
      offline?.close();
    },
  };
}

/** Exposes the tiers' hit and miss counts and the hit rate to Prometheus. */
function registerEnrichmentMetrics(registry: Registry, stats: () => EnrichmentStats) {
  new Gauge({
    name: 'beacon_enrichment_lookups',
    help: 'IP enrichment lookups by tier and result since start',
    labelNames: ['tier', 'result'] as const,
    registers: [registry],
    collect() {
      const current = stats();
      this.set({ tier: 'local', result: 'hit' }, current.local.hits);
      this.set({ tier: 'local', result: 'miss' }, current.local.misses);
      this.set({ tier: 'shared', result: 'hit' }, current.shared.hits);
      this.set({ tier: 'shared', result: 'miss' }, current.shared.misses);
      this.set({ tier: 'provider', result: 'error' }, current.providerCalls.errors);
      this.set({ tier: 'provider', result: 'fallback' }, current.fallbackAnswers);
    },
  });
  new Gauge({
    name: 'beacon_enrichment_hit_rate',
    help: 'Share of lookups answered from a cache tier',
    registers: [registry],
    collect() {
      this.set(hitRate(stats()));
    },
  });
}

export function hitRate(stats: EnrichmentStats): number {
  const lookups = stats.local.hits + stats.local.misses;
  return lookups === 0 ? 0 : (stats.local.hits + stats.shared.hits) / lookups;
}
