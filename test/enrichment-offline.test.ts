import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createEnrichment, loadGeoProviders } from '../src/enrich/index.ts';
import { createTenant, useTestApp } from './helpers.ts';

/** The embedded default: no token, no network; the bundled country and ASN data enrich every event. */
const context = useTestApp({
  enrichment: async (state, metrics) =>
    createEnrichment({
      providers: await loadGeoProviders({
        ipinfo: { token: undefined, url: 'http://127.0.0.1:9' },
        geoipDb: undefined,
      }),
      sharedCache: state.cache,
      metrics,
      log: { info: () => undefined, warn: () => undefined },
    }),
});

describe('offline IP enrichment (bundled data)', () => {
  it('uses the bundled country database and ASN ranges', () => {
    const names = context.enrichment!.providers;
    expect(names.some((name) => name.startsWith('mmdb: ') && name.includes('iptoasn-country'))).toBe(true);
    expect(names.some((name) => name.startsWith('asn: '))).toBe(true);
  });

  it.each([
    ['8.8.8.8', { country: 'US', asn: 15169, visitor_class: 'hosting', company_domain: null }],
    ['81.2.69.160', { country: 'GB' }],
  ])('enriches an event from %s without any network', async (ip, expected) => {
    const tenant = await createTenant(context);
    const site = (
      await context.app.inject({
        method: 'POST',
        url: '/api/sites',
        headers: tenant.auth,
        payload: { name: 'S', domain: 'shop.example' },
      })
    ).json();
    const send = () =>
      context.app.inject({
        method: 'POST',
        url: '/api/track/event',
        headers: {
          origin: 'https://shop.example',
          'x-forwarded-for': ip,
          'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
        },
        payload: {
          site: site.siteKey,
          type: 'pageview',
          url: 'https://shop.example/',
          eventId: randomUUID(),
        },
      });
    await send();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const response = await send();
    const { rows } = await context.db.query('SELECT * FROM events WHERE id = $1', [response.json().id]);
    expect(rows[0]).toMatchObject({ enrichment_status: 'done', ...expected });
  });
});
