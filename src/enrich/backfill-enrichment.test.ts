import { afterAll, describe, expect, inject, it } from 'vitest';
import { createPool } from '../db/pool.ts';
import { createIngestion } from '../ingest/index.ts';
import type { RequestContext } from '../ingest/pipeline.ts';
import { newId } from '../lib/ids.ts';
import { createMemoryCache } from '../state/memory.ts';
import { backfillEnrichment, GIVE_UP_AFTER_MS } from './backfill-enrichment.ts';
import { emptyLookup, ProviderError, type GeoProvider, type IpLookup } from './geo-provider.ts';
import { createIpEnrichmentService, type IpEnrichmentService } from './ip-enrichment.ts';

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
      destinations: [],
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

/** Ingests one page view from `ip` through the pipeline and the writer; returns the event id. */
async function ingest(siteId: string, ip: string, service: IpEnrichmentService, receivedAt?: Date) {
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
  return (written as { id: string }).id;
}

/** An event stored pending: its lookup takes longer than ingestion's budget. */
async function ingestPending(siteId: string, ip: string, delayMs: number, receivedAt?: Date) {
  const { provider, control } = slowProvider(delayMs);
  const service = createIpEnrichmentService({ provider, sharedCache: createMemoryCache() });
  return { id: await ingest(siteId, ip, service, receivedAt), service, control };
}

/** A service whose provider answers `lookup` for every address, after running `meanwhile`. */
function serviceAnswering(lookup: IpLookup, meanwhile: () => Promise<void> = async () => undefined) {
  const provider: GeoProvider = {
    name: 'scripted',
    async lookup(ips) {
      await meanwhile();
      return new Map(ips.map((ip) => [ip, lookup]));
    },
  };
  return createIpEnrichmentService({ provider, sharedCache: createMemoryCache() });
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
    do result = await backfillEnrichment({ db, enrichment: service, siteId });
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
    await backfillEnrichment({ db, enrichment: service, now: () => later, siteId });
    expect((await eventRow(id)).enrichment_status).toBe('pending');

    await backfillEnrichment({
      db,
      enrichment: service,
      now: () => Date.now() + GIVE_UP_AFTER_MS + 1,
      siteId,
    });
    expect(await eventRow(id)).toMatchObject({ enrichment_status: 'failed', ip: '81.2.69.0', country: null });
  });

  it('asks the provider with no lock held on the events, so writers to them never wait for it', async () => {
    const siteId = await createSiteRow();
    const { id } = await ingestPending(siteId, '81.2.69.170', 100);
    let meanwhile: unknown;
    const service = serviceAnswering(acme, async () => {
      // Another writer (an erasure, the ingest writer's next batch) touching the same row.
      const other = await db.connect();
      try {
        await other.query('BEGIN');
        await other.query("SET LOCAL lock_timeout = '3s'");
        await other.query(`UPDATE events SET title = 'changed meanwhile' WHERE site_id = $1 AND id = $2`, [
          siteId,
          id,
        ]);
        await other.query('COMMIT');
        meanwhile = 'updated';
      } catch (error) {
        await other.query('ROLLBACK');
        meanwhile = error;
      } finally {
        other.release();
      }
    });
    expect(await backfillEnrichment({ db, enrichment: service, siteId })).toEqual({
      done: 1,
      failed: 0,
      stillPending: 0,
    });
    expect(meanwhile).toBe('updated');
    expect(await eventRow(id)).toMatchObject({
      enrichment_status: 'done',
      title: 'changed meanwhile',
      country: 'GB',
      ip: '81.2.69.0',
    });
  });

  it('leaves an event completed elsewhere meanwhile as it is, and credits its session only once', async () => {
    const siteId = await createSiteRow();
    const { id } = await ingestPending(siteId, '81.2.69.171', 100);
    const service = serviceAnswering(acme, async () => {
      await db.query(
        `UPDATE events SET enrichment_status = 'done', country = 'FR', ip = '81.2.69.0'
         WHERE site_id = $1 AND id = $2`,
        [siteId, id],
      );
    });
    expect(await backfillEnrichment({ db, enrichment: service, siteId })).toEqual({
      done: 0,
      failed: 0,
      stillPending: 0,
    });
    expect(await eventRow(id)).toMatchObject({
      enrichment_status: 'done',
      country: 'FR',
      company_domain: null,
    });
    const sessions = await db.query('SELECT company_domain FROM sessions WHERE site_id = $1', [siteId]);
    expect(sessions.rows).toEqual([{ company_domain: null }]);
    const companies = await db.query('SELECT count(*)::int AS n FROM companies WHERE site_id = $1', [siteId]);
    expect(companies.rows[0].n).toBe(0);
  });

  it('stores AS numbers from 2^31 up (32-bit, as IPinfo sends them) at ingestion and from the backfill', async () => {
    const siteId = await createSiteRow();
    const highAsn = { ...acme, asn: 4_200_000_000 };
    const service = serviceAnswering(highAsn);
    // Looked up once beforehand, so ingestion answers from the in-process tier within its budget.
    expect(await service.resolve('81.2.69.180')).toMatchObject({ ok: true });
    const atIngestion = await ingest(siteId, '81.2.69.180', service);
    expect(await eventRow(atIngestion)).toMatchObject({ enrichment_status: 'done', asn: 4_200_000_000 });

    const { id: pending } = await ingestPending(siteId, '81.2.69.181', 100);
    expect(
      await backfillEnrichment({ db, enrichment: serviceAnswering({ ...acme, asn: 4_294_967_295 }), siteId }),
    ).toMatchObject({ done: 1 });
    expect(await eventRow(pending)).toMatchObject({ enrichment_status: 'done', asn: 4_294_967_295 });
  });

  it('completes an event whose received_at has microseconds (a JavaScript Date keeps only milliseconds)', async () => {
    const siteId = await createSiteRow();
    const id = newId('evt');
    await db.query(
      `INSERT INTO events (site_id, id, type, received_at, occurred_at, ip, enrichment_status)
       VALUES ($1, $2, 'pageview', now() - interval '0.000123 seconds', now(), '81.2.69.190', 'pending')`,
      [siteId, id],
    );
    expect(await backfillEnrichment({ db, enrichment: serviceAnswering(acme), siteId })).toMatchObject({
      done: 1,
    });
    expect(await eventRow(id)).toMatchObject({ enrichment_status: 'done', ip: '81.2.69.0' });
  });
});
