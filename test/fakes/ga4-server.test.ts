import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  FAKE_GA4_API_SECRET,
  FAKE_GA4_MEASUREMENT_ID,
  startFakeGa4,
  type FakeGa4,
  type Ga4Check,
  type ValidationCode,
} from './ga4-server.ts';

const NOW_MS = 1_780_000_000_000;
const NOW_MICROS = NOW_MS * 1000;
const HOUR_MICROS = 3_600_000_000;

let fake: FakeGa4;

beforeAll(async () => {
  fake = await startFakeGa4({ now: () => NOW_MS });
});

afterAll(async () => {
  await fake.close();
});

beforeEach(() => {
  fake.reset();
});

type Json = Record<string, unknown>;

/** A request GA4 takes whole: a purchase with what Realtime needs. */
function validBody(): Json {
  return {
    client_id: '1234567890.1700000000',
    user_id: 'crm-58213',
    consent: { ad_user_data: 'GRANTED', ad_personalization: 'DENIED' },
    user_properties: { plan: { value: 'team' } },
    timestamp_micros: NOW_MICROS - HOUR_MICROS,
    events: [
      {
        name: 'purchase',
        timestamp_micros: NOW_MICROS - 60_000_000,
        params: {
          session_id: 1_779_999_000,
          engagement_time_msec: 1,
          page_location: `https://shop.example/${'p'.repeat(900)}`,
          value: 1188,
          currency: 'EUR',
          transaction_id: 'order-42',
          items: [{ item_id: 'sku-1', item_name: 'Team plan', price: 99, quantity: 12, colour: 'blue' }],
        },
      },
    ],
  };
}

const credentials = { measurement_id: FAKE_GA4_MEASUREMENT_ID, api_secret: FAKE_GA4_API_SECRET };

