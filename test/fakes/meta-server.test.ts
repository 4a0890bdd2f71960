import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  FAKE_META_EXPIRED_TOKEN,
  FAKE_META_PIXEL_ID,
  FAKE_META_TOKEN,
  startFakeMeta,
  type FakeMeta,
} from './meta-server.ts';

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const NOW = Date.parse('2026-12-05T12:00:00Z');
const NOW_S = NOW / 1000;
const DAY_S = 24 * 60 * 60;

let fake: FakeMeta;

beforeAll(async () => {
  fake = await startFakeMeta({ now: () => NOW });
});

afterAll(async () => {
  await fake.close();
});

beforeEach(() => {
  fake.reset();
});

type Event = Record<string, unknown> & { user_data: Record<string, unknown> };

function validEvent(overrides: Partial<Event> = {}): Event {
  return {
    event_name: 'Purchase',
    event_time: NOW_S - 60,
    event_id: 'order-42',
    action_source: 'website',
    event_source_url: 'https://shop.example/thank-you',
    user_data: {
      em: sha256('john_smith@gmail.com'),
      ph: [sha256('16505551212')],
      country: sha256('us'),
      external_id: sha256('crm-58213'),
      client_ip_address: '81.2.69.160',
      client_user_agent: 'Mozilla/5.0 (X11; Linux x86_64)',
      fbc: 'fb.1.1764900000000.IwAR2example',
      fbp: 'fb.1.1764800000000.1234567890',
    },
    custom_data: { value: 1188, currency: 'EUR', order_id: 'order-42' },
    ...overrides,
  };
}

interface PostOptions {
  version?: string;
  pixelId?: string;
  /** null: no token at all. */
  token?: string | null;
  tokenIn?: 'query' | 'body';
  form?: boolean;
  signal?: AbortSignal;
}

/** The fake's answer: Graph's success body or its error envelope. */
interface GraphAnswer {
  events_received?: number;
  error?: {
    code: number;
    error_subcode?: number;
    error_user_msg?: string;
    is_transient?: boolean;
    fbtrace_id?: string;
  };
}

async function post(body: Record<string, unknown>, options: PostOptions = {}) {
  const {
    version = 'v27.0',
    pixelId = FAKE_META_PIXEL_ID,
    token = FAKE_META_TOKEN,
    tokenIn = 'query',
    form = false,
  } = options;
  const url = new URL(`${fake.url}/${version}/${pixelId}/events`);
  const fields = { ...body };
  if (token !== null && tokenIn === 'query') url.searchParams.set('access_token', token);
  if (token !== null && tokenIn === 'body') fields.access_token = token;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' },
    body: form
      ? new URLSearchParams(
          Object.entries(fields).map(([key, value]) => [
            key,
            typeof value === 'string' ? value : JSON.stringify(value),
          ]),
        ).toString()
      : JSON.stringify(fields),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: JSON.parse(text) as GraphAnswer,
  };
}

const expectGraphError = (
  answer: Awaited<ReturnType<typeof post>>,
  status: number,
  code: number,
  message: RegExp = /./,
) => {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  expect(answer.body.error).toMatchObject({
    type: 'OAuthException',
    code,
    message: expect.stringMatching(message),
  });
  expect(answer.body.error?.fbtrace_id).toEqual(expect.any(String));
};

