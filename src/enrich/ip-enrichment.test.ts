import { describe, expect, it } from 'vitest';
import { createMemoryCache } from '../state/memory.ts';
import { emptyLookup, ProviderError, type GeoProvider, type IpLookup } from './geo-provider.ts';

import { createMmdbProvider, defaultGeoipFiles } from './providers/mmdb.ts';
import { createConsentAwareEnricher, createIpEnrichmentService, ttlForClass } from './ip-enrichment.ts';

const HOUR = 3_600_000;

/** A stand-in for a remote provider at the interface: records calls, answers from a table. */
function scriptedProvider(
  answers: Record<string, IpLookup>,
  options: { delayMs?: number; fail?: boolean } = {},
) {
  const calls: string[][] = [];
  const provider: GeoProvider = {
    name: 'scripted',
    async lookup(ips) {
      calls.push(ips);
      if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      if (options.fail) throw new ProviderError('down', true);
      return new Map(ips.map((ip) => [ip, answers[ip] ?? null]));
    },
  };
  return { provider, calls };
}

const business = emptyLookup({
  country: 'DE',
  city: 'Berlin',
  asn: 3320,
  asName: 'Deutsche Telekom AG',
  companyName: 'Acme GmbH',
  companyDomain: 'acme.example',
  companyType: 'business',
});
const isp = emptyLookup({
  country: 'US',
  asn: 7922,
  asName: 'Comcast Cable',
  asType: 'isp',
  companyType: 'isp',
});

describe('ttlForClass', () => {
  it.each([
    ['business', 7 * 24 * HOUR],
    ['education', 7 * 24 * HOUR],
    ['government', 7 * 24 * HOUR],
    ['isp', 24 * HOUR],
    [null, 24 * HOUR],
    ['vpn', 6 * HOUR],
    ['proxy', 6 * HOUR],
    ['tor', 6 * HOUR],
    ['hosting', 6 * HOUR],
  ] as const)('%s → %i ms', (visitorClass, ttl) => {
    expect(ttlForClass(visitorClass)).toBe(ttl);
  });
});