async function post(
  path: '/mp/collect' | '/debug/mp/collect',
  body: unknown,
  {
    query = credentials as Record<string, string>,
    method = 'POST',
    contentType = 'application/json',
  }: { query?: Record<string, string>; method?: string; contentType?: string } = {},
) {
  const response = await fetch(`${fake.url}${path}?${new URLSearchParams(query)}`, {
    method,
    headers: { 'content-type': contentType },
    ...(method === 'GET' ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, text, headers: response.headers };
}

function withEvent(change: (event: Json) => void): Json {
  const body = validBody();
  change((body.events as Json[])[0]!);
  return body;
}

function withParams(change: (params: Json) => void): Json {
  return withEvent((event) => change(event.params as Json));
}

describe('the fake GA4 accepts a conformant request', () => {
  it('answers 204 on /mp/collect, records no violation and keeps the event with its request fields', async () => {
    const answer = await post('/mp/collect', validBody());
    expect(answer.status).toBe(204);
    expect(fake.violations).toEqual([]);
    expect(fake.events).toEqual([
      expect.objectContaining({
        client_id: '1234567890.1700000000',
        user_id: 'crm-58213',
        consent: { ad_user_data: 'GRANTED', ad_personalization: 'DENIED' },
        name: 'purchase',
        timestamp_micros: NOW_MICROS - 60_000_000,
      }),
    ]);
  });

  it('answers an empty validationMessages on /debug/mp/collect', async () => {
    const answer = await post('/debug/mp/collect', validBody());
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({ validationMessages: [] });
  });

  it('takes page_view, whose time defaults to the request time', async () => {
    const body = withEvent((event) => {
      event.name = 'page_view';
      delete event.timestamp_micros;
    });
    await post('/mp/collect', body);
    expect(fake.violations).toEqual([]);
    expect(fake.events[0]).toMatchObject({ name: 'page_view', timestamp_micros: NOW_MICROS - HOUR_MICROS });
  });
});

/** One row per way of breaking a conformance check: what it changes, and what the fake must say. */
const violations: Array<[string, () => Json | string, Ga4Check, ValidationCode, string]> = [
  // 1. JSON only
  ['a body that is not JSON', () => '{"client_id":', 'json_body', 'VALUE_INVALID', ''],
  ['a JSON array body', () => JSON.stringify([validBody()]), 'json_body', 'VALUE_INVALID', ''],
  // 2. client_id and events
  [
    'no client_id',
    () => ({ ...validBody(), client_id: undefined }),
    'client_id',
    'VALUE_REQUIRED',
    'client_id',
  ],
  [
    'an empty client_id',
    () => ({ ...validBody(), client_id: '' }),
    'client_id',
    'VALUE_REQUIRED',
    'client_id',
  ],
  ['no events', () => ({ ...validBody(), events: [] }), 'events_count', 'VALUE_REQUIRED', 'events'],
  [
    '26 events',
    () => ({ ...validBody(), events: Array.from({ length: 26 }, () => (validBody().events as Json[])[0]) }),
    'events_count',
    'EXCEEDED_MAX_ENTITIES',
    'events',
  ],
  // 3. names
  [
    'an event name starting with _',
    () => withEvent((e) => (e.name = '_badEventName')),
    'event_name',
    'NAME_INVALID',
    'events',
  ],
  [
    'an event name with a dash',
    () => withEvent((e) => (e.name = 'add-to-cart')),
    'event_name',
    'NAME_INVALID',
    'events',
  ],
  [
    'an event name of 41 characters',
    () => withEvent((e) => (e.name = `a${'b'.repeat(40)}`)),
    'event_name',
    'NAME_INVALID',
    'events',
  ],
  [
    'a reserved event name',
    () => withEvent((e) => (e.name = 'session_start')),
    'event_name',
    'NAME_RESERVED',
    'events',
  ],
  ['the reserved click', () => withEvent((e) => (e.name = 'click')), 'event_name', 'NAME_RESERVED', 'events'],
  [
    'a reserved event prefix',
    () => withEvent((e) => (e.name = 'google_thing')),
    'event_name',
    'NAME_RESERVED',
    'events',
  ],
  [
    'a param name with a space',
    () => withParams((p) => (p['my param'] = 1)),
    'param_name',
    'NAME_INVALID',
    'events.params',
  ],
  [
    'a param name of 41 characters',
    () => withParams((p) => (p[`p${'q'.repeat(40)}`] = 1)),
    'param_name',
    'NAME_INVALID',
    'events.params',
  ],
  [
    'a param starting with _',
    () => withParams((p) => (p._internal = 1)),
    'param_name',
    'NAME_INVALID',
    'events.params',
  ],
  [
    'a param with the ga_ prefix',
    () => withParams((p) => (p.ga_thing = 1)),
    'param_name',
    'NAME_RESERVED',
    'events.params',
  ],
  [
    'the reserved param gclid',
    () => withParams((p) => (p.gclid = 'x')),
    'param_name',
    'NAME_RESERVED',
    'events.params',
  ],
  // 4. params: count, length, type
  [
    '26 params',
    () =>
      withParams((p) =>
        Object.assign(p, Object.fromEntries(Array.from({ length: 19 }, (_, i) => [`p${i}`, i]))),
      ),
    'params_count',
    'EXCEEDED_MAX_ENTITIES',
    'events.params',
  ],
  [
    'a value of 101 characters',
    () => withParams((p) => (p.plan = 'x'.repeat(101))),
    'param_value',
    'VALUE_OUT_OF_BOUNDS',
    'events.params.plan',
  ],
  [
    'a page_location of 1001 characters',
    () => withParams((p) => (p.page_location = 'x'.repeat(1001))),
    'param_value',
    'VALUE_OUT_OF_BOUNDS',
    'events.params.page_location',
  ],
  [
    'an object value',
    () => withParams((p) => (p.cart = { a: 1 })),
    'param_value',
    'VALUE_INVALID',
    'events.params.cart',
  ],
  [
    'a null value',
    () => withParams((p) => (p.plan = null)),
    'param_value',
    'VALUE_INVALID',
    'events.params.plan',
  ],
  [
    'an item value of 101 characters',
    () => withParams((p) => (p.items = [{ item_id: 'x'.repeat(101) }])),
    'param_value',
    'VALUE_OUT_OF_BOUNDS',
    'events.params.items.0.item_id',
  ],
  [
    'an item with 11 custom params',
    () =>
      withParams((p) => (p.items = [Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`c${i}`, i]))])),
    'params_count',
    'EXCEEDED_MAX_ENTITIES',
    'events.params.items.0',
  ],
  // 5. user properties
  [
    '26 user properties',
    () => ({
      ...validBody(),
      user_properties: Object.fromEntries(Array.from({ length: 26 }, (_, i) => [`u${i}`, { value: i }])),
    }),
    'user_properties',
    'EXCEEDED_MAX_ENTITIES',
    'user_properties',
  ],
  [
    'a user property name of 25 characters',
    () => ({ ...validBody(), user_properties: { [`u${'v'.repeat(24)}`]: { value: 1 } } }),
    'user_properties',
    'NAME_INVALID',
    `user_properties.u${'v'.repeat(24)}`,
  ],
  [
    'the reserved user property user_id',
    () => ({ ...validBody(), user_properties: { user_id: { value: 'x' } } }),
    'user_properties',
    'NAME_RESERVED',
    'user_properties.user_id',
  ],
  [
    'a user property without its {value} wrapper',
    () => ({ ...validBody(), user_properties: { plan: 'team' } }),
    'user_properties',
    'VALUE_INVALID',
    'user_properties.plan',
  ],
  [
    'a user property value of 37 characters',
    () => ({ ...validBody(), user_properties: { plan: { value: 'x'.repeat(37) } } }),
    'user_properties',
    'VALUE_OUT_OF_BOUNDS',
    'user_properties.plan',
  ],
  // user_id and consent
  [
    'a user_id of 257 characters',
    () => ({ ...validBody(), user_id: 'u'.repeat(257) }),
    'user_id',
    'VALUE_OUT_OF_BOUNDS',
    'user_id',
  ],
  ['a numeric user_id', () => ({ ...validBody(), user_id: 42 }), 'user_id', 'VALUE_INVALID', 'user_id'],
  [
    'a consent value other than GRANTED/DENIED',
    () => ({ ...validBody(), consent: { ad_user_data: 'YES', ad_personalization: 'DENIED' } }),
    'consent',
    'VALUE_INVALID',
    'consent.ad_user_data',
  ],
  [
    'an unknown consent type',
    () => ({ ...validBody(), consent: { analytics_storage: 'GRANTED' } }),
    'consent',
    'NAME_INVALID',
    'consent.analytics_storage',
  ],
  // 6. size
  [
    'a body of 130 kB',
    () => ({ ...validBody(), padding: 'x'.repeat(130_000) }),
    'body_size',
    'VALUE_OUT_OF_BOUNDS',
    '',
  ],
  // 7. timestamps
  [
    'a timestamp in milliseconds',
    () => ({ ...validBody(), timestamp_micros: NOW_MS }),
    'timestamp',
    'VALUE_INVALID',
    'timestamp_micros',
  ],
  [
    'a fractional timestamp',
    () => ({ ...validBody(), timestamp_micros: NOW_MICROS - 0.5 }),
    'timestamp',
    'VALUE_INVALID',
    'timestamp_micros',
  ],
  [
    'a request time in the future',
    () => ({ ...validBody(), timestamp_micros: NOW_MICROS + 1 }),
    'timestamp',
    'VALUE_OUT_OF_BOUNDS',
    'timestamp_micros',
  ],
  [
    'an event 72 h and a second old',
    () => withEvent((e) => (e.timestamp_micros = NOW_MICROS - 72 * HOUR_MICROS - 1_000_000)),
    'timestamp',
    'VALUE_OUT_OF_BOUNDS',
    'events.timestamp_micros',
  ],
];

