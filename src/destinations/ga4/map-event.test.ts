import { describe, expect, it } from 'vitest';
import { destinationEvent } from '../../../test/fakes/destination-event.ts';
import type { DestinationEvent, EventRule } from '../destination-type.ts';
import {
  ga4Items,
  GA4_MAX_EVENT_AGE_MS,
  mapGa4Event,
  type Ga4Event,
  type Ga4RequestFields,
} from './map-event.ts';

const NOW = new Date('2026-12-01T12:00:00.000Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const ALL: EventRule = { match: '*' };

/** The sample purchase, a minute before NOW, in a session that started five minutes before it. */
function event(overrides: Partial<DestinationEvent> = {}): DestinationEvent {
  return destinationEvent({ occurredAt: new Date(NOW.getTime() - MINUTE), ...overrides });
}

function mapped(
  input: DestinationEvent,
  rule: EventRule = ALL,
): { request: Ga4RequestFields; event: Ga4Event } {
  const result = mapGa4Event(input, rule, NOW);
  if (result.kind !== 'mapped') throw new Error(`expected a mapped event, got ${JSON.stringify(result)}`);
  return result;
}

const pageView = (overrides: Partial<DestinationEvent> = {}) =>
  event({
    type: 'pageview',
    name: null,
    value: null,
    currency: null,
    transactionId: null,
    props: null,
    ...overrides,
  });

describe('mapGa4Event: names', () => {
  it.each<[string, Partial<DestinationEvent>, EventRule, string]>([
    ['a page view', { type: 'pageview', name: null }, ALL, 'page_view'],
    ['a custom event', { name: 'purchase' }, ALL, 'purchase'],
    ['a custom event with spaces and punctuation', { name: 'Add to cart!' }, ALL, 'Add_to_cart'],
    [
      "a rule's as over the event's name",
      { name: 'order-complete' },
      { match: 'order-complete', as: 'purchase' },
      'purchase',
    ],
    ["a rule's as, cleaned", { name: 'x' }, { match: 'x', as: 'Lead Form' }, 'Lead_Form'],
    [
      "a rule's as for page views",
      { type: 'pageview', name: null },
      { match: 'pageview', as: 'virtual_page' },
      'virtual_page',
    ],
    [
      'an outbound click',
      { name: '$outbound', props: { url: 'https://other.example/a' } },
      ALL,
      'outbound_click',
    ],
    ['a download', { name: '$download', props: { url: 'https://cdn.example/r.pdf' } }, ALL, 'download'],
    ['engagement', { name: '$engagement', engagementMs: 4000 }, ALL, 'page_engagement'],
    ['another automatic event', { name: '$form_submitted' }, ALL, 'form_submitted'],
    ['identify, when a rule sends it', { type: 'identify', name: null }, { match: 'identify' }, 'identify'],
    ['identify as login', { type: 'identify', name: null }, { match: 'identify', as: 'login' }, 'login'],
  ])('sends %s as %s', (_label, overrides, rule, name) => {
    expect(mapped(event(overrides), rule).event.name).toBe(name);
  });

  it.each<[string, Partial<DestinationEvent>, EventRule]>([
    ['a custom event GA4 reserves', { name: 'click' }, ALL],
    ['a custom event named after a reserved one', { name: 'Session Start' }, ALL],
    ["a rule's reserved as", { name: 'purchase' }, { match: 'purchase', as: 'user_engagement' }],
    ['a name with nothing usable', { name: '¡¿!' }, ALL],
    ['a custom event without a name', { name: null }, ALL],
  ])('skips %s, saying why', (_label, overrides, rule) => {
    const result = mapGa4Event(event(overrides), rule, NOW);
    expect(result).toEqual({ kind: 'skipped', reason: expect.any(String) });
  });
});

describe('mapGa4Event: page parameters', () => {
  it('sends page_location, page_referrer and page_title of a page view', () => {
    const { params } = mapped(
      pageView({ url: 'https://shop.example/p', referrer: 'https://search.example/', title: 'P' }),
    ).event;
    expect(params).toMatchObject({
      page_location: 'https://shop.example/p',
      page_referrer: 'https://search.example/',
      page_title: 'P',
    });
  });

  it.each([
    ['page_location', 'url', 1000],
    ['page_referrer', 'referrer', 420],
    ['page_title', 'title', 300],
  ] as const)('cuts %s to GA4’s %i characters', (param, field, max) => {
    const { params } = mapped(pageView({ [field]: `https://x.example/${'a'.repeat(2000)}` })).event;
    expect(params[param]).toHaveLength(max);
  });

  it('leaves page_referrer to page views, and absent fields out', () => {
    expect(mapped(event()).event.params).not.toHaveProperty('page_referrer');
    const { params } = mapped(pageView({ url: null, referrer: null, title: null })).event;
    expect(Object.keys(params)).toEqual(['session_id', 'engagement_time_msec']);
  });
});

describe('mapGa4Event: session and engagement', () => {
  it.each<[string, Date | null, number | undefined]>([
    ['the session start in Unix seconds', new Date('2026-12-01T11:55:00.750Z'), 1_796_126_100],
    ['nothing without a session', null, undefined],
    ['nothing for an invalid start', new Date(Number.NaN), undefined],
  ])('sends as session_id %s', (_label, sessionStartedAt, sessionId) => {
    expect(mapped(event({ sessionStartedAt })).event.params.session_id).toBe(sessionId);
  });

  it('gives every event of a session the same session_id', () => {
    const start = new Date(NOW.getTime() - 30 * MINUTE);
    const ids = [5, 10, 20].map(
      (ago) =>
        mapped(event({ sessionStartedAt: start, occurredAt: new Date(NOW.getTime() - ago * MINUTE) })).event,
    );
    expect(new Set(ids.map((e) => e.params.session_id)).size).toBe(1);
  });

  it.each<[string, number | null, number]>([
    ['the measured time', 4000, 4000],
    ['the measured time, rounded', 2500.4, 2500],
    ['1 ms without a measured time', null, 1],
    ['1 ms for a zero', 0, 1],
    ['1 ms for a negative', -50, 1],
    ['1 ms for NaN', Number.NaN, 1],
  ])('sends as engagement_time_msec %s', (_label, engagementMs, expected) => {
    expect(mapped(event({ engagementMs })).event.params.engagement_time_msec).toBe(expected);
  });
});

describe('mapGa4Event: identity and consent', () => {
  it.each<[string, Partial<DestinationEvent>, string | undefined]>([
    ['the GA cookie id', { gaClientId: '111.222', visitorId: 'v-1' }, '111.222'],
    ["Beacon's visitor id without a GA cookie", { gaClientId: null, visitorId: 'v-1' }, 'v-1'],
    ["Beacon's visitor id for an empty GA cookie id", { gaClientId: '', visitorId: 'v-1' }, 'v-1'],
  ])('uses as client_id %s', (_label, overrides, clientId) => {
    expect(mapped(event(overrides)).request.client_id).toBe(clientId);
  });

  it('skips an event with neither id', () => {
    expect(mapGa4Event(event({ gaClientId: null, visitorId: null }), ALL, NOW)).toEqual({
      kind: 'skipped',
      reason: expect.stringContaining('no client id'),
    });
  });

  it.each<[string, string | null, string | undefined]>([
    ['a user id', 'crm-58213', 'crm-58213'],
    ['a user id of 256 characters', 'u'.repeat(256), 'u'.repeat(256)],
    ['no user id of 257 characters (cut, it would name someone else)', 'u'.repeat(257), undefined],
    ['no user id without one', null, undefined],
  ])('sends %s', (_label, userId, expected) => {
    expect(mapped(event({ userId })).request.user_id).toBe(expected);
  });

  it.each<[boolean | null, 'GRANTED' | 'DENIED']>([
    [true, 'GRANTED'],
    [false, 'DENIED'],
    [null, 'DENIED'],
  ])('with ads consent %s, sends ad_user_data and ad_personalization %s', (ads, state) => {
    expect(mapped(event({ consent: { analytics: true, ads } })).request.consent).toEqual({
      ad_user_data: state,
      ad_personalization: state,
    });
  });

  it.each<[string, Partial<DestinationEvent>, Ga4RequestFields['user_location']]>([
    ['country and city with analytics consent', {}, { country_id: 'GB', city: 'London' }],
    ['the country only without it', { consent: { analytics: false, ads: false } }, { country_id: 'GB' }],
    ['the country only without a city', { city: null }, { country_id: 'GB' }],
    ['no location without a country', { country: null }, undefined],
    ['no location for a malformed country', { country: 'gb' }, undefined],
  ])('sends as user_location %s', (_label, overrides, location) => {
    expect(mapped(event(overrides)).request.user_location).toEqual(location);
  });

  it('never sends an address', () => {
    const { request, event: sent } = mapped(event({ ip: '81.2.69.160' }));
    expect(JSON.stringify({ request, sent })).not.toContain('81.2.69.160');
  });
});

describe('mapGa4Event: time', () => {
  it('sends when the event happened, in microseconds', () => {
    const occurredAt = new Date(NOW.getTime() - 3 * HOUR + 123);
    expect(mapped(event({ occurredAt })).event.timestamp_micros).toBe(occurredAt.getTime() * 1000);
  });

  it('never sends a time in the future', () => {
    expect(mapped(event({ occurredAt: new Date(NOW.getTime() + MINUTE) })).event.timestamp_micros).toBe(
      NOW.getTime() * 1000,
    );
  });

  it('sends an event just inside the window and refuses one just outside it', () => {
    const at = (ageMs: number) => event({ occurredAt: new Date(NOW.getTime() - ageMs) });
    expect(mapGa4Event(at(GA4_MAX_EVENT_AGE_MS), ALL, NOW).kind).toBe('mapped');
    expect(mapGa4Event(at(GA4_MAX_EVENT_AGE_MS + 1), ALL, NOW)).toEqual({
      kind: 'permanent',
      error: 'occurred 71 h ago; GA4 takes events up to 72 h old',
    });
    expect(GA4_MAX_EVENT_AGE_MS).toBeLessThan(72 * HOUR);
  });

  it('refuses an event without a valid time', () => {
    expect(mapGa4Event(event({ occurredAt: new Date(Number.NaN) }), ALL, NOW).kind).toBe('permanent');
  });
});

describe('mapGa4Event: conversions', () => {
  it.each<[string, Partial<DestinationEvent>, Record<string, unknown>]>([
    [
      'value, currency and its own transaction id',
      { value: 1188, currency: 'EUR', transactionId: 'order-42' },
      { value: 1188, currency: 'EUR', transaction_id: 'order-42' },
    ],
    [
      'the event id as transaction id when it has none',
      { value: 10, currency: 'USD', transactionId: null, eventId: 'evt-9' },
      { value: 10, currency: 'USD', transaction_id: 'evt-9' },
    ],
    [
      'a value without a currency',
      { value: 0, currency: null, transactionId: null, eventId: 'e' },
      { value: 0, transaction_id: 'e' },
    ],
    [
      'no malformed currency',
      { value: 5, currency: 'eur', transactionId: 't' },
      { value: 5, transaction_id: 't' },
    ],
    [
      'a transaction id without a value',
      { value: null, currency: null, transactionId: 't-1' },
      { transaction_id: 't-1' },
    ],
    ['nothing without value or transaction id', { value: null, currency: 'EUR', transactionId: null }, {}],
    [
      'nothing for a value that is not a number',
      { value: Number.NaN, currency: 'EUR', transactionId: null },
      {},
    ],
  ])('sends %s', (_label, overrides, expected) => {
    const { params } = mapped(event({ props: null, ...overrides })).event;
    const conversion = Object.fromEntries(
      Object.entries(params).filter(([key]) => ['value', 'currency', 'transaction_id'].includes(key)),
    );
    expect(conversion).toEqual(expected);
  });

  it('cuts a long transaction id to 100 characters', () => {
    expect(mapped(event({ transactionId: 't'.repeat(300) })).event.params.transaction_id).toHaveLength(100);
  });
});

describe('mapGa4Event: properties', () => {
  it('sends the properties after its own parameters, names cleaned, values within limits', () => {
    const { params } = mapped(
      event({
        props: {
          plan: 'team',
          seats: 12,
          trial: false,
          'coupon code': 'WINTER',
          note: 'n'.repeat(150),
          nested: { a: 1 },
          list: [1, 2],
          missing: null,
          infinite: Number.POSITIVE_INFINITY,
          session_id: 'mine',
          page_location: 'https://elsewhere.example/',
          ga_client: 'x',
        },
      }),
    ).event;
    expect(params).toEqual({
      page_location: 'https://shop.example/checkout/thank-you',
      page_title: 'Thank you',
      session_id: expect.any(Number),
      engagement_time_msec: 1,
      value: 1188,
      currency: 'EUR',
      transaction_id: 'order-42',
      plan: 'team',
      seats: 12,
      trial: false,
      coupon_code: 'WINTER',
      note: 'n'.repeat(100),
    });
  });

  it('sends at most 25 parameters, its own first', () => {
    const props = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`p${i}`, i]));
    const { params } = mapped(event({ props })).event;
    expect(Object.keys(params)).toHaveLength(25);
    expect(params).toMatchObject({ session_id: expect.any(Number), transaction_id: 'order-42', p0: 0 });
    expect(params).not.toHaveProperty('p18');
  });

  it('sends the link of an outbound click, and none of its properties', () => {
    const { params } = mapped(
      event({ name: '$outbound', props: { url: 'https://other.example/a?b=1' } }),
    ).event;
    expect(params).toMatchObject({
      link_url: 'https://other.example/a?b=1',
      link_domain: 'other.example',
      outbound: true,
    });
    expect(params).not.toHaveProperty('url');
  });

  it('sends the file of a download', () => {
    const { params } = mapped(
      event({ name: '$download', props: { url: 'https://cdn.example/files/Annual%20Report.PDF' } }),
    ).event;
    expect(params).toMatchObject({
      link_url: 'https://cdn.example/files/Annual%20Report.PDF',
      link_domain: 'cdn.example',
      file_name: 'Annual Report.PDF',
      file_extension: 'pdf',
    });
  });

  it('sends the engaged time and scroll depth of $engagement', () => {
    const { params } = mapped(
      event({ name: '$engagement', engagementMs: 4000, props: { engagedMs: 4000, scrollDepth: 50 } }),
    ).event;
    expect(params).toMatchObject({ engagement_time_msec: 4000, percent_scrolled: 50 });
    expect(params).not.toHaveProperty('engagedMs');
  });

  it('sends ecommerce items', () => {
    const { params } = mapped(
      event({ props: { items: [{ item_id: 'sku-1', price: 99, quantity: 12, 'Gift Wrap': true }] } }),
    ).event;
    expect(params.items).toEqual([{ item_id: 'sku-1', price: 99, quantity: 12, Gift_Wrap: true }]);
  });
});