describe('IP enrichment service', () => {
  it('answers from the provider, then from the in-process tier without another call', async () => {
    const { provider, calls } = scriptedProvider({ '81.2.69.160': business });
    const service = createIpEnrichmentService({ provider, sharedCache: createMemoryCache() });
    const first = await service.enrich('81.2.69.160', 1000);
    expect(first).toMatchObject({
      status: 'done',
      enrichment: {
        country: 'DE',
        visitorClass: 'business',
        companyDomain: 'acme.example',
        companyName: 'Acme GmbH',
      },
    });
    const second = service.enrich('81.2.69.160', 1000);
    expect(second).not.toBeInstanceOf(Promise);
    expect(second).toMatchObject({ status: 'done', enrichment: { companyDomain: 'acme.example' } });
    expect(calls).toEqual([['81.2.69.160']]);
    expect(service.stats().local).toEqual({ hits: 1, misses: 1 });
  });

  it('makes one provider call for many concurrent misses of one address (single flight)', async () => {
    const { provider, calls } = scriptedProvider({ '81.2.69.160': business }, { delayMs: 20 });
    const service = createIpEnrichmentService({ provider, sharedCache: createMemoryCache() });
    const results = await Promise.all(Array.from({ length: 50 }, () => service.enrich('81.2.69.160', 1000)));
    expect(results.every((result) => result.status === 'done')).toBe(true);
    expect(calls).toEqual([['81.2.69.160']]);
    expect(service.stats().singleFlightJoins).toBe(49);
  });

  it('looks an IPv6 /64 up once, asking about its first address, however many addresses rotate in it', async () => {
    const network = '2a01:4f8:c17:1a2b::';
    const { provider, calls } = scriptedProvider({ [network]: business }, { delayMs: 20 });
    const shared = createMemoryCache();
    const service = createIpEnrichmentService({ provider, sharedCache: shared });
    const addresses = Array.from(
      { length: 100 },
      (_, index) =>
        `2a01:4f8:c17:1a2b:${((index * 7919) % 0x10000).toString(16)}:${index.toString(16)}:beef:${index + 1}`,
    );
    const results = await Promise.all(addresses.map((ip) => service.enrich(ip, 1000)));
    expect(results.every((result) => result.status === 'done')).toBe(true);
    expect(results[99]).toMatchObject({ enrichment: { companyDomain: 'acme.example' } });
    expect(calls).toEqual([[network]]);
    // Later visits from the same /64, on this instance or another, hit a cache.
    expect(service.enrich('2a01:4f8:c17:1a2b::42', 1000)).toMatchObject({ status: 'done' });
    expect(await shared.get(`ip:${network}`)).toBeDefined();
    expect(calls).toHaveLength(1);
  });

  it('keeps IPv4 addresses apart, and IPv6 networks apart', async () => {
    const { provider, calls } = scriptedProvider({});
    const service = createIpEnrichmentService({ provider, sharedCache: createMemoryCache() });
    await Promise.all(
      ['81.2.69.160', '81.2.69.161', '2a01:4f8:c17:1a2b::1', '2a01:4f8:c17:1a2c::1'].map((ip) =>
        service.resolve(ip),
      ),
    );
    expect(calls.flat().sort()).toEqual([
      '2a01:4f8:c17:1a2b::',
      '2a01:4f8:c17:1a2c::',
      '81.2.69.160',
      '81.2.69.161',
    ]);
  });

  it('gathers misses of different addresses into one batch call', async () => {
    const { provider, calls } = scriptedProvider({});
    const service = createIpEnrichmentService({
      provider,
      sharedCache: createMemoryCache(),
      batchWindowMs: 5,
    });
    const ips = Array.from({ length: 120 }, (_, index) => `81.2.${Math.floor(index / 250)}.${index + 1}`);
    await Promise.all(ips.map((ip) => service.enrich(ip, 1000)));
    expect(calls).toHaveLength(1);
    expect(calls[0]).toHaveLength(120);
  });

  it('splits batches at the provider limit', async () => {
    const { provider, calls } = scriptedProvider({});
    const service = createIpEnrichmentService({ provider, sharedCache: createMemoryCache(), maxBatch: 50 });
    const ips = Array.from({ length: 120 }, (_, index) => `81.2.0.${index + 1}`);
    await Promise.all(ips.map((ip) => service.resolve(ip)));
    expect(calls.map((call) => call.length).sort()).toEqual([20, 50, 50]);
  });

  it('shares answers between instances through the shared tier', async () => {
    const shared = createMemoryCache();
    const a = scriptedProvider({ '81.2.69.160': business });
    const b = scriptedProvider({ '81.2.69.160': business });
    await createIpEnrichmentService({ provider: a.provider, sharedCache: shared }).enrich(
      '81.2.69.160',
      1000,
    );
    const other = createIpEnrichmentService({ provider: b.provider, sharedCache: shared });
    expect(await other.enrich('81.2.69.160', 1000)).toMatchObject({
      status: 'done',
      enrichment: { companyDomain: 'acme.example' },
    });
    expect(b.calls).toEqual([]);
    expect(other.stats().shared).toEqual({ hits: 1, misses: 0 });
  });

  it('answers pending when the provider is slower than the budget, and fills the cache for later', async () => {
    const { provider } = scriptedProvider({ '73.0.0.1': isp }, { delayMs: 80 });
    const service = createIpEnrichmentService({ provider, sharedCache: createMemoryCache() });
    const started = performance.now();
    expect(await service.enrich('73.0.0.1', 20)).toEqual({ status: 'pending' });
    expect(performance.now() - started).toBeLessThan(70);
    await expect.poll(() => service.enrich('73.0.0.1', 20) instanceof Promise).toBe(false);
    expect(service.enrich('73.0.0.1', 20)).toMatchObject({
      status: 'done',
      enrichment: { visitorClass: 'isp' },
    });
  });

  it('keeps a provider failure from being retried at once, and from reaching the shared tier', async () => {
    const shared = createMemoryCache();
    const { provider, calls } = scriptedProvider({}, { fail: true });
    const service = createIpEnrichmentService({ provider, sharedCache: shared });
    expect(await service.enrich('81.2.69.160', 1000)).toEqual({ status: 'pending' });
    expect(await service.enrich('81.2.69.160', 1000)).toEqual({ status: 'pending' });
    expect(calls).toHaveLength(1);
    expect(await shared.get('ip:81.2.69.160')).toBeUndefined();
  });

  it('answers from the fallback while the provider fails, keeping those answers local and brief', async () => {
    const shared = createMemoryCache();
    const primary = scriptedProvider({}, { fail: true });
    const offline = scriptedProvider({ '73.0.0.1': isp });
    const service = createIpEnrichmentService({
      provider: primary.provider,
      fallback: offline.provider,
      sharedCache: shared,
    });
    expect(await service.enrich('73.0.0.1', 1000)).toMatchObject({
      status: 'done',
      enrichment: { asn: 7922 },
    });
    expect(await shared.get('ip:73.0.0.1')).toBeUndefined();
    expect(service.stats().fallbackAnswers).toBe(1);
  });

  it('never sends private or reserved addresses to the provider', async () => {
    const { provider, calls } = scriptedProvider({});
    const service = createIpEnrichmentService({ provider, sharedCache: createMemoryCache() });
    for (const ip of ['10.0.0.1', '192.168.1.1', '127.0.0.1', '::1', 'fe80::1', '100.64.0.1']) {
      expect(service.enrich(ip, 1000), ip).toMatchObject({
        status: 'done',
        enrichment: { visitorClass: 'private' },
      });
    }
    expect(calls).toEqual([]);
  });

  describe('robustness to invalid data', () => {
    it.each([[undefined], [''], ['not an ip'], ['999.1.1.1'], ['1.2.3.4; DROP TABLE']])('skips %j', (ip) => {
      const { provider } = scriptedProvider({});
      const service = createIpEnrichmentService({ provider, sharedCache: createMemoryCache() });
      expect(service.enrich(ip, 1000)).toEqual({ status: 'skipped' });
    });

    it('ignores garbage in the shared tier instead of serving it', async () => {
      const shared = createMemoryCache();
      await shared.set('ip:81.2.69.160', '<html>not json', 60_000);
      await shared.set('ip:81.2.69.161', '42', 60_000);
      const { provider, calls } = scriptedProvider({ '81.2.69.160': business, '81.2.69.161': isp });
      const service = createIpEnrichmentService({ provider, sharedCache: shared });
      expect(await service.enrich('81.2.69.160', 1000)).toMatchObject({
        status: 'done',
        enrichment: { country: 'DE' },
      });
      expect(await service.enrich('81.2.69.161', 1000)).toMatchObject({
        status: 'done',
        enrichment: { country: 'US' },
      });
      expect(calls.flat()).toEqual(['81.2.69.160', '81.2.69.161']);
    });
  });
});

