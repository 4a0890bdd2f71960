import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { destinationEvent } from '../../../test/fakes/destination-event.ts';
import {
  FAKE_META_EXPIRED_TOKEN,
  FAKE_META_PIXEL_ID,
  FAKE_META_TOKEN,
  startFakeMeta,
  type FakeMeta,
} from '../../../test/fakes/meta-server.ts';
import type { DestinationEvent, OutgoingEvent, SendContext, SendResult } from '../destination-type.ts';
import type { MetaConfig } from './meta-config.ts';
import { metaDestination } from './meta-destination.ts';
import { sendMetaEvents } from './send-meta-events.ts';

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const DAY = 24 * 60 * 60 * 1000;

let fake: FakeMeta;

beforeAll(async () => {
  fake = await startFakeMeta();
});

afterAll(async () => {
  await fake.close();
});

beforeEach(() => {
  fake.reset();
});

function context(
  config: Partial<MetaConfig> = {},
  overrides: Partial<SendContext<MetaConfig>> = {},
): SendContext<MetaConfig> & { log: { warn: ReturnType<typeof vi.fn> } } {
  return {
    config: { pixelId: FAKE_META_PIXEL_ID, accessToken: FAKE_META_TOKEN, ...config },
    fetch,
    now: () => new Date(),
    log: { warn: vi.fn() },
    urls: {
      metaGraph: fake.url,
      ga4: 'http://ga4.invalid',
      googleDataManager: 'http://datamanager.invalid',
      googleAds: 'http://ads.invalid',
      googleOauthToken: 'http://oauth.invalid',
    },
    signal: new AbortController().signal,
    ...overrides,
  } as SendContext<MetaConfig> & { log: { warn: ReturnType<typeof vi.fn> } };
}

/** `count` purchases, a minute old, each its own eventId; delivery ids from 1. */
function batch(
  count: number,
  overrides: (index: number) => Partial<DestinationEvent> = () => ({}),
): OutgoingEvent[] {
  return Array.from({ length: count }, (_, index) => ({
    id: index + 1,
    event: destinationEvent({ eventId: `order-${index + 1}`, ...overrides(index) }),
    rule: { match: 'purchase', as: 'Purchase' },
  }));
}

function kinds(results: Map<number, SendResult>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const result of results.values()) counts[result.kind] = (counts[result.kind] ?? 0) + 1;
  return counts;
}

describe('metaDestination', () => {
  it('declares what the engine needs to know', () => {
    expect(metaDestination).toMatchObject({
      type: 'meta',
      secretFields: ['accessToken'],
      maxBatch: 1000,
      needsAdsConsent: true,
      needsFullIp: true,
    });
    expect(metaDestination.retryWindowMs).toBeGreaterThan(0);
    expect(metaDestination.retryWindowMs).toBeLessThan(7 * DAY);
    expect(metaDestination.defaultEvents).toContainEqual({ match: 'purchase', as: 'Purchase' });
  });
});

