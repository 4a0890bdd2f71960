import { describe, expect, it } from 'vitest';
import {
  eventDetails,
  eventItem,
  eventLabel,
  fromStoredEvent,
  hotLeadItem,
  mergeFeed,
  parseLiveMessage,
  type FeedItem,
  type LiveEvent,
} from './live-message.ts';

const EVENT: LiveEvent = {
  id: 'evt_1',
  type: 'pageview',
  name: null,
  path: '/pricing',
  referrerHost: 'www.google.com',
  country: 'DE',
  deviceType: 'desktop',
  browserName: 'Chrome',
  visitorClass: 'business',
  companyName: 'Acme',
  receivedAt: '2026-12-05T07:00:00.000Z',
};

const at = (id: string, receivedAt: string): LiveEvent => ({ ...EVENT, id, receivedAt });
const keys = (feed: FeedItem[]) => feed.map((item) => item.key);

describe('parseLiveMessage', () => {
  it.each<[string, unknown, unknown]>([
    ['an event', { type: 'event', event: EVENT }, { type: 'event', event: EVENT }],
    [
      'an event missing its optional fields',
      { type: 'event', event: { id: 'evt_2', type: 'event', receivedAt: EVENT.receivedAt, name: 'signup' } },
      {
        type: 'event',
        event: {
          id: 'evt_2',
          type: 'event',
          name: 'signup',
          receivedAt: EVENT.receivedAt,
          path: null,
          referrerHost: null,
          country: null,
          deviceType: null,
          browserName: null,
          visitorClass: null,
          companyName: null,
        },
      },
    ],
    ['the feed opening', { type: 'subscribed', siteId: 'site_1' }, { type: 'subscribed' }],
    ['messages left out', { type: 'dropped', count: 3 }, { type: 'dropped', count: 3 }],
    [
      'a hot lead',
      {
        type: 'company.hot',
        siteId: 'site_1',
        company: {
          id: 'co_1',
          domain: 'acme.example',
          name: 'Acme',
          country: 'DE',
          score: 82,
          leadStatus: 'hot',
          previousStatus: 'warm',
        },
        at: '2026-12-05T07:01:00.000Z',
      },
      {
        type: 'hot-lead',
        lead: {
          company: { id: 'co_1', domain: 'acme.example', name: 'Acme', country: 'DE', score: 82 },
          at: '2026-12-05T07:01:00.000Z',
        },
      },
    ],
  ])('reads %s', (_name, message, expected) => {
    expect(parseLiveMessage(JSON.stringify(message))).toEqual(expected);
  });

  it('keeps stored strings as they are, HTML included (the view renders them as text)', () => {
    const xss = '<img src=x onerror="alert(1)">';
    const message = parseLiveMessage(
      JSON.stringify({ type: 'event', event: { ...EVENT, path: xss, name: xss } }),
    );
    expect(message).toMatchObject({ event: { path: xss, name: xss } });
  });

  describe('robustness', () => {
    it.each<[string, unknown]>([
      ['not text', new ArrayBuffer(4)],
      ['not JSON', '{"type":'],
      ['JSON that is no object', '[1,2]'],
      ['null', 'null'],
      ['an unknown type', JSON.stringify({ type: 'site.deleted' })],
      ['an event without id', JSON.stringify({ type: 'event', event: { ...EVENT, id: undefined } })],
      ['an event with a numeric id', JSON.stringify({ type: 'event', event: { ...EVENT, id: 7 } })],
      [
        'an event with a bad time',
        JSON.stringify({ type: 'event', event: { ...EVENT, receivedAt: 'soon' } }),
      ],
      ['an event that is a string', JSON.stringify({ type: 'event', event: 'evt_1' })],
      ['dropped without a count', JSON.stringify({ type: 'dropped' })],
      ['dropped with NaN', '{"type":"dropped","count":"NaN"}'],
      ['a hot lead without company', JSON.stringify({ type: 'company.hot', at: EVENT.receivedAt })],
      ['a hot lead without time', JSON.stringify({ type: 'company.hot', company: { id: 'c', domain: 'd' } })],
    ])('ignores %s', (_name, data) => {
      expect(parseLiveMessage(data)).toBeUndefined();
    });

    it('reads a field of the wrong type as unknown rather than failing the event', () => {
      const message = parseLiveMessage(
        JSON.stringify({ type: 'event', event: { ...EVENT, path: 42, country: {} } }),
      );
      expect(message).toMatchObject({ event: { path: null, country: null } });
    });

    it('reads a hot lead with a score that is not a number as 0', () => {
      const message = parseLiveMessage(
        JSON.stringify({
          type: 'company.hot',
          company: { id: 'c', domain: 'd', score: 'high' },
          at: EVENT.receivedAt,
        }),
      );
      expect(message).toMatchObject({ lead: { company: { score: 0, name: null } } });
    });
  });
});

