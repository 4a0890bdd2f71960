import { describe, expect, it } from 'vitest';
import type { EventRow } from './event-row.ts';
import {
  assignSessions,
  campaignKey,
  continuesSession,
  SESSION_TIMEOUT_MS,
  sessionKey,
  type SessionState,
} from './sessions.ts';

const t0 = new Date('2026-11-26T10:00:00Z');
const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);

function row(overrides: Partial<EventRow>): EventRow {
  return {
    site_id: 'site_1',
    visitor_id: 'v1',
    type: 'pageview',
    name: null,
    path: '/',
    occurred_at: t0,
    utm_source: null,
    utm_medium: null,
    utm_campaign: null,
    gclid: null,
    gbraid: null,
    wbraid: null,
    fbclid: null,
    msclkid: null,
    ttclid: null,
    li_fat_id: null,
    referrer_host: null,
    referrer_type: 'direct',
    country: null,
    device_type: 'desktop',
    browser_name: 'Chrome',
    os_name: 'Windows',
    company_domain: null,
    is_bot: false,
    session_id: null,
    ...overrides,
  } as EventRow;
}

function counter() {
  let next = 0;
  return () => `ses_${++next}`;
}

describe('campaignKey', () => {
  it.each([
    [{}, null],
    [{ utm_source: 'news' }, 'utm:news||'],
    [{ utm_source: 'g', utm_medium: 'cpc', utm_campaign: 'x' }, 'utm:g|cpc|x'],
    [{ gclid: 'abc' }, 'click:abc'],
    [{ utm_source: 'g', gclid: 'abc' }, 'utm:g||'],
  ])('%j → %j', (overrides, expected) => {
    expect(campaignKey(row(overrides))).toBe(expected);
  });
});

describe('continuesSession', () => {
  const previous: SessionState = { id: 'ses_a', lastSeenAt: t0, campaignKey: 'utm:g|cpc|x' };
  it.each([
    ['no previous session', undefined, at(1), null, false],
    ['1 minute later', previous, at(1), null, true],
    ['exactly 30 minutes later', previous, new Date(t0.getTime() + SESSION_TIMEOUT_MS), null, true],
    ['30 minutes and 1 ms later', previous, new Date(t0.getTime() + SESSION_TIMEOUT_MS + 1), null, false],
    ['same campaign', previous, at(5), 'utm:g|cpc|x', true],
    ['another campaign', previous, at(5), 'utm:news||', false],
    ['an event from before the last one', previous, at(-5), null, true],
  ])('%s → %s', (_label, prev, occurredAt, campaign, expected) => {
    expect(continuesSession(prev, occurredAt, campaign)).toBe(expected);
  });
});

describe('assignSessions', () => {
  it('makes one session of page views within 30 minutes, with entry, exit and counts', () => {
    const rows = [
      row({ path: '/pricing', occurred_at: at(5) }),
      row({ path: '/', occurred_at: at(0) }),
      row({ type: 'event', name: 'signup', occurred_at: at(6) }),
      row({ type: 'event', name: '$engagement', occurred_at: at(7) }),
    ];
    const deltas = assignSessions(rows, new Map(), counter());
    expect(deltas).toHaveLength(1);
    expect(deltas[0]).toMatchObject({
      id: 'ses_1',
      entry_path: '/',
      exit_path: '/pricing',
      pageviews: 2,
      events: 1,
      started_at: at(0),
      last_seen_at: at(7),
    });
    expect(new Set(rows.map((r) => r.session_id))).toEqual(new Set(['ses_1']));
  });

  it('continues the visitor’s previous session and adds to it', () => {
    const previous = new Map([
      [sessionKey('site_1', 'v1'), { id: 'ses_old', lastSeenAt: at(0), campaignKey: null }],
    ]);
    const deltas = assignSessions([row({ occurred_at: at(10), path: '/b' })], previous, counter());
    expect(deltas).toEqual([expect.objectContaining({ id: 'ses_old', pageviews: 1, referrer_type: null })]);
  });

  it('splits on inactivity and on a new campaign, per visitor', () => {
    const rows = [
      row({ occurred_at: at(0) }),
      row({ occurred_at: at(45) }),
      row({ occurred_at: at(46), utm_source: 'ads', utm_medium: 'cpc' }),
      row({ visitor_id: 'v2', occurred_at: at(46) }),
    ];
    const deltas = assignSessions(rows, new Map(), counter());
    expect(deltas.map((delta) => [delta.visitor_id, delta.pageviews, delta.utm_medium])).toEqual([
      ['v1', 1, null],
      ['v1', 1, null],
      ['v1', 1, 'cpc'],
      ['v2', 1, null],
    ]);
  });

  it('leaves rows without a visitor out of sessions', () => {
    const anonymous = row({ visitor_id: null });
    expect(assignSessions([anonymous], new Map(), counter())).toEqual([]);
    expect(anonymous.session_id).toBeNull();
  });

  describe('robustness to invalid data', () => {
    it('handles an empty batch', () => {
      expect(assignSessions([], new Map(), counter())).toEqual([]);
    });

    it('handles events far in the past before the previous session', () => {
      const previous = new Map([
        [sessionKey('site_1', 'v1'), { id: 'ses_old', lastSeenAt: at(0), campaignKey: null }],
      ]);
      const deltas = assignSessions([row({ occurred_at: at(-10_000) })], previous, counter());
      expect(deltas).toHaveLength(1);
      expect(deltas[0]!.id).toBe('ses_old');
    });
  });
});