describe('send', () => {
  it('delivers a batch as one conformant request on the default version, the token in the query', async () => {
    const results = await metaDestination.send(batch(3), context());
    expect(kinds(results), JSON.stringify([...results])).toEqual({ delivered: 3 });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({
      path: `/v27.0/${FAKE_META_PIXEL_ID}/events`,
      tokenIn: 'query',
      status: 200,
    });
    expect(fake.accepted.map(({ event }) => event.event_id)).toEqual(['order-1', 'order-2', 'order-3']);
    const [first] = fake.accepted;
    expect(first!.testEventCode).toBeUndefined();
    expect(first!.event).toMatchObject({
      event_name: 'Purchase',
      action_source: 'website',
      event_source_url: 'https://shop.example/checkout/thank-you',
      user_data: {
        em: '62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f',
        ph: 'e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176',
        country: sha256('gb'),
        client_ip_address: '81.2.69.160',
      },
      custom_data: { value: 1188, currency: 'EUR', order_id: 'order-42' },
    });
  });

  it('uses the configured version', async () => {
    await metaDestination.send(batch(1), context({ apiVersion: 'v26.0' }));
    expect(fake.requests[0]?.path).toBe(`/v26.0/${FAKE_META_PIXEL_ID}/events`);
    expect(fake.accepted).toHaveLength(1);
  });

  it("sends every event with the destination's test code while it has one", async () => {
    const results = await metaDestination.send(batch(2), context({ testEventCode: 'TEST4242' }));
    expect(kinds(results)).toEqual({ delivered: 2 });
    expect(fake.accepted).toEqual([]);
    expect(fake.testEvents.map(({ testEventCode }) => testEventCode)).toEqual(['TEST4242', 'TEST4242']);
  });

  it('sends 1,000 events in one request and more in requests of at most 1,000', async () => {
    expect(kinds(await metaDestination.send(batch(1000), context()))).toEqual({ delivered: 1000 });
    expect(fake.requests).toHaveLength(1);
    fake.reset();
    expect(kinds(await sendMetaEvents(batch(2500), context()))).toEqual({ delivered: 2500 });
    expect(fake.requests.map(({ body }) => (body as { data: unknown[] }).data.length)).toEqual([
      1000, 1000, 500,
    ]);
  });

  it('fails an event over 7 days old alone instead of letting Meta refuse the whole request', async () => {
    const stale = (index: number) => (index === 1 ? { occurredAt: new Date(Date.now() - 8 * DAY) } : {});
    const results = await metaDestination.send(batch(4, stale), context());
    expect(results.get(2)).toEqual({ kind: 'permanent', error: expect.stringMatching(/7 days/) });
    expect(kinds(results)).toEqual({ delivered: 3, permanent: 1 });
    expect(fake.requests).toHaveLength(1);
    expect(fake.accepted.map(({ event }) => event.event_id)).toEqual(['order-1', 'order-3', 'order-4']);
  });

  it('sends nothing about a visitor without ads consent', async () => {
    const noConsent = (index: number): Partial<DestinationEvent> =>
      index === 0 ? { consent: { analytics: true, ads: false }, eventId: 'no-consent' } : {};
    const results = await metaDestination.send(batch(2, noConsent), context());
    expect(results.get(1)).toEqual({ kind: 'skipped', reason: 'no_ads_consent' });
    expect(JSON.stringify(fake.requests)).not.toContain('no-consent');
    fake.reset();
    await metaDestination.send(batch(1, noConsent), context());
    expect(fake.requests, 'no request when nothing may be sent').toEqual([]);
  });

  describe('an event Meta refuses', () => {
    const refused = new Set(['order-417']);
    beforeEach(() => {
      fake.refuseEvents((event) => refused.has(event.event_id as string));
    });

    it('fails alone when Meta names it, the others sent again at once', async () => {
      const results = await metaDestination.send(batch(1000), context());
      expect(results.get(417)).toEqual({
        kind: 'permanent',
        status: 400,
        error: expect.stringMatching(/^Meta: Event refused: This event cannot be processed/),
      });
      expect(kinds(results)).toEqual({ delivered: 999, permanent: 1 });
      expect(fake.requests).toHaveLength(2);
      expect(fake.accepted).toHaveLength(999);
    });

    it('is found by halving when Meta does not name it', async () => {
      fake.nameInvalidEvents(false);
      const results = await metaDestination.send(batch(1000), context());
      expect(results.get(417)?.kind).toBe('permanent');
      expect(kinds(results)).toEqual({ delivered: 999, permanent: 1 });
      expect(fake.requests.length).toBeLessThanOrEqual(21);
      expect(fake.accepted).toHaveLength(999);
    });

    it('finds two of them by halving within one send', async () => {
      fake.nameInvalidEvents(false);
      refused.add('order-3');
      try {
        const results = await metaDestination.send(batch(1000), context());
        expect([results.get(3)?.kind, results.get(417)?.kind]).toEqual(['permanent', 'permanent']);
        expect(kinds(results)).toEqual({ delivered: 998, permanent: 2 });
        expect(fake.requests.length).toBeLessThanOrEqual(48);
      } finally {
        refused.delete('order-3');
      }
    });

    it('leaves what it could not sort out within its request budget to a later retry', async () => {
      fake.nameInvalidEvents(false);
      const results = await sendMetaEvents(batch(1000), context(), { maxRequests: 3 });
      expect(fake.requests).toHaveLength(3);
      expect(results.get(417)).toMatchObject({ kind: 'retry' });
      expect(kinds(results)).toEqual({ delivered: 250, retry: 750 });
    });
  });

  describe('passing trouble is retried', () => {
    it('a 500', async () => {
      fake.fail({ kind: 'server_error' });
      const results = await metaDestination.send(batch(2), context());
      expect([...results.values()]).toEqual([
        expect.objectContaining({ kind: 'retry', status: 500 }),
        expect.objectContaining({ kind: 'retry', status: 500 }),
      ]);
    });

    it('a 429, after its Retry-After', async () => {
      fake.fail({ kind: 'rate_limited', retryAfterSeconds: 30 });
      const results = await metaDestination.send(batch(1), context());
      expect(results.get(1)).toMatchObject({ kind: 'retry', status: 429, retryAfterMs: 30_000 });
    });

    it.each([[4 as const], [17 as const], [341 as const]])(
      'Graph throttling code %s on a 400',
      async (code) => {
        fake.fail({ kind: 'throttled', code, retryAfterSeconds: 60 });
        const results = await metaDestination.send(batch(1), context());
        expect(results.get(1)).toMatchObject({ kind: 'retry', status: 400, retryAfterMs: 60_000 });
        expect((results.get(1) as { error: string }).error).toContain(`code ${code}`);
      },
    );

    it('an unreachable Meta', async () => {
      const results = await metaDestination.send(
        batch(1),
        context({}, { urls: { ...context().urls, metaGraph: 'http://127.0.0.1:1' } }),
      );
      expect(results.get(1)).toMatchObject({
        kind: 'retry',
        error: expect.stringMatching(/could not be reached/),
      });
    });

    it('a hang, within its own bound', async () => {
      fake.fail({ kind: 'hang' });
      const started = Date.now();
      const results = await sendMetaEvents(batch(2), context(), { timeoutMs: 300 });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(results.get(1)).toEqual({ kind: 'retry', error: 'Meta did not answer within 300 ms' });
      expect(kinds(results)).toEqual({ retry: 2 });
    });

    it("a hang, as soon as the engine's signal says stop", async () => {
      fake.fail({ kind: 'hang' });
      const started = Date.now();
      const results = await metaDestination.send(batch(1), context({}, { signal: AbortSignal.timeout(200) }));
      expect(Date.now() - started).toBeLessThan(4_000);
      expect(results.get(1)).toEqual({ kind: 'retry', error: 'Not sent: the delivery was stopped' });
    });
  });

  describe('refusals of the whole configuration are permanent for every event', () => {
    it('an expired token, with what to do about it', async () => {
      const results = await metaDestination.send(batch(2), context({ accessToken: FAKE_META_EXPIRED_TOKEN }));
      expect(kinds(results)).toEqual({ permanent: 2 });
      const error = (results.get(1) as { error: string }).error;
      expect(error).toMatch(/renew it/);
      expect(error).toMatch(/code 190, subcode 463/);
      expect(error).not.toContain(FAKE_META_EXPIRED_TOKEN);
      expect(fake.requests, 'one request, not one per event').toHaveLength(1);
    });

    it('an unknown pixel', async () => {
      const results = await metaDestination.send(batch(1), context({ pixelId: '42' }));
      expect(results.get(1)).toMatchObject({
        kind: 'permanent',
        error: expect.stringMatching(/Object with ID '42'/),
      });
    });

    it('a retired version', async () => {
      const results = await metaDestination.send(batch(1), context({ apiVersion: 'v24.0' }));
      expect(results.get(1)).toMatchObject({ kind: 'permanent', error: expect.stringMatching(/apiVersion/) });
    });
  });

  it('never puts the token in an error, even when a network error names the URL', async () => {
    const failing = (async (input: string | URL | Request) => {
      throw new TypeError(`fetch failed for ${String(input)}`);
    }) as typeof fetch;
    const results = await metaDestination.send(batch(1), context({}, { fetch: failing }));
    expect(results.get(1)?.kind).toBe('retry');
    expect(JSON.stringify([...results])).not.toContain(FAKE_META_TOKEN);
    expect(JSON.stringify([...results])).toContain('[access token]');
  });

  it('warns when Meta acknowledges a different number of events than were sent', async () => {
    const answersOne = (async () =>
      new Response(JSON.stringify({ events_received: 1, messages: [], fbtrace_id: 'x' }), {
        status: 200,
      })) as typeof fetch;
    const ctx = context({}, { fetch: answersOne });
    const results = await metaDestination.send(batch(2), ctx);
    expect(kinds(results)).toEqual({ delivered: 2 });
    expect(ctx.log.warn).toHaveBeenCalledWith(
      expect.objectContaining({ sent: 2, eventsReceived: 1 }),
      expect.any(String),
    );
  });
});