describe('fromStoredEvent', () => {
  it('takes the feed’s fields of a stored event and leaves the rest out', () => {
    expect(
      fromStoredEvent({ ...EVENT, isBot: false, ip: '203.0.113.0', visitorId: 'v1', props: {} }),
    ).toEqual(EVENT);
  });

  it.each<[string, unknown]>([
    ['a bot’s event', { ...EVENT, isBot: true }],
    ['no object', 'evt_1'],
    ['null', null],
    ['an event without time', { ...EVENT, receivedAt: null }],
  ])('leaves out %s', (_name, stored) => {
    expect(fromStoredEvent(stored)).toBeUndefined();
  });
});

describe('mergeFeed', () => {
  it('puts the newest first, whatever order they come in', () => {
    const feed = mergeFeed(
      [eventItem(at('b', '2026-12-05T07:00:02Z'), true)],
      [eventItem(at('a', '2026-12-05T07:00:01Z'), false), eventItem(at('c', '2026-12-05T07:00:03Z'), false)],
    );
    expect(keys(feed)).toEqual(['c', 'b', 'a']);
  });

  it('keeps each event once, the copy that arrived live', () => {
    const live = eventItem(at('a', '2026-12-05T07:00:01Z'), true);
    const feed = mergeFeed([live], [eventItem(at('a', '2026-12-05T07:00:01Z'), false)]);
    expect(feed).toEqual([live]);
  });

  it('keeps each event once when a batch repeats it', () => {
    const item = eventItem(at('a', '2026-12-05T07:00:01Z'), false);
    expect(keys(mergeFeed([], [item, item]))).toEqual(['a']);
  });

  it('holds at most the limit, dropping the oldest', () => {
    const items = Array.from({ length: 5 }, (_, index) =>
      eventItem(at(`e${index}`, `2026-12-05T07:00:0${index}Z`), true),
    );
    expect(keys(mergeFeed([], items, 3))).toEqual(['e4', 'e3', 'e2']);
  });

  it('files a hot lead by its own time among the events', () => {
    const lead = hotLeadItem({
      company: { id: 'co_1', domain: 'acme.example', name: null, country: null, score: 75 },
      at: '2026-12-05T07:00:02Z',
    });
    const feed = mergeFeed(
      [eventItem(at('a', '2026-12-05T07:00:01Z'), true), eventItem(at('c', '2026-12-05T07:00:03Z'), true)],
      [lead],
    );
    expect(keys(feed)).toEqual(['c', lead.key, 'a']);
  });

  describe('robustness', () => {
    it('an empty merge is the feed', () => {
      expect(mergeFeed([], [])).toEqual([]);
    });

    it('a limit of 0 or below holds nothing', () => {
      expect(mergeFeed([], [eventItem(EVENT, true)], 0)).toEqual([]);
      expect(mergeFeed([], [eventItem(EVENT, true)], -1)).toEqual([]);
    });

    it('a feed of the default limit stays at it when more arrive', () => {
      const full = Array.from({ length: 100 }, (_, index) =>
        eventItem(at(`e${index}`, new Date(Date.UTC(2026, 11, 5, 7, 0, index)).toISOString()), false),
      );
      const feed = mergeFeed(mergeFeed([], full), [eventItem(at('new', '2026-12-05T08:00:00Z'), true)]);
      expect(feed).toHaveLength(100);
      expect(feed[0]!.key).toBe('new');
    });
  });
});

describe('eventLabel and eventDetails', () => {
  it.each<[Partial<LiveEvent>, string]>([
    [{ type: 'pageview' }, 'Page view'],
    [{ type: 'identify' }, 'Identify'],
    [{ type: 'event', name: 'signup' }, 'signup'],
    [{ type: 'event', name: null }, 'Event'],
  ])('%o is labelled %s', (fields, label) => {
    expect(eventLabel({ ...EVENT, ...fields })).toBe(label);
  });

  it('lists what is known, in order, and says where it came from', () => {
    expect(eventDetails(EVENT)).toEqual(['DE', 'desktop', 'Chrome', 'Acme', 'from www.google.com']);
    expect(eventDetails({ ...EVENT, country: null, companyName: null, referrerHost: null })).toEqual([
      'desktop',
      'Chrome',
    ]);
  });
});
