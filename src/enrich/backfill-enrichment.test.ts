import { afterAll, describe, expect, inject, it } from 'vitest';
import { createPool } from '../db/pool.ts';
import { createIngestion } from '../ingest/index.ts';
import type { RequestContext } from '../ingest/pipeline.ts';
import { newId } from '../lib/ids.ts';
import { createMemoryCache } from '../state/memory.ts';
import { backfillEnrichment, GIVE_UP_AFTER_MS } from './backfill-enrichment.ts';
import { emptyLookup, ProviderError, type GeoProvider } from './geo-provider.ts';
import { createIpEnrichmentService } from './ip-enrichment.ts';

const db = createPool({ connectionString: inject('databaseUrl'), max: 4 });
afterAll(() => db.end());

const acme = emptyLookup({
  country: 'GB',
  city: 'London',
  asn: 64500,
  asName: 'Acme Networks',
  companyName: 'Acme Ltd',
  companyDomain: 'acme.example',
  companyType: 'business',
});

/** Answers after `delayMs`, or fails while `down` is set: an outside provider at the interface. */
function slowProvider(delayMs: number) {
  const control = { down: false };
  const provider: GeoProvider = {
    name: 'slow',
    async lookup(ips) {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (control.down) throw new ProviderError('down', true);
      return new Map(ips.map((ip) => [ip, acme]));
    },
  };
  return { provider, control };
}

function context(siteId: string, ip: string, receivedAt = new Date()): RequestContext {
  return {
    site: {
      id: siteId,
      siteKey: siteId,
      agencyId: 'agency_x',
      domain: 'acme.example',
      allowedDomains: [],
      botPolicy: 'flag',
      cookieless: false,
      respectDnt: false,
      companyIdentificationWithoutConsent: false,
    },
    receivedAt,
    ip,
    userAgent:
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15',
    gpc: false,
    dnt: false,
    sentAt: undefined,
  };
}

async function ingestPending(siteId: string, ip: string, delayMs: number, receivedAt?: Date) {
  const { provider, control } = slowProvider(delayMs);
  const service = createIpEnrichmentService({ provider, sharedCache: createMemoryCache() });
  const ingestion = createIngestion({ db, ipEnricher: service });
  const outcome = await ingestion.pipeline.process(
    {
      site: 'pk',
      type: 'pageview',
      url: 'https://acme.example/pricing',
      consent: { analytics: true },
      visitorId: 'v1',
    },
    context(siteId, ip, receivedAt),
  );
  if (outcome.kind !== 'accepted') throw new Error(`not accepted: ${JSON.stringify(outcome)}`);
  const [written] = await ingestion.writer.write([outcome.row]);
  await ingestion.writer.close();
  return { id: (written as { id: string }).id, service, control };
}

/** Sessions reference their site, so the events need a real one. */
async function createSiteRow(): Promise<string> {
  const agencyId = newId('agency');
  const siteId = newId('site');
  await db.query('INSERT INTO agencies (id, name) VALUES ($1, $2)', [agencyId, 'Backfill test']);
  await db.query(
    `INSERT INTO sites (id, agency_id, name, domain, site_key, write_key_prefix, write_key_hash)
     VALUES ($1, $2, 'Acme', 'acme.example', $1, 'wk_', $1)`,
    [siteId, agencyId],
  );
  return siteId;
}

async function eventRow(id: string) {
  const { rows } = await db.query('SELECT * FROM events WHERE id = $1', [id]);
  return rows[0];
}

describe('enrichment backfill', () => {
  it('stores a slow lookup as pending with the full address, then completes event and session', async () => {
    const siteId = await createSiteRow();
    const { id, service } = await ingestPending(siteId, '81.2.69.160', 100);
    const pending = await eventRow(id);
    expect(pending).toMatchObject({ enrichment_status: 'pending', ip: '81.2.69.160', country: null });

    await expect.poll(async () => (await service.resolve('81.2.69.160')).ok).toBe(true);
    let result;
    do result = await backfillEnrichment({ db, enrichment: service });
    while ((await eventRow(id)).enrichment_status === 'pending' && result.done + result.failed > 0);

    expect(await eventRow(id)).toMatchObject({
      enrichment_status: 'done',
      ip: '81.2.69.0',
      country: 'GB',
      city: 'London',
      visitor_class: 'business',
      company_domain: 'acme.example',
      company_name: 'Acme Ltd',
    });
    const { rows } = await db.query('SELECT country, company_domain FROM sessions WHERE site_id = $1', [
      siteId,
    ]);
    expect(rows).toEqual([{ country: 'GB', company_domain: 'acme.example' }]);
    // The session gained its company here, so the company is created and credited with it once.
    const companies = await db.query(
      'SELECT domain, name, country, city, visits, pageviews FROM companies WHERE site_id = $1',
      [siteId],
    );
    expect(companies.rows).toEqual([
      { domain: 'acme.example', name: 'Acme Ltd', country: 'GB', city: 'London', visits: 1, pageviews: 1 },
    ]);
  });

  it('leaves events pending while the provider is down, and gives up after a day', async () => {
    const siteId = await createSiteRow();
    const { id, service, control } = await ingestPending(siteId, '81.2.69.161', 50);
    control.down = true;
    await new Promise((resolve) => setTimeout(resolve, 80));
    const later = Date.now() + 60_000;
    await backfillEnrichment({ db, enrichment: service, now: () => later });
    expect((await eventRow(id)).enrichment_status).toBe('pending');

    await backfillEnrichment({ db, enrichment: service, now: () => Date.now() + GIVE_UP_AFTER_MS + 1 });
    expect(await eventRow(id)).toMatchObject({ enrichment_status: 'failed', ip: '81.2.69.0', country: null });
  });
});