describe('test', () => {
  it("sends one event under the destination's test code", async () => {
    const result = await metaDestination.test(destinationEvent(), context({ testEventCode: 'TEST777' }));
    expect(result.ok, JSON.stringify(result)).toBe(true);
    expect(result.messages[0]).toMatch(/received 1 Purchase event with test code TEST777/);
    expect(fake.testEvents).toEqual([expect.objectContaining({ testEventCode: 'TEST777' })]);
    expect(fake.accepted).toEqual([]);
  });

  it('makes up a TEST code when the destination has none', async () => {
    const result = await metaDestination.test(destinationEvent({ type: 'pageview', name: null }), context());
    expect(result.ok, JSON.stringify(result)).toBe(true);
    expect(fake.testEvents).toEqual([
      expect.objectContaining({ testEventCode: expect.stringMatching(/^TEST\d+$/) }),
    ]);
    expect(fake.testEvents[0]?.event.event_name).toBe('PageView');
  });

  it("answers Meta's refusal", async () => {
    const result = await metaDestination.test(
      destinationEvent(),
      context({ accessToken: FAKE_META_EXPIRED_TOKEN }),
    );
    expect(result).toEqual({ ok: false, messages: [expect.stringMatching(/renew it/)] });
  });

  it('answers passing trouble as such', async () => {
    fake.fail({ kind: 'server_error' });
    const result = await metaDestination.test(destinationEvent(), context());
    expect(result).toEqual({ ok: false, messages: [expect.stringMatching(/try again later/)] });
  });

  it('says why there is nothing to send', async () => {
    const result = await metaDestination.test(destinationEvent({ userAgent: null }), context());
    expect(result).toEqual({ ok: false, messages: ['Nothing to send: no_user_agent'] });
    expect(fake.requests).toEqual([]);
  });
});
