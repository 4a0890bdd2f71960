import { describe, expect, it } from 'vitest';
import { aggregateDay, type DayEvent, type DaySession } from './aggregate-day.ts';
import { SESSION_DIMENSIONS } from './dimensions.ts';
import { estimateVisitors } from './hll.ts';

const H0 = 1_750_000_000 - (1_750_000_000 % 3600);
const H1 = H0 + 3600;

const event = (fields: Partial<DayEvent>): DayEvent => ({
  type: 'pageview',
  name: null,
  path: '/',
  hostname: 'shop.example',
  visitor_id: 'v1',
  session_id: 's1',
  hour: H0,
  ...fields,
});

const session = (fields: Partial<DaySession>): DaySession =>
  ({
    ...Object.fromEntries(SESSION_DIMENSIONS.map((dimension) => [dimension, null])),
    visitor_id: 'v1',
    hour: H0,
    pageviews: 1,
    events: 0,
    duration_s: 0,
    is_bounce: true,
    ...fields,
  }) as DaySession;

type Row = ReturnType<typeof aggregateDay>['values'][number];
const valueOf = (rows: Row[], dimension: string, value: string) =>
  rows.find((row) => row.dimension === dimension && row.value === value);
const counts = (row: Row | undefined) =>
  row && {
    visitors: row.visitors,
    sessions: row.sessions,
    pageviews: row.pageviews,
    events: row.events,
    bounces: row.bounces,
    duration_s: row.duration_s,
    entries: row.entries,
    exits: row.exits,
  };

describe('aggregateDay', () => {
  const events = [
    event({ path: '/a', visitor_id: 'v1', session_id: 's1' }),
    event({ path: '/a', visitor_id: 'v1', session_id: 's1', hour: H1 }),
    event({ path: '/b', visitor_id: 'v2', session_id: 's2', hostname: null }),
    event({ type: 'event', name: 'signup', path: '/b', visitor_id: 'v2', session_id: 's2' }),
    event({ type: 'event', name: 'signup', visitor_id: null, session_id: null, hour: H1 }),
    event({ type: 'identify', visitor_id: 'v3', session_id: 's3' }),
  ];
  const sessions = [
    session({
      visitor_id: 'v1',
      pageviews: 2,
      duration_s: 70,
      is_bounce: false,
      entry_page: '/a',
      exit_page: '/a',
      channel: 'search',
      country: 'DE',
    }),
    session({
      visitor_id: 'v2',
      hour: H1,
      pageviews: 1,
      events: 1,
      duration_s: 5,
      is_bounce: false,
      entry_page: '/b',
      exit_page: '/b',
      channel: 'search',
    }),
  ];
  const day = aggregateDay(events, sessions);

  it('totals page views and events by when they happened, sessions by when they started', () => {
    expect({ ...day.total, sketch: undefined }).toEqual({
      visitors: 3,
      sessions: 2,
      pageviews: 3,
      events: 2,
      bounces: 0,
      duration_s: 75,
      sketch: undefined,
    });
    expect(estimateVisitors(day.total.sketch)).toBeCloseTo(3, 5);
    expect(day.hours).toEqual([
      { hour: H0, visitors: 3, sessions: 1, pageviews: 2, events: 1, bounces: 0, duration_s: 70 },
      { hour: H1, visitors: 2, sessions: 1, pageviews: 1, events: 1, bounces: 0, duration_s: 5 },
    ]);
  });

  it.each<[string, string, ReturnType<typeof counts>]>([
    [
      'page',
      '/a',
      { visitors: 1, sessions: 1, pageviews: 2, events: 0, bounces: 0, duration_s: 70, entries: 1, exits: 1 },
    ],
    [
      'page',
      '/b',
      { visitors: 1, sessions: 1, pageviews: 1, events: 0, bounces: 0, duration_s: 5, entries: 1, exits: 1 },
    ],
    [
      'hostname',
      'shop.example',
      { visitors: 1, sessions: 1, pageviews: 2, events: 0, bounces: 0, duration_s: 0, entries: 0, exits: 0 },
    ],
    [
      'hostname',
      '',
      { visitors: 1, sessions: 1, pageviews: 1, events: 0, bounces: 0, duration_s: 0, entries: 0, exits: 0 },
    ],
    [
      'event',
      'signup',
      { visitors: 1, sessions: 1, pageviews: 0, events: 2, bounces: 0, duration_s: 0, entries: 0, exits: 0 },
    ],
    [
      'channel',
      'search',
      { visitors: 2, sessions: 2, pageviews: 3, events: 1, bounces: 0, duration_s: 75, entries: 0, exits: 0 },
    ],
    [
      'country',
      'DE',
      { visitors: 1, sessions: 1, pageviews: 2, events: 0, bounces: 0, duration_s: 70, entries: 0, exits: 0 },
    ],
    [
      'country',
      '',
      { visitors: 1, sessions: 1, pageviews: 1, events: 1, bounces: 0, duration_s: 5, entries: 0, exits: 0 },
    ],
    ['event', 'identify', undefined],
  ])('counts %s = %j', (dimension, value, expected) => {
    expect(counts(valueOf(day.values, dimension, value))).toEqual(expected);
  });

  it('gives every session dimension a row for each session, none missing', () => {
    for (const dimension of SESSION_DIMENSIONS) {
      const rows = day.values.filter((row) => row.dimension === dimension);
      expect(
        rows.reduce((sum, row) => sum + row.sessions, 0),
        dimension,
      ).toBe(2);
    }
  });

  it('counts a bounced entry against its landing page', () => {
    const bounced = aggregateDay(
      [event({ path: '/x' })],
      [session({ entry_page: '/x', exit_page: '/x', is_bounce: true, duration_s: 0 })],
    );
    expect(counts(valueOf(bounced.values, 'page', '/x'))).toMatchObject({ entries: 1, bounces: 1, exits: 1 });
  });

  describe('robustness to invalid data', () => {
    it('makes an empty day of no events and no sessions', () => {
      const empty = aggregateDay([], []);
      expect(empty.hours).toEqual([]);
      expect(empty.values).toEqual([]);
      expect(empty.total).toMatchObject({ visitors: 0, sessions: 0, pageviews: 0, events: 0 });
      expect(estimateVisitors(empty.total.sketch)).toBe(0);
    });

    it('counts a page with an exit but no view that day (its session crossed midnight)', () => {
      const crossed = aggregateDay([], [session({ entry_page: null, exit_page: '/next-day' })]);
      expect(counts(valueOf(crossed.values, 'page', '/next-day'))).toMatchObject({ pageviews: 0, exits: 1 });
      expect(counts(valueOf(crossed.values, 'page', ''))).toMatchObject({ entries: 1 });
    });

    it('keeps a large day of one busy visitor to one visitor', () => {
      const busy = aggregateDay(
        Array.from({ length: 100_000 }, (_, at) => event({ path: `/p${at % 1000}` })),
        [session({ entry_page: '/p0', exit_page: '/p999' })],
      );
      expect(busy.total).toMatchObject({ visitors: 1, pageviews: 100_000 });
      expect(busy.values.filter((row) => row.dimension === 'page')).toHaveLength(1000);
    });
  });
});