describe('the fake GA4 refuses what GA4 refuses', () => {
  it.each(violations)(
    '%s: reports it from /debug/mp/collect',
    async (_label, body, check, code, fieldPath) => {
      const answer = await post('/debug/mp/collect', body());
      expect(answer.status).toBe(200);
      const { validationMessages } = JSON.parse(answer.text) as { validationMessages: Json[] };
      expect(validationMessages, answer.text).toContainEqual(
        expect.objectContaining({ validationCode: code, fieldPath }),
      );
      expect(fake.requests.at(-1)?.violations).toContainEqual(expect.objectContaining({ check }));
    },
  );

  it.each(violations)(
    '%s: answers 2xx on /mp/collect, as GA4 does, and records it',
    async (_label, body, check, code) => {
      const answer = await post('/mp/collect', body());
      expect(answer.status).toBe(204);
      expect(fake.violations).toContainEqual(expect.objectContaining({ check, validationCode: code }));
    },
  );

  it('answers the spec fixture _badEventName with NAME_INVALID at "events" and its description', async () => {
    const answer = await post(
      '/debug/mp/collect',
      withEvent((e) => (e.name = '_badEventName')),
    );
    expect(JSON.parse(answer.text)).toEqual({
      validationMessages: [
        {
          fieldPath: 'events',
          description:
            'Event at index: [0] has invalid name [_badEventName]. Names must start with an alphabetic character.',
          validationCode: 'NAME_INVALID',
        },
      ],
    });
  });

  it('keeps the valid events of a request and drops the invalid one', async () => {
    const body = validBody();
    const [event] = body.events as [Json];
    body.events = [event, { ...event, name: 'click' }, { ...event, name: 'signup' }];
    await post('/mp/collect', body);
    expect(fake.events.map((e) => e.name)).toEqual(['purchase', 'signup']);
  });

  it.each([
    ['no api_secret', { measurement_id: FAKE_GA4_MEASUREMENT_ID }, 'api_secret'],
    ['another api_secret', { ...credentials, api_secret: 'guessed' }, 'api_secret'],
    ['no measurement_id', { api_secret: FAKE_GA4_API_SECRET }, 'measurement_id'],
    ['another measurement_id', { ...credentials, measurement_id: 'G-OTHER' }, 'measurement_id'],
    [
      'measurement_id and firebase_app_id',
      { ...credentials, firebase_app_id: '1:2:web:3' },
      'measurement_id',
    ],
  ])(
    'records %s as a credentials violation and keeps none of the events',
    async (_label, query, fieldPath) => {
      const answer = await post('/mp/collect', validBody(), { query });
      expect(answer.status).toBe(204);
      expect(fake.violations).toEqual([expect.objectContaining({ check: 'credentials', fieldPath })]);
      expect(fake.events).toEqual([]);
    },
  );

  it('does not check the API secret on /debug/mp/collect, as GA4 does not', async () => {
    const answer = await post('/debug/mp/collect', validBody(), {
      query: { measurement_id: FAKE_GA4_MEASUREMENT_ID },
    });
    expect(JSON.parse(answer.text)).toEqual({ validationMessages: [] });
  });

  it('takes POST only', async () => {
    const answer = await post('/mp/collect', undefined, { method: 'GET' });
    expect(answer.status).toBe(405);
    expect(fake.violations).toEqual([expect.objectContaining({ check: 'method' })]);
  });

  it('takes application/json only', async () => {
    await post('/mp/collect', validBody(), { contentType: 'text/plain' });
    expect(fake.violations).toEqual([expect.objectContaining({ check: 'json_body' })]);
  });

  it.each([
    ['no session_id', (p: Json) => delete p.session_id, 'events.params.session_id'],
    [
      'no engagement_time_msec',
      (p: Json) => delete p.engagement_time_msec,
      'events.params.engagement_time_msec',
    ],
    [
      'an engagement_time_msec of 0',
      (p: Json) => (p.engagement_time_msec = 0),
      'events.params.engagement_time_msec',
    ],
  ])(
    'records an event with %s as missing from Realtime, keeps it, and the validation server does not mind',
    async (_label, change, fieldPath) => {
      await post('/mp/collect', withParams(change));
      expect(fake.violations).toEqual([expect.objectContaining({ check: 'session', fieldPath })]);
      expect(fake.events).toHaveLength(1);
      const debug = await post('/debug/mp/collect', withParams(change));
      expect(JSON.parse(debug.text)).toEqual({ validationMessages: [] });
    },
  );
});

