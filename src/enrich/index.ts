import type { Registry } from 'prom-client';
import { ConfigError } from '../config.ts';
import { Gauge, Histogram } from 'prom-client';
import type { Pool } from '../db/pool.ts';
import type { JobContext } from '../jobs/definitions.ts';
import type { Cache } from '../state/interface.ts';
import { backfillEnrichment } from './backfill-enrichment.ts';
import type { GeoProvider } from './geo-provider.ts';
import { noIpEnrichment, type IpEnricher } from './ip-enricher.ts';
import {
  createConsentAwareEnricher,
  createIpEnrichmentService,
  type EnrichmentStats,
  type IpEnrichmentService,
} from './ip-enrichment.ts';
import { createIpinfoProvider } from './providers/ipinfo.ts';
import { createAsnCsvProvider, defaultAsnFiles } from './providers/asn-csv.ts';
import { mergeProviders } from './providers/merged.ts';
import { createMmdbProvider, defaultGeoipFiles } from './providers/mmdb.ts';

const BACKFILL_PAGE = 500;
const BACKFILL_MAX_PAGES = 20;

export interface Enrichment {
  enricher: IpEnricher;
  /** Undefined when no provider is configured and no offline data is installed. */
  service: IpEnrichmentService | undefined;
  /** Which providers answer, in order: e.g. ["ipinfo", "mmdb: …/asn.mmdb"]. */
  providers: string[];
  /**
   * The backfill job (src/jobs/catalog.ts runs it every 5 s on one instance at a time): completes
   * pending events a page at a time while pages bring progress. Stops between pages when told to.
   */
  backfill(options: JobContext & { db: Pool }): Promise<void>;
  /** Drops cached lookups of these addresses from every tier of this process and the shared cache. */
  forget(ips: readonly string[], options?: { localOnly?: boolean }): Promise<void>;
  close(): void;
}

export interface GeoProviders {
  online: GeoProvider | undefined;
  offline: GeoProvider | undefined;
  /** What answers, in order, for the start-up log and the statistics route. */
  names: string[];
  close(): void;
}

/**
 * Opens the providers: IPinfo when IPINFO_TOKEN is set; the offline data from GEOIP_DB (MMDB files,
 * comma separated; `none` for no offline data), or else the bundled data sets: the PDDL country
 * database and the CC BY 4.0 ASN ranges. Loading the ASN ranges takes about a second, so main.ts
 * runs this while the database starts.
 */
export async function loadGeoProviders(options: {
  ipinfo: { token: string | undefined; url: string };
  geoipDb: string | undefined;
}): Promise<GeoProviders> {
  const configured = options.geoipDb?.trim();
  const files =
    configured === 'none'
      ? []
      : configured
        ? configured
            .split(',')
            .map((file) => file.trim())
            .filter(Boolean)
        : defaultGeoipFiles();
  const asnFiles = configured ? undefined : defaultAsnFiles();
  const [mmdb, asn] = await Promise.all([
    files.length > 0
      ? createMmdbProvider({ files }).catch((error: unknown) => {
          // Only configured files can be missing: the bundled ones come with the install.
          throw configured ? new ConfigError('GEOIP_DB', (error as Error).message) : error;
        })
      : undefined,
    asnFiles ? createAsnCsvProvider(asnFiles) : undefined,
  ]);
  const offlineParts = [mmdb, asn].filter((provider) => provider !== undefined);
  const offline = offlineParts.length > 1 ? mergeProviders('offline', offlineParts) : offlineParts[0];
  const online: GeoProvider | undefined = options.ipinfo.token
    ? createIpinfoProvider({ baseUrl: options.ipinfo.url, token: options.ipinfo.token })
    : undefined;
  return {
    online,
    offline,
    names: [
      ...(online ? ['ipinfo'] : []),
      ...(mmdb?.describe().map((file) => `mmdb: ${file}`) ?? []),
      ...(asn?.describe().map((file) => `asn: ${file}`) ?? []),
    ],
    close() {
      mmdb?.close();
      asn?.close();
    },
  };
}

/**
 * IPinfo, when configured, answers first with the offline data as its fallback; otherwise the offline
 * data alone. With neither, enrichment is skipped and the address minimised at once. Addresses that
 * may not leave the machine (`offlineOnly`) go to the offline data alone, through its own
 * in-process cache: IPinfo's answers are never served for them, nor theirs cached for IPinfo's.
 */
export function createEnrichment(options: {
  providers: GeoProviders;
  sharedCache: Cache;
  metrics: Registry;
  log: { info(msg: string): void; warn(msg: string): void };
}): Enrichment {
  const { online, offline, names } = options.providers;
  const primary = online ?? offline;
  if (primary === undefined) {
    options.log.warn(
      'no IP enrichment: set IPINFO_TOKEN or GEOIP_DB; addresses are minimised without lookup',
    );
    return {
      enricher: noIpEnrichment,
      service: undefined,
      providers: names,
      backfill: async () => {},
      forget: async () => {},
      close: () => options.providers.close(),
    };
  }
  options.log.info(`IP enrichment through ${names.join(', ')}`);
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
    onUnexpectedError: (error) =>
      options.log.warn(
        `IP lookup failed, events stored pending: ${error instanceof Error ? error.message : String(error)}`,
      ),
  });
  registerEnrichmentMetrics(options.metrics, () => service.stats());
  const offlineOnly =
    online && offline ? createIpEnrichmentService({ provider: offline, batchWindowMs: 0 }) : undefined;
  return {
    enricher: online ? createConsentAwareEnricher(service, offlineOnly) : service,
    service,
    providers: names,
    async forget(ips, forgetOptions) {
      await Promise.all([service.forget(ips, forgetOptions), offlineOnly?.forget(ips, forgetOptions)]);
    },
    async backfill({ db, signal, now }) {
      // A provider outage may have left a backlog; a page that completes nothing ends the run.
      for (let pages = 0; pages < BACKFILL_MAX_PAGES && !signal.aborted; pages++) {
        const result = await backfillEnrichment({
          db,
          enrichment: service,
          limit: BACKFILL_PAGE,
          now: () => now().getTime(),
        });
        const completed = result.done + result.failed;
        if (completed === 0 || completed + result.stillPending < BACKFILL_PAGE) return;
      }
    },
    close: () => options.providers.close(),
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