describe('ga4Items', () => {
  it.each<[string, unknown, unknown]>([
    [
      'items with an id or a name',
      [{ item_id: 'a' }, { item_name: 'B' }],
      [{ item_id: 'a' }, { item_name: 'B' }],
    ],
    ['none without id or name', [{ price: 1 }], undefined],
    ['no values GA4 cannot take', [{ item_id: 'a', tags: ['x'], meta: { y: 1 } }], [{ item_id: 'a' }]],
    ['no reserved custom params', [{ item_id: 'a', ga_x: 1, _y: 2 }], [{ item_id: 'a', y: 2 }]],
    ['strings cut to 100', [{ item_id: 'i'.repeat(150) }], [{ item_id: 'i'.repeat(100) }]],
    ['nothing from a non-array', { item_id: 'a' }, undefined],
    ['nothing from non-objects', ['a', 1, null, [{ item_id: 'x' }]], undefined],
  ])('keeps %s', (_label, input, expected) => {
    expect(ga4Items(input)).toEqual(expected);
  });

  it('keeps 10 custom params per item besides the standard ones', () => {
    const custom = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`c${i}`, i]));
    const [item] = ga4Items([{ item_id: 'a', price: 1, quantity: 2, ...custom }]) ?? [];
    expect(Object.keys(item ?? {})).toHaveLength(13);
  });

  it('keeps at most 200 items', () => {
    expect(ga4Items(Array.from({ length: 500 }, (_, i) => ({ item_id: `i${i}` })))).toHaveLength(200);
  });
});

