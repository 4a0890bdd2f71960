import { describe, expect, it } from 'vitest';
import type { GoalDefinition } from '../conversions.ts';
import { aggregateDay, type DayEvent, type DaySession } from './aggregate-day.ts';
import { EVENT_DIMENSIONS, SESSION_DIMENSIONS } from './dimensions.ts';
import { estimateVisitors } from './hll.ts';

const H0 = 1_750_000_000 - (1_750_000_000 % 3600);
const H1 = H0 + 3600;

type Values<D extends readonly string[]> = Partial<Record<D[number], string | null>>;

const event = (
  fields: Partial<Omit<DayEvent, 'event_values' | 'session_values'>> & {
    own?: Values<typeof EVENT_DIMENSIONS>;
    /** null: no session row. */
    of?: Values<typeof SESSION_DIMENSIONS> | null;
  } = {},
): DayEvent => {
  const { own = {}, of = {}, ...rest } = fields;
  const type = rest.type ?? 'pageview';
  const path = rest.path === undefined ? '/' : rest.path;
  return {
    type,
    name: null,
    path,
    value: null,
    currency: null,
    props: {},
    visitor_id: 'v1',
    session_id: 's1',
    hour: H0,
    ...rest,
    event_values: EVENT_DIMENSIONS.map((dimension) =>
      dimension in own
        ? own[dimension]!
        : dimension === 'page'
          ? path
          : dimension === 'event'
            ? (rest.name ?? null)
            : null,
    ),
    session_values: of === null ? null : SESSION_DIMENSIONS.map((dimension) => of[dimension] ?? null),
  };
};

const session = (
  fields: Partial<Omit<DaySession, 'session_values'>> & { of?: Values<typeof SESSION_DIMENSIONS> } = {},
): DaySession => {
  const { of = {}, ...rest } = fields;
  return {
    id: 's1',
    hour: H0,
    duration_s: 0,
    is_bounce: true,
    ...rest,
    session_values: SESSION_DIMENSIONS.map((dimension) => of[dimension] ?? null),
  };
};

const goal = (fields: Partial<GoalDefinition>): GoalDefinition => ({
  id: 'goal_x',
  name: 'x',
  eventName: null,
  pagePattern: null,
  revenueProperty: null,
  ...fields,
});

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
    conversions: row.conversions,
    converted_visitors: row.converted_visitors,
    revenue: JSON.parse(row.revenue) as unknown,
    entries: row.entries,
    exits: row.exits,
  };
const zero = {
  visitors: 0,
  sessions: 0,
  pageviews: 0,
  events: 0,
  bounces: 0,
  duration_s: 0,
  conversions: 0,
  converted_visitors: 0,
  revenue: {},
  entries: 0,
  exits: 0,
};

