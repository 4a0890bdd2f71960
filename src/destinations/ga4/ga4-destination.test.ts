import { once } from 'node:events';
import { createServer } from 'node:net';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { destinationEvent } from '../../../test/fakes/destination-event.ts';
import {
  FAKE_GA4_API_SECRET,
  FAKE_GA4_MEASUREMENT_ID,
  startFakeGa4,
  type FakeGa4,
} from '../../../test/fakes/ga4-server.ts';
import type {
  DestinationEvent,
  EventRule,
  OutgoingEvent,
  SendContext,
  SendResult,
} from '../destination-type.ts';
import type { Ga4Config } from './ga4-config.ts';
import { createGa4Destination, ga4Destination } from './ga4-destination.ts';
import { GA4_MAX_EVENT_AGE_MS } from './map-event.ts';
import { parseValidationMessages } from './test-ga4-destination.ts';

const HOUR = 60 * 60 * 1000;
const ALL: EventRule = { match: '*' };

let fake: FakeGa4;

beforeAll(async () => {
  fake = await startFakeGa4();
});

afterAll(async () => {
  await fake.close();
});

beforeEach(() => {
  fake.reset();
});

function context(overrides: Partial<SendContext<Ga4Config>> = {}): SendContext<Ga4Config> {
  return {
    config: { measurementId: FAKE_GA4_MEASUREMENT_ID, apiSecret: FAKE_GA4_API_SECRET },
    fetch,
    now: () => new Date(),
    log: { warn: () => undefined },
    urls: {
      ga4: fake.url,
      metaGraph: 'http://127.0.0.1:9',
      googleDataManager: 'http://127.0.0.1:9',
      googleAds: 'http://127.0.0.1:9',
      googleOauthToken: 'http://127.0.0.1:9',
    },
    signal: new AbortController().signal,
    ...overrides,
  };
}

let nextId = 1;
function outgoing(overrides: Partial<DestinationEvent> = {}, rule: EventRule = ALL): OutgoingEvent {
  return { id: nextId++, event: destinationEvent(overrides), rule };
}

async function send(batch: OutgoingEvent[], sendContext = context(), destination = ga4Destination) {
  const results = await destination.send(batch, sendContext);
  expect([...results.keys()].sort(), 'an outcome for every event').toEqual(batch.map((o) => o.id).sort());
  expect(JSON.stringify([...results.values()]), 'no outcome shows the API secret').not.toContain(
    FAKE_GA4_API_SECRET,
  );
  return results;
}

const outcome = (results: Map<number, SendResult>, event: OutgoingEvent) => results.get(event.id);

describe('ga4Destination: configuration', () => {
  const validate = new Ajv({ strict: false }).compile(ga4Destination.configSchema);

  it.each([
    ['a measurement id and a secret', { measurementId: 'G-ABC123XYZ9', apiSecret: 'aBc-123_xyz' }, true],
    ['a Universal Analytics id', { measurementId: 'UA-12345-1', apiSecret: 's' }, false],
    ['a numeric stream id', { measurementId: '1234567890', apiSecret: 's' }, false],
    ['a lower-case id', { measurementId: 'g-abc123', apiSecret: 's' }, false],
    ['no secret', { measurementId: 'G-ABC123' }, false],
    ['an empty secret', { measurementId: 'G-ABC123', apiSecret: '' }, false],
    ['another field', { measurementId: 'G-ABC123', apiSecret: 's', streamId: 1 }, false],
  ])('takes %s: %s', (_label, config, valid) => {
    expect(validate(config), JSON.stringify(validate.errors)).toBe(valid);
  });

  it.each([
    [{ measurementId: 'G-ABC123', apiSecret: 'pasted secret' }, 'apiSecret'],
    [{ measurementId: 'G-ABC123', apiSecret: 'secret\n' }, 'apiSecret'],
    [{ measurementId: 'G-abc', apiSecret: 's' }, 'measurementId'],
  ])('validateConfig names the field of %j', (config, field) => {
    expect(ga4Destination.validateConfig?.(config)).toEqual({ field, message: expect.any(String) });
  });

  it('keeps the API secret sealed, batches by 25 and retries within 72 h, leaving the send a margin', () => {
    expect(ga4Destination).toMatchObject({
      type: 'ga4',
      secretFields: ['apiSecret'],
      maxBatch: 25,
      needsAdsConsent: false,
      needsFullIp: false,
      defaultEvents: [{ match: '*' }],
    });
    expect(ga4Destination.validateConfig?.({ measurementId: 'G-ABC123', apiSecret: 'aBc' })).toBeUndefined();
    expect(ga4Destination.retryWindowMs).toBeLessThan(GA4_MAX_EVENT_AGE_MS);
    expect(GA4_MAX_EVENT_AGE_MS).toBeLessThan(72 * HOUR);
  });
});