describe('mapGa4Event: robustness', () => {
  it.each<[string, Partial<DestinationEvent>]>([
    ['no props', { props: null }],
    ['props that are not an object', { props: 'text' as unknown as Record<string, unknown> }],
    ['empty props', { props: {} }],
    [
      'a huge props object',
      { props: Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, 'v'])) },
    ],
    ['a huge name', { name: 'n'.repeat(1_000_000) }],
    ['a huge URL', { url: `https://x.example/${'u'.repeat(1_000_000)}` }],
    ['an outbound click without a URL', { name: '$outbound', props: { url: 42 } }],
    ['a download with a malformed URL', { name: '$download', props: { url: 'not a url' } }],
    ['engagement without a scroll depth', { name: '$engagement', props: { scrollDepth: 'deep' } }],
  ])('maps an event with %s within GA4’s limits', (_label, overrides) => {
    const { event: sent } = mapped(event(overrides));
    expect(sent.name).toMatch(/^[A-Za-z][A-Za-z0-9_]{0,39}$/);
    expect(Object.keys(sent.params).length).toBeLessThanOrEqual(25);
    for (const [name, value] of Object.entries(sent.params)) {
      expect(name).toMatch(/^[A-Za-z][A-Za-z0-9_]{0,39}$/);
      if (typeof value === 'string' && !name.startsWith('page_'))
        expect(value.length).toBeLessThanOrEqual(100);
    }
  });
});