describe('IP enrichment when the provider fails in a way it should not', () => {
  it('stores the batch pending and reports it once, with no unhandled rejection (MMDB reader closed mid-flight)', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const mmdb = await createMmdbProvider({ files: defaultGeoipFiles() });
      const reported: unknown[] = [];
      const service = createIpEnrichmentService({
        provider: mmdb,
        sharedCache: createMemoryCache(),
        onUnexpectedError: (error) => void reported.push(error),
      });
      const enriched = service.enrich('81.2.69.160', 50);
      const resolved = service.resolve('81.2.69.161');
      // Shutdown closes the reader while the batch waits for its window: its lookup throws a plain Error.
      mmdb.close();
      expect(await enriched).toEqual({ status: 'pending' });
      expect(await resolved).toEqual({ ok: false });
      await new Promise((resolve) => setImmediate(resolve));
      expect(reported).toEqual([new Error('the MMDB provider is closed')]);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('consent-aware enricher', () => {
  function services(options: { offlineDelayMs?: number; offlineFails?: boolean } = {}) {
    const online = scriptedProvider({ '81.2.69.160': business });
    const offline = scriptedProvider(
      { '81.2.69.160': isp },
      { delayMs: options.offlineDelayMs, fail: options.offlineFails },
    );
    return {
      online,
      offline,
      onlineService: createIpEnrichmentService({
        provider: online.provider,
        sharedCache: createMemoryCache(),
      }),
      offlineService: createIpEnrichmentService({ provider: offline.provider, batchWindowMs: 0 }),
    };
  }

  it('sends lookups with permission to the online service', async () => {
    const { online, offline, onlineService, offlineService } = services();
    const enricher = createConsentAwareEnricher(onlineService, offlineService);
    expect(await enricher.enrich('81.2.69.160', 1000, { offlineOnly: false })).toMatchObject({
      status: 'done',
      enrichment: { companyDomain: 'acme.example' },
    });
    expect(online.calls).toEqual([['81.2.69.160']]);
    expect(offline.calls).toEqual([]);
  });

  it('never lets an offline-only lookup reach the online provider, nor use its cached answer', async () => {
    const { online, offline, onlineService, offlineService } = services();
    const enricher = createConsentAwareEnricher(onlineService, offlineService);
    await onlineService.resolve('81.2.69.160');
    expect(await enricher.enrich('81.2.69.160', 1000, { offlineOnly: true })).toMatchObject({
      status: 'done',
      enrichment: { asn: 7922, visitorClass: 'isp', companyDomain: null },
    });
    expect(await enricher.enrich('81.2.69.161', 1000, { offlineOnly: true })).toMatchObject({
      status: 'done',
    });
    expect(online.calls).toEqual([['81.2.69.160']]);
    expect(offline.calls.flat()).toEqual(['81.2.69.160', '81.2.69.161']);
  });

  it('waits for the offline data past the ingestion budget, and never answers pending', async () => {
    const { onlineService, offlineService } = services({ offlineDelayMs: 40 });
    const enricher = createConsentAwareEnricher(onlineService, offlineService);
    expect(await enricher.enrich('81.2.69.160', 20, { offlineOnly: true })).toMatchObject({ status: 'done' });
  });

  it('stores an event without enrichment (failed, not pending) when the offline data fails', async () => {
    const { onlineService, offlineService } = services({ offlineFails: true });
    const enricher = createConsentAwareEnricher(onlineService, offlineService);
    expect(await enricher.enrich('81.2.69.160', 20, { offlineOnly: true })).toEqual({ status: 'failed' });
  });

  it('skips an offline-only lookup when there is no offline data', async () => {
    const { online, onlineService } = services();
    const enricher = createConsentAwareEnricher(onlineService, undefined);
    expect(await enricher.enrich('81.2.69.160', 1000, { offlineOnly: true })).toEqual({ status: 'skipped' });
    expect(online.calls).toEqual([]);
  });

  it('still answers private addresses and garbage without any provider', async () => {
    const { online, offline, onlineService, offlineService } = services();
    const enricher = createConsentAwareEnricher(onlineService, offlineService);
    expect(enricher.enrich('10.0.0.1', 20, { offlineOnly: true })).toMatchObject({
      status: 'done',
      enrichment: { visitorClass: 'private' },
    });
    expect(enricher.enrich('not an ip', 20, { offlineOnly: true })).toEqual({ status: 'skipped' });
    expect([...online.calls, ...offline.calls]).toEqual([]);
  });
});