describe('ga4Destination.send', () => {
  it('sends a mixed batch as conformant requests GA4 keeps whole', async () => {
    const pageView = outgoing({
      type: 'pageview',
      name: null,
      value: null,
      currency: null,
      transactionId: null,
      props: null,
    });
    const purchase = outgoing();
    const outbound = outgoing({
      name: '$outbound',
      props: { url: 'https://partner.example/x' },
      value: null,
    });
    const engagement = outgoing({
      name: '$engagement',
      engagementMs: 12_000,
      props: { scrollDepth: 80 },
      value: null,
    });
    const reserved = outgoing({ name: 'click', value: null });
    const anonymous = outgoing({ gaClientId: null, visitorId: null });
    const results = await send([pageView, purchase, outbound, engagement, reserved, anonymous]);

    for (const delivered of [pageView, purchase, outbound, engagement]) {
      expect(outcome(results, delivered)).toEqual({ kind: 'delivered', status: 204 });
    }
    expect(outcome(results, reserved)).toEqual({ kind: 'skipped', reason: expect.stringContaining('click') });
    expect(outcome(results, anonymous)).toEqual({
      kind: 'skipped',
      reason: expect.stringContaining('client id'),
    });

    expect(fake.violations).toEqual([]);
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({
      path: '/mp/collect',
      query: { measurement_id: FAKE_GA4_MEASUREMENT_ID, api_secret: FAKE_GA4_API_SECRET },
      contentType: 'application/json',
    });
    expect(fake.events.map((e) => e.name)).toEqual([
      'page_view',
      'purchase',
      'outbound_click',
      'page_engagement',
    ]);
    const [viewed, bought, , engaged] = fake.events;
    expect(viewed).toMatchObject({
      client_id: '1234567890.1700000000',
      user_id: 'crm-58213',
      consent: { ad_user_data: 'GRANTED', ad_personalization: 'GRANTED' },
      user_location: { country_id: 'GB', city: 'London' },
      timestamp_micros: pageView.event.occurredAt.getTime() * 1000,
      params: {
        page_location: 'https://shop.example/checkout/thank-you',
        page_referrer: 'https://shop.example/checkout',
        page_title: 'Thank you',
        session_id: Math.floor(pageView.event.sessionStartedAt!.getTime() / 1000),
        engagement_time_msec: 1,
      },
    });
    expect(bought?.params).toMatchObject({
      value: 1188,
      currency: 'EUR',
      transaction_id: 'order-42',
      plan: 'team',
      seats: 12,
    });
    expect(engaged?.params).toMatchObject({ engagement_time_msec: 12_000, percent_scrolled: 80 });
  });

  it('sends 25 events of one client in one request', async () => {
    const batch = Array.from({ length: 25 }, () => outgoing());
    const results = await send(batch);
    expect([...results.values()].every((r) => r.kind === 'delivered')).toBe(true);
    expect(fake.requests).toHaveLength(1);
    expect(fake.events).toHaveLength(25);
    expect(fake.violations).toEqual([]);
  });

  it('sends each client in its own request', async () => {
    const clients = ['111.1', '222.2', '333.3'];
    const batch = Array.from({ length: 25 }, (_, i) => outgoing({ gaClientId: clients[i % 3]! }));
    await send(batch);
    expect(fake.violations).toEqual([]);
    expect(fake.requests).toHaveLength(3);
    const perRequest = fake.requests.map((r) => {
      const body = r.body as { client_id: string; events: unknown[] };
      return [body.client_id, body.events.length];
    });
    expect(perRequest.sort()).toEqual([
      ['111.1', 9],
      ['222.2', 8],
      ['333.3', 8],
    ]);
  });

  it("uses Beacon's visitor id without a GA cookie id", async () => {
    await send([outgoing({ gaClientId: null, visitorId: 'b7e1c9d2-visitor' })]);
    expect(fake.events[0]?.client_id).toBe('b7e1c9d2-visitor');
  });

  it.each<[string, DestinationEvent['consent'], 'GRANTED' | 'DENIED']>([
    ['ads consent', { analytics: true, ads: true }, 'GRANTED'],
    ['analytics consent only', { analytics: true, ads: false }, 'DENIED'],
    ['Global Privacy Control or an opt-out (ads null)', { analytics: false, ads: null }, 'DENIED'],
  ])('with %s, tells GA4 ad_user_data and ad_personalization %s', async (_label, consent, state) => {
    await send([outgoing({ consent })]);
    expect(fake.violations).toEqual([]);
    expect(fake.events[0]?.consent).toEqual({ ad_user_data: state, ad_personalization: state });
  });

  it('sends an event 71 h old, dated when it happened, and refuses one past the window without a request', async () => {
    const inWindow = outgoing({ occurredAt: new Date(Date.now() - 71 * HOUR) });
    const tooOld = outgoing({ occurredAt: new Date(Date.now() - 71.9 * HOUR) });
    const results = await send([inWindow, tooOld]);
    expect(outcome(results, inWindow)).toEqual({ kind: 'delivered', status: 204 });
    expect(outcome(results, tooOld)).toEqual({ kind: 'permanent', error: expect.stringContaining('72 h') });
    expect(fake.violations).toEqual([]);
    expect(fake.events.map((e) => e.timestamp_micros)).toEqual([inWindow.event.occurredAt.getTime() * 1000]);
  });

  it('refuses an event larger than a request may be, and delivers the rest', async () => {
    const huge = outgoing({
      props: {
        items: Array.from({ length: 200 }, (_, i) => ({
          item_id: `${i}`.padEnd(100, 'x'),
          item_name: 'n'.repeat(100),
          item_brand: 'b'.repeat(100),
          item_variant: 'v'.repeat(100),
          coupon: 'c'.repeat(100),
          affiliation: 'a'.repeat(100),
          item_category: 'k'.repeat(100),
        })),
      },
    });
    const small = outgoing();
    const results = await send([huge, small]);
    expect(outcome(results, huge)).toEqual({ kind: 'permanent', error: expect.stringContaining('130 kB') });
    expect(outcome(results, small)).toEqual({ kind: 'delivered', status: 204 });
    expect(fake.violations).toEqual([]);
  });
});

