import { describe, expect, it } from 'vitest';
import { buildGa4Requests, EVENTS_PER_REQUEST, MAX_BODY_BYTES } from './build-requests.ts';
import type { Ga4Event, Ga4RequestFields } from './map-event.ts';

const granted = { ad_user_data: 'GRANTED', ad_personalization: 'GRANTED' } as const;
const denied = { ad_user_data: 'DENIED', ad_personalization: 'DENIED' } as const;

function request(clientId: string, extra: Partial<Ga4RequestFields> = {}): Ga4RequestFields {
  return { client_id: clientId, consent: granted, ...extra };
}

function ga4Event(name: string, padding = 0): Ga4Event {
  return {
    name,
    params: {
      session_id: 1_700_000_000,
      engagement_time_msec: 1,
      ...(padding ? { note: 'x'.repeat(padding) } : {}),
    },
    timestamp_micros: 1_700_000_000_000_000,
  };
}

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

describe('buildGa4Requests', () => {
  it.each<[string, Array<[string, Partial<Ga4RequestFields>]>, number[][]]>([
    [
      'one client in one request',
      [
        ['a', {}],
        ['a', {}],
        ['a', {}],
      ],
      [[1, 2, 3]],
    ],
    [
      'each client in its own request, order kept',
      [
        ['a', {}],
        ['b', {}],
        ['a', {}],
      ],
      [[1, 3], [2]],
    ],
    [
      'another user id apart',
      [
        ['a', { user_id: 'u1' }],
        ['a', { user_id: 'u2' }],
        ['a', { user_id: 'u1' }],
      ],
      [[1, 3], [2]],
    ],
    [
      'another consent apart',
      [
        ['a', {}],
        ['a', { consent: denied }],
      ],
      [[1], [2]],
    ],
    [
      'another location apart',
      [
        ['a', { user_location: { country_id: 'GB' } }],
        ['a', {}],
      ],
      [[1], [2]],
    ],
  ])('puts %s', (_label, rows, expected) => {
    const { requests, tooLarge } = buildGa4Requests(
      rows.map(([clientId, extra], index) => ({
        id: index + 1,
        request: request(clientId, extra),
        event: ga4Event(`e${index + 1}`),
      })),
    );
    expect(requests.map((r) => r.ids)).toEqual(expected);
    expect(tooLarge).toEqual([]);
    for (const { body, ids } of requests)
      expect(body.events.map((e) => e.name)).toEqual(ids.map((id) => `e${id}`));
  });

  it(`puts at most ${EVENTS_PER_REQUEST} events in a request`, () => {
    const events = Array.from({ length: 60 }, (_, i) => ({
      id: i,
      request: request('a'),
      event: ga4Event(`e${i}`),
    }));
    const { requests } = buildGa4Requests(events);
    expect(requests.map((r) => r.ids.length)).toEqual([25, 25, 10]);
    expect(requests.flatMap((r) => r.ids)).toEqual(events.map((e) => e.id));
  });

  it('keeps every body under 130 kB, splitting where the next event would not fit', () => {
    const events = Array.from({ length: 10 }, (_, i) => ({
      id: i,
      request: request('a'),
      event: ga4Event(`e${i}`, 30_000),
    }));
    const { requests } = buildGa4Requests(events);
    expect(requests.map((r) => r.ids.length)).toEqual([4, 4, 2]);
    for (const { body } of requests) expect(bytes(body)).toBeLessThan(MAX_BODY_BYTES);
  });

  it('fills a body up to the last byte it may have', () => {
    const second = ga4Event('e1');
    second.params.note = '';
    const withEmptyNote = bytes({ ...request('a'), events: [ga4Event('e0'), second] });
    second.params.note = 'x'.repeat(MAX_BODY_BYTES - 1 - withEmptyNote);
    const events = [ga4Event('e0'), second, ga4Event('e2')].map((event, id) => ({
      id,
      request: request('a'),
      event,
    }));
    const { requests } = buildGa4Requests(events);
    expect(bytes(requests[0]!.body)).toBe(MAX_BODY_BYTES - 1);
    expect(requests.map((r) => r.ids)).toEqual([[0, 1], [2]]);

    second.params.note += 'x';
    const split = buildGa4Requests(events).requests;
    expect(split[0]!.ids, 'a body of exactly 130,000 bytes is one too many').toEqual([0]);
  });

  it('counts bytes, not characters', () => {
    const events = Array.from({ length: 4 }, (_, i) => ({
      id: i,
      request: request('a'),
      event: { ...ga4Event(`e${i}`), params: { note: '€'.repeat(15_000) } },
    }));
    const { requests } = buildGa4Requests(events);
    for (const { body } of requests) expect(bytes(body)).toBeLessThan(MAX_BODY_BYTES);
    expect(requests).toHaveLength(2);
  });

  it('returns an event too large even alone, and sends the others', () => {
    const events = [
      { id: 1, request: request('a'), event: ga4Event('small') },
      { id: 2, request: request('a'), event: ga4Event('huge', MAX_BODY_BYTES) },
    ];
    const { requests, tooLarge } = buildGa4Requests(events);
    expect(tooLarge).toEqual([2]);
    expect(requests.map((r) => r.ids)).toEqual([[1]]);
  });

  it('builds nothing from nothing', () => {
    expect(buildGa4Requests([])).toEqual({ requests: [], tooLarge: [] });
  });
});