describe('aggregateDay', () => {
  const goals = [
    goal({ name: 'Purchase', eventName: 'purchase' }),
    goal({ name: 'Order total', eventName: 'purchase', revenueProperty: 'total' }),
    goal({ name: 'Thanks', pagePattern: '/thanks*' }),
  ];
  const search = { channel: 'search', entry_page: '/a', exit_page: '/thanks' };
  const events = [
    event({ path: '/a', own: { country: 'DE' }, of: search }),
    event({ path: '/thanks', hour: H1, own: { country: 'FR' }, of: search }),
    event({
      type: 'event',
      name: 'purchase',
      path: '/thanks',
      value: '10.0000',
      currency: 'EUR',
      props: { total: '12.5' },
      hour: H1,
      own: { country: 'FR' },
      of: search,
    }),
    // The session of v2 started the day before: its events count, it does not.
    event({
      path: '/a',
      visitor_id: 'v2',
      session_id: 'yesterday',
      own: { country: 'DE' },
      of: { channel: 'direct' },
    }),
    event({
      type: 'event',
      name: 'purchase',
      value: '5.0000',
      visitor_id: 'v2',
      session_id: 'yesterday',
      of: { channel: 'direct' },
    }),
    // No session row: counted everywhere but under session dimensions.
    event({ type: 'identify', path: null, visitor_id: 'v3', session_id: null, of: null }),
  ];
  const sessions = [session({ id: 's1', duration_s: 70, is_bounce: false, of: search })];
  const day = aggregateDay(events, sessions, goals);

  it('totals events by when they happened, sessions by when they started, conversions by goal', () => {
    expect({ ...day.total, sketch: undefined, convertedSketch: undefined }).toEqual({
      visitors: 3,
      sessions: 1,
      pageviews: 3,
      events: 2,
      bounces: 0,
      duration_s: 70,
      conversions: 3,
      converted_visitors: 2,
      // The first goal a purchase completes (Purchase) gives its value; /thanks has none.
      revenue: '{"EUR":10,"XXX":5}',
      sketch: undefined,
      convertedSketch: undefined,
    });
    expect(estimateVisitors(day.total.sketch)).toBeCloseTo(3, 5);
    expect(estimateVisitors(day.total.convertedSketch)).toBeCloseTo(2, 5);
    expect(day.hours.map((hour) => ({ ...hour, revenue: JSON.parse(hour.revenue) as unknown }))).toEqual([
      {
        hour: H0,
        visitors: 3,
        sessions: 1,
        pageviews: 2,
        events: 1,
        bounces: 0,
        duration_s: 70,
        conversions: 1,
        converted_visitors: 1,
        revenue: { XXX: 5 },
      },
      {
        hour: H1,
        visitors: 1,
        sessions: 0,
        pageviews: 1,
        events: 1,
        bounces: 0,
        duration_s: 0,
        conversions: 2,
        converted_visitors: 1,
        revenue: { EUR: 10 },
      },
    ]);
  });

  it.each<[string, string, ReturnType<typeof counts>]>([
    // Page views only; the sessions of the day that hold one, and theirs bounces and duration.
    ['page', '/a', { ...zero, visitors: 2, sessions: 1, pageviews: 2, duration_s: 70, entries: 1 }],
    [
      'page',
      '/thanks',
      {
        ...zero,
        visitors: 1,
        sessions: 1,
        pageviews: 1,
        duration_s: 70,
        conversions: 1,
        converted_visitors: 1,
        exits: 1,
      },
    ],
    // The event's own value, every type of event.
    [
      'country',
      'FR',
      {
        ...zero,
        visitors: 1,
        sessions: 1,
        pageviews: 1,
        events: 1,
        duration_s: 70,
        conversions: 2,
        converted_visitors: 1,
        revenue: { EUR: 10 },
      },
    ],
    [
      'country',
      '',
      { ...zero, visitors: 2, events: 1, conversions: 1, converted_visitors: 1, revenue: { XXX: 5 } },
    ],
    // Custom events only, by name.
    [
      'event',
      'purchase',
      {
        ...zero,
        visitors: 2,
        sessions: 1,
        events: 2,
        duration_s: 70,
        conversions: 2,
        converted_visitors: 2,
        revenue: { EUR: 10, XXX: 5 },
      },
    ],
    // The session's value: events of a session from the day before count, the session does not.
    [
      'channel',
      'direct',
      {
        ...zero,
        visitors: 1,
        pageviews: 1,
        events: 1,
        conversions: 1,
        converted_visitors: 1,
        revenue: { XXX: 5 },
      },
    ],
    [
      'channel',
      'search',
      {
        ...zero,
        visitors: 1,
        sessions: 1,
        pageviews: 2,
        events: 1,
        duration_s: 70,
        conversions: 2,
        converted_visitors: 1,
        revenue: { EUR: 10 },
      },
    ],
    // Each goal with its own amounts.
    [
      'goal',
      'Order total',
      // v2's purchase has no `total`: a conversion without an amount.
      {
        ...zero,
        visitors: 2,
        sessions: 1,
        events: 2,
        duration_s: 70,
        conversions: 2,
        converted_visitors: 2,
        revenue: { EUR: 12.5 },
      },
    ],
    [
      'goal',
      'Purchase',
      {
        ...zero,
        visitors: 2,
        sessions: 1,
        events: 2,
        duration_s: 70,
        conversions: 2,
        converted_visitors: 2,
        revenue: { EUR: 10, XXX: 5 },
      },
    ],
    [
      'goal',
      'Thanks',
      {
        ...zero,
        visitors: 1,
        sessions: 1,
        pageviews: 1,
        duration_s: 70,
        conversions: 1,
        converted_visitors: 1,
      },
    ],
    ['event', 'identify', undefined],
    ['page', '', undefined],
  ])('counts %s = %j', (dimension, value, expected) => {
    expect(counts(valueOf(day.values, dimension, value))).toEqual(expected);
  });

  it('gives every session dimension each event that has a session row, and each session', () => {
    for (const dimension of SESSION_DIMENSIONS) {
      const rows = day.values.filter((row) => row.dimension === dimension);
      expect(
        rows.reduce((sum, row) => sum + row.sessions, 0),
        dimension,
      ).toBe(1);
      expect(
        rows.reduce((sum, row) => sum + row.pageviews + row.events, 0),
        dimension,
      ).toBe(5);
    }
  });

  it('counts a conversion without goals as a custom event with a value', () => {
    const plain = aggregateDay(
      [
        event({ type: 'event', name: 'buy', value: '2.5000', currency: 'USD' }),
        event({ type: 'event', name: 'buy', value: '0.2500', currency: 'USD', visitor_id: 'v2' }),
        event({ value: '9.0000' }),
      ],
      [],
      [],
    );
    expect(plain.total).toMatchObject({ conversions: 2, converted_visitors: 2, revenue: '{"USD":2.75}' });
  });

  describe('robustness to invalid data', () => {
    it('makes an empty day of no events and no sessions', () => {
      const empty = aggregateDay([], [], goals);
      expect(empty.hours).toEqual([]);
      expect(empty.values).toEqual([]);
      expect(empty.total).toMatchObject({
        visitors: 0,
        sessions: 0,
        pageviews: 0,
        conversions: 0,
        revenue: '{}',
      });
      expect(estimateVisitors(empty.total.sketch)).toBe(0);
    });

    it('sums amounts exactly where floating point would not', () => {
      const cents = aggregateDay(
        Array.from({ length: 10 }, () => event({ type: 'event', name: 'buy', value: '0.1000' })),
        [],
        [],
      );
      expect(cents.total.revenue).toBe('{"XXX":1}');
    });

    it('keeps a large day of one busy visitor to one visitor', () => {
      const busy = aggregateDay(
        Array.from({ length: 100_000 }, (_, at) => event({ path: `/p${at % 1000}` })),
        [session({ of: { entry_page: '/p0', exit_page: '/p999' } })],
        goals,
      );
      expect(busy.total).toMatchObject({ visitors: 1, pageviews: 100_000 });
      expect(busy.values.filter((row) => row.dimension === 'page')).toHaveLength(1000);
      expect(counts(valueOf(busy.values, 'page', '/p0'))).toMatchObject({ sessions: 1, entries: 1 });
    });
  });
});