describe('the fake Conversions API', () => {
  it('accepts a conformant request, records its events and answers events_received', async () => {
    const answer = await post({ data: [validEvent(), validEvent({ event_id: 'order-43' })] });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toEqual({ events_received: 2, messages: [], fbtrace_id: expect.any(String) });
    expect(fake.accepted.map(({ event }) => event.event_id)).toEqual(['order-42', 'order-43']);
    expect(fake.accepted[0]).toMatchObject({
      version: 'v27.0',
      pixelId: FAKE_META_PIXEL_ID,
      testEventCode: undefined,
    });
    expect(fake.requests[0]).toMatchObject({
      method: 'POST',
      path: `/v27.0/${FAKE_META_PIXEL_ID}/events`,
      tokenIn: 'query',
    });
  });

  it('takes the token as a body field, and a form whose data is a JSON-encoded string', async () => {
    expect((await post({ data: [validEvent()] }, { tokenIn: 'body' })).status).toBe(200);
    expect((await post({ data: [validEvent()] }, { tokenIn: 'body', form: true })).status).toBe(200);
    expect(fake.requests.map((request) => request.tokenIn)).toEqual(['body', 'body']);
    expect(fake.accepted).toHaveLength(2);
  });

  it('keeps events with a test_event_code apart', async () => {
    const answer = await post({ data: [validEvent()], test_event_code: 'TEST12345' });
    expect(answer.status).toBe(200);
    expect(fake.accepted).toEqual([]);
    expect(fake.testEvents).toEqual([expect.objectContaining({ testEventCode: 'TEST12345' })]);
  });

  it('takes non-website events without a page URL or user agent', async () => {
    const event = validEvent({ action_source: 'physical_store', event_source_url: undefined });
    event.user_data = { em: sha256('john_smith@gmail.com') };
    expect((await post({ data: [event] })).status).toBe(200);
  });

  describe('check 1: path and access token', () => {
    it('refuses another path', async () => {
      const response = await fetch(
        `${fake.url}/v27.0/${FAKE_META_PIXEL_ID}/conversions?access_token=${FAKE_META_TOKEN}`,
        {
          method: 'POST',
          body: '{}',
        },
      );
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { code: number } }).error.code).toBe(2500);
    });

    it('refuses a request without a token', async () => {
      expectGraphError(await post({ data: [validEvent()] }, { token: null }), 400, 104);
    });

    it('refuses a wrong token', async () => {
      expectGraphError(await post({ data: [validEvent()] }, { token: 'EAAwrong' }), 400, 190);
    });

    it('refuses an expired token with subcode 463', async () => {
      const answer = await post({ data: [validEvent()] }, { token: FAKE_META_EXPIRED_TOKEN });
      expectGraphError(answer, 400, 190, /expired/);
      expect(answer.body.error?.error_subcode).toBe(463);
    });

    it('refuses an unknown pixel with 100/33', async () => {
      const answer = await post({ data: [validEvent()] }, { pixelId: '999' });
      expectGraphError(answer, 400, 100, /Object with ID '999' does not exist/);
      expect(answer.body.error?.error_subcode).toBe(33);
    });

    it.each([['v25.0'], ['v26.0'], ['v27.0']])('serves %s', async (version) => {
      expect((await post({ data: [validEvent()] }, { version })).status).toBe(200);
    });

    it.each([['v24.0'], ['v19.0']])('refuses the retired %s with 2635', async (version) => {
      expectGraphError(await post({ data: [validEvent()] }, { version }), 400, 2635, /deprecated version/);
    });

    it('refuses a version that does not exist', async () => {
      expectGraphError(await post({ data: [validEvent()] }, { version: 'v99.0' }), 400, 2500);
    });
  });

  describe('check 2: data holds 1 to 1000 events', () => {
    it.each<[string, unknown]>([
      ['no data', undefined],
      ['an object', { event_name: 'Purchase' }],
      ['an empty array', []],
      ['1001 events', Array.from({ length: 1001 }, () => validEvent())],
    ])('refuses %s', async (_, data) => {
      expectGraphError(await post({ data }), 400, 100);
      expect(fake.accepted).toEqual([]);
    });

    it('takes 1000 events', async () => {
      expect((await post({ data: Array.from({ length: 1000 }, () => validEvent()) })).status).toBe(200);
      expect(fake.accepted).toHaveLength(1000);
    });
  });

  describe('checks 3-6 and 10: one invalid event refuses the whole request, naming it', () => {
    const withUser = (user: Record<string, unknown>) => {
      const event = validEvent();
      event.user_data = { ...event.user_data, ...user };
      return event;
    };
    const without = (key: string) => {
      const event = validEvent();
      delete event[key];
      return event;
    };

    it.each<[string, Event, RegExp]>([
      ['no event_name', without('event_name'), /event_name/],
      ['a fractional event_time', validEvent({ event_time: NOW_S - 60.5 }), /seconds/],
      ['event_time in milliseconds', validEvent({ event_time: NOW - 60_000 }), /milliseconds/],
      ['event_time as a string', validEvent({ event_time: String(NOW_S) }), /seconds/],
      ['an event over 7 days old', validEvent({ event_time: NOW_S - 7 * DAY_S - 1 }), /within 7 days/],
      ['an action_source outside the enum', validEvent({ action_source: 'web' }), /action_source/],
      ['no action_source', without('action_source'), /action_source/],
      ['no user_data', without('user_data'), /user_data/],
      ['empty user_data', validEvent({ user_data: {} }), /user_data/],
      ['a website event without event_source_url', without('event_source_url'), /event_source_url/],
      [
        'a website event without client_user_agent',
        withUser({ client_user_agent: undefined }),
        /client_user_agent/,
      ],
      ['an unhashed email', withUser({ em: 'john_smith@gmail.com' }), /em must be a SHA-256/],
      ['an upper-case hash', withUser({ ph: sha256('16505551212').toUpperCase() }), /ph must be a SHA-256/],
      ['an unhashed country', withUser({ country: 'us' }), /country must be a SHA-256/],
      ['one unhashed value in a list', withUser({ fn: [sha256('mary'), 'mary'] }), /fn must be a SHA-256/],
      ['an unhashed zip', withUser({ zp: '94043' }), /zp must be a SHA-256/],
      ['a hashed IP address', withUser({ client_ip_address: sha256('81.2.69.160') }), /client_ip_address/],
      ['an IP address that does not parse', withUser({ client_ip_address: '81.2.69' }), /client_ip_address/],
      ['a hashed user agent', withUser({ client_user_agent: sha256('Mozilla/5.0') }), /must not be hashed/],
      ['a hashed fbc', withUser({ fbc: sha256('fb.1.1.abc') }), /fbc/],
      ['an fbc that is a bare fbclid', withUser({ fbc: 'IwAR2example' }), /fbc/],
      ['an fbp without its creation time', withUser({ fbp: 'fb.1.1234567890' }), /fbp/],
      ['a numeric event_id', validEvent({ event_id: 42 }), /event_id/],
      [
        'a value that is not a number',
        validEvent({ custom_data: { value: '12.50', currency: 'EUR' } }),
        /value/,
      ],
    ])('refuses %s', async (_, invalid, message) => {
      const answer = await post({ data: [validEvent(), invalid, validEvent()] });
      expectGraphError(answer, 400, 100, /Invalid parameter/);
      expect(answer.body.error?.error_user_msg).toMatch(message);
      expect(answer.body.error?.error_user_msg).toContain("$['data'][1]");
      expect(fake.accepted, 'nothing of a refused request is processed').toEqual([]);
    });

    it('can refuse without naming the event, for clients that must find it themselves', async () => {
      fake.nameInvalidEvents(false);
      const answer = await post({ data: [validEvent(), validEvent({ event_time: NOW_S - 8 * DAY_S })] });
      expectGraphError(answer, 400, 100);
      expect(answer.body.error?.error_user_msg).not.toContain('data');
    });
  });

  it('refuses events it is told to, like invalid ones', async () => {
    fake.refuseEvents((event) => event.event_id === 'refused');
    const answer = await post({ data: [validEvent(), validEvent({ event_id: 'refused' })] });
    expectGraphError(answer, 400, 100);
    expect(answer.body.error?.error_user_msg).toContain("$['data'][1]");
    expect(fake.accepted).toEqual([]);
  });

  describe('failure modes', () => {
    it('answers 500 with a transient Graph error', async () => {
      fake.fail({ kind: 'server_error' });
      const answer = await post({ data: [validEvent()] });
      expectGraphError(answer, 500, 2);
      expect(answer.body.error?.is_transient).toBe(true);
      expect(fake.accepted).toEqual([]);
    });

    it('answers 429 with Retry-After', async () => {
      fake.fail({ kind: 'rate_limited', retryAfterSeconds: 30 });
      const answer = await post({ data: [validEvent()] });
      expect(answer.status).toBe(429);
      expect(answer.headers.get('retry-after')).toBe('30');
    });

    it.each([[4 as const], [17 as const], [341 as const]])('throttles with Graph code %s', async (code) => {
      fake.fail({ kind: 'throttled', code, retryAfterSeconds: 60 });
      const answer = await post({ data: [validEvent()] });
      expectGraphError(answer, 400, code);
      expect(answer.headers.get('retry-after')).toBe('60');
    });

    it('fails only as many requests as told, then answers normally', async () => {
      fake.fail({ kind: 'server_error' }, 1);
      expect((await post({ data: [validEvent()] })).status).toBe(500);
      expect((await post({ data: [validEvent()] })).status).toBe(200);
    });

    it('hangs until the client gives up', async () => {
      fake.fail({ kind: 'hang' });
      const started = Date.now();
      await expect(post({ data: [validEvent()] }, { signal: AbortSignal.timeout(300) })).rejects.toThrow();
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      expect(fake.requests).toHaveLength(1);
      expect(fake.accepted).toEqual([]);
    });
  });
});
