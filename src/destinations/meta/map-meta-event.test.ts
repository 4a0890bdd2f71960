import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { destinationEvent } from '../../../test/fakes/destination-event.ts';
import type { DestinationEvent } from '../destination-type.ts';
import { mapMetaEvent, type MetaServerEvent } from './map-meta-event.ts';

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');
const now = new Date('2026-12-05T12:00:00.000Z');
const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

/** The sample purchase, a minute old. */
function event(overrides: Partial<DestinationEvent> = {}): DestinationEvent {
  return destinationEvent({ occurredAt: new Date(now.getTime() - 60_000), ...overrides });
}

function mapped(overrides: Partial<DestinationEvent> = {}, rule: { as?: string } = {}): MetaServerEvent {
  const result = mapMetaEvent({ event: event(overrides), rule }, now);
  if (result.kind !== 'send') throw new Error(`expected an event to send, got ${JSON.stringify(result)}`);
  return result.event;
}

describe('mapMetaEvent', () => {
  it('maps a purchase to a website ServerEvent Meta deduplicates with the pixel', () => {
    const sample = event();
    expect(mapMetaEvent({ event: sample, rule: { as: 'Purchase' } }, now)).toEqual({
      kind: 'send',
      event: {
        event_name: 'Purchase',
        event_time: Math.floor(sample.occurredAt.getTime() / 1000),
        event_id: 'order-2026-12-0042',
        action_source: 'website',
        event_source_url: 'https://shop.example/checkout/thank-you',
        referrer_url: 'https://shop.example/checkout',
        user_data: {
          em: sample.userHashes.em,
          ph: sample.userHashes.ph,
          external_id: sha256('crm-58213'),
          country: sha256('gb'),
          client_ip_address: '81.2.69.160',
          client_user_agent: sample.userAgent,
          fbc: 'fb.1.1764900000000.IwAR2example',
          fbp: 'fb.1.1764800000000.1234567890',
        },
        custom_data: { value: 1188, currency: 'EUR', order_id: 'order-42' },
      },
    });
  });

  it('passes the hashes ingestion made as they are and keeps Google-only ones out', () => {
    const em = sha256('john_smith@gmail.com');
    const { user_data } = mapped({
      userHashes: {
        em,
        ph: sha256('16505551212'),
        em_google: sha256('johnsmith@gmail.com'),
        ph_e164: sha256('+1'),
      },
    });
    expect(user_data.em).toBe('62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f');
    expect(user_data.ph).toBe('e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176');
    expect(Object.keys(user_data)).not.toContain('em_google');
    expect(Object.keys(user_data)).not.toContain('ph_e164');
  });

  it.each<[string, Record<string, string>]>([
    ['a raw email', { em: 'john_smith@gmail.com' }],
    ['a raw phone number', { ph: '+16505551212' }],
    ['a truncated hash', { em: 'a'.repeat(63) }],
    ['a non-hex hash', { em: 'g'.repeat(64) }],
  ])('never sends %s as an identifier', (_, userHashes) => {
    const { user_data } = mapped({ userHashes });
    expect(user_data.em).toBeUndefined();
    expect(user_data.ph).toBeUndefined();
  });

  it.each<[string, Partial<DestinationEvent>, number]>([
    ['in seconds', { occurredAt: new Date('2026-12-05T11:59:30.999Z') }, 1_796_471_970],
    ['never in the future', { occurredAt: new Date(now.getTime() + 5 * 60_000) }, now.getTime() / 1000],
  ])('gives event_time %s', (_, overrides, expected) => {
    expect(mapped(overrides).event_time).toBe(expected);
  });

  it.each<[string, string | null, string | undefined]>([
    ['an IPv4 address', '81.2.69.160', '81.2.69.160'],
    ['an IPv6 address', '2a00:1450:4009:81f::200e', '2a00:1450:4009:81f::200e'],
    ['an IPv4-mapped address as IPv4', '::ffff:81.2.69.160', '81.2.69.160'],
    ['no minimised IPv4 address', '81.2.69.0', undefined],
    ['no minimised IPv6 address', '2a00:1450:4009::', undefined],
    ['no private address', '10.1.2.3', undefined],
    ['no loopback', '127.0.0.1', undefined],
    ['no garbage', 'not-an-ip', undefined],
    ['nothing without one', null, undefined],
  ])('client_ip_address, unhashed: %s', (_, ip, expected) => {
    expect(mapped({ ip }).user_data.client_ip_address).toBe(expected);
  });

  it.each<[string, DestinationEvent['clickIds'], string | undefined, string | undefined]>([
    ['the cookies as they are', { fbc: 'fb.1.17.abc', fbp: 'fb.2.17.99' }, 'fb.1.17.abc', 'fb.2.17.99'],
    [
      'fbc built from an fbclid landing',
      { fbclid: 'IwAR2F4-dbP0l7Mn1IawQQGCINEz7PYXQvwjNwB_qa2ofrHyiLjcbCRxTDMgk' },
      'fb.1.1796471940000.IwAR2F4-dbP0l7Mn1IawQQGCINEz7PYXQvwjNwB_qa2ofrHyiLjcbCRxTDMgk',
      undefined,
    ],
    ['the cookie over the fbclid', { fbc: 'fb.1.17.abc', fbclid: 'Other' }, 'fb.1.17.abc', undefined],
    [
      'a malformed cookie replaced by the fbclid',
      { fbc: 'IwAR2', fbclid: 'IwAR2' },
      'fb.1.1796471940000.IwAR2',
      undefined,
    ],
    ['no malformed cookies', { fbc: 'fb.x.17.abc', fbp: '1234567890' }, undefined, undefined],
    ['no fbclid that was altered or is not one', { fbclid: 'a b' }, undefined, undefined],
    ['nothing without them', {}, undefined, undefined],
  ])('fbc and fbp: %s', (_, clickIds, fbc, fbp) => {
    const { user_data } = mapped({ clickIds });
    expect(user_data.fbc).toBe(fbc);
    expect(user_data.fbp).toBe(fbp);
  });

  it.each<[string, Partial<DestinationEvent>, string | undefined]>([
    ["the site's user id, normalised and hashed", { userId: ' CRM-58213 ' }, sha256('crm-58213')],
    ['a hashed user id as it is', { userId: sha256('crm-58213') }, sha256('crm-58213')],
    ['no visitor id in its place', { userId: null }, undefined],
  ])('sends external_id: %s', (_, overrides, expected) => {
    expect(mapped(overrides).user_data.external_id).toBe(expected);
  });

  it.each<[string | null, string | undefined]>([
    ['US', '79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621'],
    ['GB', sha256('gb')],
    ['XX', undefined],
    [null, undefined],
  ])('country %j → its hash, or none', (country, expected) => {
    expect(mapped({ country }).user_data.country).toBe(expected);
  });

  it('sends no city or region guessed from the address', () => {
    const { user_data } = mapped({ city: 'London', region: 'England' });
    expect(user_data.ct).toBeUndefined();
    expect(user_data.st).toBeUndefined();
  });

  it.each<[string, Partial<DestinationEvent>, MetaServerEvent['custom_data']]>([
    ['currency in upper case', { currency: 'usd', transactionId: null }, { value: 1188, currency: 'USD' }],
    [
      'no custom data without value, currency or order',
      { value: null, currency: null, transactionId: null },
      undefined,
    ],
    ['no value that is not a number', { value: Number.NaN, currency: null, transactionId: null }, undefined],
    ['no currency that is not one', { value: null, currency: 'euro', transactionId: null }, undefined],
    [
      "Meta's standard fields from props, nothing else",
      {
        value: null,
        currency: null,
        transactionId: null,
        props: {
          content_ids: ['sku-1', 2],
          content_type: 'product',
          content_name: 'Team plan',
          num_items: 3,
          plan: 'team',
          email_hint: 'jane@example.com',
        },
      },
      { content_ids: ['sku-1', '2'], content_type: 'product', content_name: 'Team plan', num_items: 3 },
    ],
  ])('custom_data: %s', (_, overrides, expected) => {
    expect(mapped(overrides).custom_data).toEqual(expected);
  });

  it.each<[string, string | null]>([
    ['none', null],
    ['no non-web one', 'android-app://com.example'],
    ['no malformed one', 'not a url'],
  ])('referrer_url: %s', (_, referrer) => {
    expect(mapped({ referrer }).referrer_url).toBeUndefined();
  });

  it.each<[string, Partial<DestinationEvent>, { as?: string }, string]>([
    ['without ads consent', { consent: { analytics: true, ads: false } }, {}, 'no_ads_consent'],
    ['with ads consent unknown', { consent: { analytics: true, ads: null } }, {}, 'no_ads_consent'],
    ['identify without a rule name', { type: 'identify', name: null }, {}, 'no_meta_event_name'],
    ["one of Beacon's own events", { name: '$engagement' }, {}, 'no_meta_event_name'],
    ['a name longer than 50', { name: 'x'.repeat(51) }, {}, 'event_name_too_long'],
    ['a rule name longer than 50', {}, { as: 'y'.repeat(51) }, 'event_name_too_long'],
    ['without a page URL', { url: null }, {}, 'no_page_url'],
    ['with a page URL that is not http', { url: 'file:///etc/passwd' }, {}, 'no_page_url'],
    ['without a user agent', { userAgent: null }, {}, 'no_user_agent'],
    ['with an empty user agent', { userAgent: '  ' }, {}, 'no_user_agent'],
  ])('skips an event %s', (_, overrides, rule, reason) => {
    expect(mapMetaEvent({ event: event(overrides), rule }, now)).toEqual({ kind: 'skipped', reason });
  });

  it.each<[string, number, 'send' | 'permanent']>([
    ['6 days old', 6 * DAY, 'send'],
    ['7 days less an hour old', 7 * DAY - HOUR, 'send'],
    ['within the last hour of 7 days', 7 * DAY - HOUR + 1, 'permanent'],
    ['8 days old', 8 * DAY, 'permanent'],
  ])('an event %s: %s', (_, age, kind) => {
    const result = mapMetaEvent(
      { event: event({ occurredAt: new Date(now.getTime() - age) }), rule: {} },
      now,
    );
    expect(result.kind).toBe(kind);
    if (result.kind === 'permanent') expect(result.error).toMatch(/7 days/);
  });

  describe('robustness to invalid data', () => {
    it.each<[string, Partial<DestinationEvent>]>([
      ['props null', { props: null }],
      [
        'props of the wrong types',
        { props: { content_ids: 'sku-1', num_items: -1, content_type: 'service', status: 7 } },
      ],
      ['content_ids with objects', { props: { content_ids: [{ id: 1 }] } }],
      ['a huge content_ids', { props: { content_ids: Array.from({ length: 5000 }, (_, i) => `sku-${i}`) } }],
      ['an empty props object', { props: {} }],
      [
        'a prototype key',
        { props: JSON.parse('{"__proto__": {"content_name": "x"}}') as Record<string, unknown> },
      ],
    ])('%s adds no custom field', (_, overrides) => {
      const result = mapped({ ...overrides, value: null, currency: null, transactionId: null });
      expect(result.custom_data).toBeUndefined();
    });

    it('takes a huge user agent only up to a bound', () => {
      expect(mapMetaEvent({ event: event({ userAgent: 'x'.repeat(100_000) }), rule: {} }, now)).toEqual({
        kind: 'skipped',
        reason: 'no_user_agent',
      });
    });

    it('answers for an invalid date without throwing', () => {
      const result = mapMetaEvent({ event: event({ occurredAt: new Date(Number.NaN) }), rule: {} }, now);
      expect(result.kind).toBe('permanent');
    });
  });
});
