import { describe, expect, it } from 'vitest';
import type { EnrichOptions, IpEnricher } from '../enrich/ip-enricher.ts';
import { minimizeIp } from '../enrich/ip-address.ts';
import { createPipeline, type PipelineOutcome, type RequestContext } from './pipeline.ts';
import type { ResolvedSite } from './site-resolver.ts';
import type { TrackEvent } from './track-schema.ts';
import type { CookielessVisitorIds } from './visitor-ids.ts';

const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

/** The pipeline's steps are pure but for two seams: the daily salt (a database row) and IP enrichment. */
const visitorIds: CookielessVisitorIds = {
  visitorId: async () => 'cl_test',
  pruneSalts: async () => undefined,
};

function recordingEnricher() {
  const calls: Array<EnrichOptions | undefined> = [];
  const enricher: IpEnricher = {
    enrich: (_ip, _budgetMs, options) => {
      calls.push(options);
      return { status: 'skipped' };
    },
    minimize: (ip) => minimizeIp(ip),
  };
  return { enricher, calls };
}

function site(overrides: Partial<ResolvedSite> = {}): ResolvedSite {
  return {
    id: 'site_test',
    siteKey: 'pk_test',
    agencyId: 'agency_test',
    domain: 'shop.example',
    allowedDomains: [],
    botPolicy: 'flag',
    cookieless: false,
    respectDnt: false,
    companyIdentificationWithoutConsent: false,
    destinations: [],
    ...overrides,
  };
}

function context(overrides: Partial<RequestContext> = {}): RequestContext {
  return {
    site: site(),
    receivedAt: new Date('2026-07-01T12:00:00Z'),
    ip: '81.2.69.160',
    userAgent: CHROME,
    gpc: false,
    dnt: false,
    sentAt: undefined,
    ...overrides,
  };
}

function pageview(overrides: Partial<TrackEvent> = {}): TrackEvent {
  return { site: 'pk_test', type: 'pageview', url: 'https://shop.example/', ...overrides };
}

async function process(event: TrackEvent, requestContext = context()) {
  const { enricher, calls } = recordingEnricher();
  const outcome = await createPipeline({ visitorIds, ipEnricher: enricher }).process(event, requestContext);
  return { outcome, calls };
}

function accepted(outcome: PipelineOutcome) {
  if (outcome.kind !== 'accepted') throw new Error(`not accepted: ${JSON.stringify(outcome)}`);
  return outcome.row;
}

describe('a page view needs its URL', () => {
  it.each([
    ['without url', pageview({ url: undefined })],
    ['with an empty url', pageview({ url: '' })],
  ])('refuses a page view %s, naming url', async (_label, event) => {
    const { outcome } = await process(event);
    expect(outcome).toMatchObject({ kind: 'rejected', field: 'url' });
  });

  it.each<[string, TrackEvent]>([
    ['a custom event', { site: 'pk_test', type: 'event', name: 'signup' }],
    ['an identify', { site: 'pk_test', type: 'identify', userId: 'u1' }],
  ])('accepts %s without url', async (_label, event) => {
    const { outcome } = await process(event);
    expect(outcome.kind).toBe('accepted');
  });
});

