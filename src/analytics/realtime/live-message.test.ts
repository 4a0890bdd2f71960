import { describe, expect, it } from 'vitest';
import { blankEventRow, type EventRow } from '../../ingest/event-row.ts';
import { liveEventMessage } from './live-message.ts';

const receivedAt = new Date('2026-11-20T10:00:00.000Z');

function row(fields: Partial<EventRow> = {}): EventRow {
  return blankEventRow({
    id: 'evt_1',
    site_id: 'site_1',
    type: 'pageview',
    received_at: receivedAt,
    ...fields,
  });
}

const parse = (message: string | undefined) =>
  JSON.parse(message!) as { type: string; event: Record<string, unknown> };

describe('liveEventMessage', () => {
  it.each<[string, Partial<EventRow>, Record<string, unknown>]>([
    ['a bare page view', {}, { type: 'pageview', name: null, path: null, country: null, companyName: null }],
    [
      'an enriched page view',
      {
        path: '/pricing',
        referrer_host: 'google.com',
        country: 'DE',
        device_type: 'desktop',
        browser_name: 'Firefox',
        visitor_class: 'business',
        company_name: 'Acme GmbH',
      },
      {
        path: '/pricing',
        referrerHost: 'google.com',
        country: 'DE',
        deviceType: 'desktop',
        browserName: 'Firefox',
        visitorClass: 'business',
        companyName: 'Acme GmbH',
      },
    ],
    ['a custom event', { type: 'event', name: 'signup', path: '/join' }, { type: 'event', name: 'signup' }],
  ])('shows %s', (_case, fields, expected) => {
    const message = parse(liveEventMessage(row(fields)));
    expect(message.type).toBe('event');
    expect(message.event).toMatchObject({ id: 'evt_1', receivedAt: '2026-11-20T10:00:00.000Z', ...expected });
  });

  it('leaves bots out', () => {
    expect(liveEventMessage(row({ is_bot: true, path: '/' }))).toBeUndefined();
  });

  it('never carries the address, visitor, user, user agent, click ids, props or identifier hashes', () => {
    const message = liveEventMessage(
      row({
        ip: '203.0.113.7',
        visitor_id: 'visitor-secret',
        session_id: 'ses_secret',
        user_id: 'user-secret',
        user_agent: 'Mozilla/5.0 secret',
        gclid: 'gclid-secret',
        fbc: 'fb.1.secret',
        url: 'https://shop.example/?q=secret',
        props: { plan: 'secret' },
        user_hashes: { em: 'secret' },
        ga_client_id: 'secret.1',
      }),
    )!;
    expect(message).not.toMatch(/secret|203\.0\.113/);
    expect(Object.keys(parse(message).event).sort()).toEqual(
      [
        'browserName',
        'companyName',
        'country',
        'deviceType',
        'id',
        'name',
        'path',
        'receivedAt',
        'referrerHost',
        'type',
        'visitorClass',
      ].sort(),
    );
  });

  describe('robustness', () => {
    it.each([
      ['line breaks', '/a\nb\r\nc'],
      ['line and paragraph separators', '/a\u2028b\u2029c'],
      ['quotes and backslashes', '/"quoted"\\path'],
      ['a huge path', `/${'x'.repeat(100_000)}`],
      ['an empty path', ''],
    ])('keeps a message on one line and exact with %s', (_case, path) => {
      const message = liveEventMessage(row({ path }))!;
      expect(message.includes('\n')).toBe(false);
      expect(parse(message).event.path).toBe(path);
    });
  });
});