describe('ga4Destination.send: failures', () => {
  it.each<[string, Parameters<FakeGa4['setMode']>, SendResult]>([
    [
      'a 500 as passing trouble',
      ['server_error'],
      { kind: 'retry', status: 500, error: expect.stringContaining('HTTP 500') },
    ],
    [
      "a 429 as passing trouble, after GA4's Retry-After",
      ['rate_limited', { retryAfterSeconds: 7 }],
      { kind: 'retry', status: 429, retryAfterMs: 7000, error: expect.stringContaining('HTTP 429') },
    ],
    [
      'a 400 as final',
      ['bad_request'],
      { kind: 'permanent', status: 400, error: expect.stringContaining('HTTP 400') },
    ],
  ])('takes %s, for every event of the request', async (_label, mode, expected) => {
    fake.setMode(...mode);
    const batch = [outgoing(), outgoing()];
    const results = await send(batch);
    for (const event of batch) expect(outcome(results, event)).toEqual(expected);
  });

  it('gives up on a request GA4 does not answer within its bound, to retry it later', async () => {
    fake.setMode('hang');
    const destination = createGa4Destination({ requestTimeoutMs: 300 });
    const started = Date.now();
    const results = await send([outgoing()], context(), destination);
    expect([...results.values()]).toEqual([{ kind: 'retry', error: 'GA4 did not answer within 300 ms' }]);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("stops when the engine's signal says so", async () => {
    fake.setMode('hang');
    const controller = new AbortController();
    const pending = send([outgoing()], context({ signal: controller.signal }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort();
    expect([...(await pending).values()]).toEqual([
      { kind: 'retry', error: 'sending was stopped before GA4 answered' },
    ]);
  });

  it('retries when GA4 cannot be reached', async () => {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    server.close();
    await once(server, 'close');
    const unreachable = context({ urls: { ...context().urls, ga4: `http://127.0.0.1:${port}` } });
    const results = await send([outgoing()], unreachable);
    expect([...results.values()]).toEqual([
      { kind: 'retry', error: expect.stringMatching(/^GA4 could not be reached: .*ECONNREFUSED/) },
    ]);
  });

  it('sends the requests of a batch side by side: one hanging client does not hold up the bound of the others', async () => {
    fake.setMode('hang');
    const destination = createGa4Destination({ requestTimeoutMs: 500 });
    const started = Date.now();
    const batch = Array.from({ length: 5 }, (_, i) => outgoing({ gaClientId: `${i}.1` }));
    await send(batch, context(), destination);
    expect(fake.requests).toHaveLength(5);
    expect(Date.now() - started).toBeLessThan(5 * 500);
  });
});

describe('ga4Destination.test', () => {
  it("sends the event to GA4's validation server and reports it valid", async () => {
    const result = await ga4Destination.test(destinationEvent(), context());
    expect(result).toEqual({
      ok: true,
      messages: [expect.stringContaining('does not check the API secret')],
    });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({ path: '/debug/mp/collect', violations: [] });
    expect(fake.requests[0]?.body).toMatchObject({ validation_behavior: 'ENFORCE_RECOMMENDATIONS' });
    expect(fake.events, 'nothing reaches reports').toEqual([]);
  });

  it("turns GA4's validationMessages into messages", async () => {
    const result = await ga4Destination.test(
      destinationEvent(),
      context({ config: { measurementId: 'G-NOSUCHSTREAM', apiSecret: 'x' } }),
    );
    expect(result).toEqual({
      ok: false,
      messages: ['VALUE_INVALID at measurement_id: No web stream has the id G-NOSUCHSTREAM'],
    });
  });

  it('says why an event cannot be sent at all', async () => {
    const result = await ga4Destination.test(
      destinationEvent({ gaClientId: null, visitorId: null }),
      context(),
    );
    expect(result).toEqual({ ok: false, messages: [expect.stringContaining('no client id')] });
    expect(fake.requests).toEqual([]);
  });

  it('says when the validation server does not answer in time', async () => {
    fake.setMode('hang');
    const result = await createGa4Destination({ requestTimeoutMs: 300 }).test(destinationEvent(), context());
    expect(result).toEqual({ ok: false, messages: ['GA4 did not answer within 300 ms'] });
  });

  it('says when the validation server fails', async () => {
    fake.setMode('server_error');
    const result = await ga4Destination.test(destinationEvent(), context());
    expect(result).toEqual({
      ok: false,
      messages: [expect.stringMatching(/^GA4's validation server answered HTTP 500/)],
    });
  });
});

describe('parseValidationMessages', () => {
  it.each<[string, string, string[] | undefined]>([
    [
      "the spec's fixture",
      JSON.stringify({
        validationMessages: [
          {
            fieldPath: 'events',
            description:
              'Event at index: [0] has invalid name [_badEventName]. Names must start with an alphabetic character.',
            validationCode: 'NAME_INVALID',
          },
        ],
      }),
      [
        'NAME_INVALID at events: Event at index: [0] has invalid name [_badEventName]. Names must start with an alphabetic character.',
      ],
    ],
    ['no messages', '{"validationMessages":[]}', []],
    ['a message with parts missing', '{"validationMessages":[{}]}', ['VALIDATION_MESSAGE']],
    ['not JSON', '<html>', undefined],
    ['JSON without validationMessages', '{"ok":true}', undefined],
    ['null', 'null', undefined],
  ])('reads %s', (_label, text, expected) => {
    expect(parseValidationMessages(text)).toEqual(expected);
  });
});