describe('click ids follow ads consent', () => {
  const landing =
    'https://shop.example/landing?gclid=EAIaIQobChMI8fJk2LmQ9xZr4TbW7nPc3VyHd6&fbclid=IwAR2xyz&msclkid=m1&plan=pro';

  it.each<[string, TrackEvent['consent'], boolean, boolean]>([
    ['ads consent', { analytics: true, ads: true }, false, true],
    ['ads consent under Global Privacy Control', { analytics: true, ads: true }, true, false],
    ['analytics consent only', { analytics: true, ads: false }, false, false],
    ['no consent at all', undefined, false, false],
  ])('with %s, stores them: %s', async (_label, consent, gpc, kept) => {
    const { outcome } = await process(pageview({ url: landing, consent }), context({ gpc }));
    const row = accepted(outcome);
    expect({ gclid: row.gclid, fbclid: row.fbclid, msclkid: row.msclkid }).toEqual(
      kept
        ? { gclid: 'EAIaIQobChMI8fJk2LmQ9xZr4TbW7nPc3VyHd6', fbclid: 'IwAR2xyz', msclkid: 'm1' }
        : { gclid: null, fbclid: null, msclkid: null },
    );
    // The click still names the channel, and no copy of the id survives in the stored URLs.
    expect(row.referrer_type).toBe('paid');
    expect(row.url).toBe('https://shop.example/landing?plan=pro');
  });

  it('keeps click ids out of the stored referrer too', async () => {
    const { outcome } = await process(
      pageview({ referrer: 'https://shop.example/landing?gclid=abc&plan=pro', consent: { ads: false } }),
    );
    expect(accepted(outcome).referrer).toBe('https://shop.example/landing?plan=pro');
  });
});

describe('IP lookups stay on this machine without permission', () => {
  it.each<[string, TrackEvent['consent'], boolean, boolean, boolean]>([
    ['analytics consent', { analytics: true }, false, false, false],
    ['no consent, default site', undefined, false, false, true],
    ['analytics refused, default site', { analytics: false }, false, false, true],
    ['ads consent only', { ads: true }, false, false, true],
    ['no consent, site identifies companies under legitimate interest', undefined, false, true, false],
    ['analytics consent with Global Privacy Control', { analytics: true }, true, false, true],
    ['Global Privacy Control on a site with legitimate interest', undefined, true, true, true],
  ])('%s → offline only: %s', async (_label, consent, gpc, optedIn, offlineOnly) => {
    const { calls } = await process(
      pageview({ consent }),
      context({ gpc, site: site({ companyIdentificationWithoutConsent: optedIn }) }),
    );
    expect(calls).toEqual([{ offlineOnly }]);
  });
});

describe('personal data in free text', () => {
  it('scrubs the title, the event name and props, and the URLs', async () => {
    const { outcome } = await process({
      site: 'pk_test',
      type: 'event',
      name: 'newsletter signup jane@example.com',
      url: 'https://shop.example/thanks/jane%40example.com?ref=jane%40example.com',
      referrer: 'https://mail.example.net/read?from=%2B4915112345678',
      title: 'Thanks, jane@example.com – we will call +49 30 12345678',
      props: { phone: '5551234567', plan: 'pro', nested: { email: 'jane@example.com' } },
    });
    const row = accepted(outcome);
    expect(row).toMatchObject({
      name: 'newsletter signup [email]',
      url: 'https://shop.example/thanks/%5Bemail%5D?ref=%5Bemail%5D',
      path: '/thanks/%5Bemail%5D',
      referrer: 'https://mail.example.net/read?from=%5Bphone%5D',
      title: 'Thanks, [email] – we will call [phone]',
      props: { phone: '[phone]', plan: 'pro', nested: { email: '[email]' } },
    });
  });

  it('scrubs a title before shortening it, so no half address survives the cut', async () => {
    const title = `${'x'.repeat(1015)} jane.doe@example.com`;
    const { outcome } = await process(pageview({ title }));
    expect(accepted(outcome).title).toBe(`${'x'.repeat(1015)} [email]`);
  });

  it('leaves ordinary titles, names and props as they came', async () => {
    const props = { plan: 'team', seats: 12, order: 'ORD-2024-000123', total: 1299 };
    const { outcome } = await process({
      site: 'pk_test',
      type: 'event',
      name: 'purchase',
      url: 'https://shop.example/checkout/done',
      title: 'Order 10023456789 of 2024-01-15 | Acme',
      props,
    });
    const row = accepted(outcome);
    expect(row).toMatchObject({ name: 'purchase', title: 'Order 10023456789 of 2024-01-15 | Acme' });
    expect(row.props).toBe(props);
  });
});