describe('the fake GA4 fails on demand', () => {
  it.each([
    ['server_error', 500],
    ['bad_request', 400],
  ] as const)('answers %s with %i and keeps nothing', async (mode, status) => {
    fake.setMode(mode);
    expect((await post('/mp/collect', validBody())).status).toBe(status);
    expect(fake.events).toEqual([]);
  });

  it('fails the validation server the same way', async () => {
    fake.setMode('server_error');
    expect((await post('/debug/mp/collect', validBody())).status).toBe(500);
  });

  it('answers rate_limited with 429 and the Retry-After it was given', async () => {
    fake.setMode('rate_limited', { retryAfterSeconds: 7 });
    const answer = await post('/mp/collect', validBody());
    expect(answer.status).toBe(429);
    expect(answer.headers.get('retry-after')).toBe('7');
  });

  it('hangs without answering until the client gives up', async () => {
    fake.setMode('hang');
    const started = Date.now();
    const error = await fetch(`${fake.url}/mp/collect?${new URLSearchParams(credentials)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(validBody()),
      signal: AbortSignal.timeout(300),
    }).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect((error as Error | undefined)?.name).toBe('TimeoutError');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(fake.requests).toHaveLength(1);
  });

  it('answers 404 on other paths', async () => {
    const response = await fetch(`${fake.url}/collect`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(404);
  });
});
