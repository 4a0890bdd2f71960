import { describe, expect, it } from 'vitest';
import { destinationEvent } from '../../../test/fakes/destination-event.ts';
import type { DestinationEvent, EventRule } from '../destination-type.ts';
import { clickIdOf, prepareConversion, transactionIdOf } from './prepare-conversion.ts';

const EM_GOOGLE = 'a97d7a4513204a9cc7cb2f11d72d41a59b18d1ba633d22e58d53c625518f5203';
const PH_E164 = 'fb4f73a6ec5fdb7077d564cdd22c3554b43ce49168550c3b12c547b78c517b30';

const prepare = (overrides: Partial<DestinationEvent> = {}, rule: EventRule = { match: 'purchase' }) =>
  prepareConversion({ id: 7, event: destinationEvent(overrides), rule }, '555000111');

describe('transactionIdOf', () => {
  it.each([
    [{ transactionId: 'order-42', eventId: 'evt-1' }, 'order-42'],
    [{ transactionId: null, eventId: 'order-2026-12-0042' }, 'order-2026-12-0042'],
    [{ transactionId: '  ', eventId: 'evt_06h47n9dgmdc178bpw2n8mqr5g' }, 'evt_06h47n9dgmdc178bpw2n8mqr5g'],
    [{ transactionId: '10042', eventId: 'evt-1' }, 'beacon-10042'],
    [{ transactionId: null, eventId: '2' }, 'beacon-2'],
    [{ transactionId: 'A-10042', eventId: 'evt-1' }, 'A-10042'],
  ])('%j → %s', (fields, expected) => {
    expect(transactionIdOf(destinationEvent(fields))).toBe(expected);
  });
});

describe('clickIdOf', () => {
  it.each([
    [{ gclid: 'G', wbraid: 'W', gbraid: 'B' }, { gclid: 'G' }],
    [{ wbraid: 'W', gbraid: 'B' }, { wbraid: 'W' }],
    [{ gbraid: 'B', fbclid: 'F' }, { gbraid: 'B' }],
    [{ fbc: 'fb.1.1.F' }, undefined],
    [{ gclid: '', wbraid: 'W' }, { wbraid: 'W' }],
  ])('%j → %j', (clickIds, expected) => {
    expect(clickIdOf(destinationEvent({ clickIds }))).toEqual(expected);
  });
});

describe('prepareConversion', () => {
  it('maps an event with a click id, hashes, value and a rule of its own', () => {
    const occurredAt = new Date('2026-11-02T10:00:00.000Z');
    const prepared = prepare(
      {
        occurredAt,
        userHashes: { em: 'e'.repeat(64), em_google: EM_GOOGLE, ph: 'f'.repeat(64), ph_e164: PH_E164 },
        country: 'US',
        ip: '8.8.8.8',
      },
      { match: 'signup', conversionActionId: '777' },
    );
    expect(prepared).toEqual({
      kind: 'send',
      conversion: {
        id: 7,
        conversionActionId: '777',
        transactionId: 'order-42',
        occurredAt,
        clickId: { gclid: 'EAIaIQobChMI_example' },
        hashedEmail: EM_GOOGLE,
        hashedPhone: PH_E164,
        value: 1188,
        currency: 'EUR',
        userAgent: expect.stringContaining('Chrome'),
        ipAddress: '8.8.8.8',
      },
    });
  });

  it.each([
    ['GB', undefined],
    ['DE', undefined],
    ['CH', undefined],
    ['NO', undefined],
    ['gb', undefined],
    ['US', '81.2.69.160'],
    ['BR', '81.2.69.160'],
    [null, undefined],
  ])('sends the address for country %s: %s', (country, expected) => {
    const prepared = prepare({ country });
    expect(prepared.kind === 'send' && prepared.conversion.ipAddress).toBe(expected ?? undefined);
  });

  it("never sends Meta's hashes: em and ph alone match nothing at Google", () => {
    const prepared = prepare({ userHashes: { em: EM_GOOGLE, ph: PH_E164 } });
    expect(
      prepared.kind === 'send' && [prepared.conversion.hashedEmail, prepared.conversion.hashedPhone],
    ).toEqual([undefined, undefined]);
  });

  it.each([
    [
      'no ads consent',
      { consent: { analytics: true, ads: false } },
      { kind: 'skipped', reason: 'no ads consent' },
    ],
    [
      'unknown ads consent',
      { consent: { analytics: true, ads: null } },
      { kind: 'skipped', reason: 'no ads consent' },
    ],
    [
      'no identifier at all',
      { clickIds: { fbc: 'fb.1.1.x', fbp: 'fb.1.1.y' }, userHashes: { em: EM_GOOGLE } },
      { kind: 'skipped', reason: expect.stringContaining('no Google click id') },
    ],
    [
      'a currency that is not ISO 4217',
      { currency: 'EURO' },
      { kind: 'permanent', error: expect.stringContaining('EURO') },
    ],
  ])('settles an event with %s', (_, overrides, result) => {
    expect(prepare(overrides as Partial<DestinationEvent>)).toEqual({ kind: 'done', id: 7, result });
  });

  it('sends an event with hashes but no click id (enhanced conversions for leads)', () => {
    const prepared = prepare({ clickIds: {}, userHashes: { em_google: EM_GOOGLE } });
    expect(prepared).toMatchObject({
      kind: 'send',
      conversion: { clickId: undefined, hashedEmail: EM_GOOGLE },
    });
  });

  it('refuses a rule whose conversion action is not an id', () => {
    expect(prepare({}, { match: 'purchase', conversionActionId: 'customers/1/conversionActions/2' })).toEqual(
      {
        kind: 'done',
        id: 7,
        result: { kind: 'permanent', error: expect.stringContaining('not a numeric id') },
      },
    );
  });

  describe('robustness to invalid data', () => {
    it.each([
      ['a malformed hash', { userHashes: { em_google: 'not-a-hash', ph_e164: '12' } }],
      ['an upper-case hash', { userHashes: { em_google: EM_GOOGLE.toUpperCase() } }],
      ['a NaN value', { value: Number.NaN }],
      ['an infinite value', { value: Number.POSITIVE_INFINITY }],
      ['a huge transaction id', { transactionId: 'x'.repeat(100_000) }],
      ['no user agent', { userAgent: null }],
    ])('maps an event with %s without throwing', (_, overrides) => {
      const prepared = prepare(overrides as Partial<DestinationEvent>);
      expect(prepared.kind).toBe('send');
      if (prepared.kind !== 'send') return;
      expect(
        prepared.conversion.hashedEmail === undefined ||
          /^[0-9a-f]{64}$/.test(prepared.conversion.hashedEmail),
      ).toBe(true);
      expect(prepared.conversion.value === undefined || Number.isFinite(prepared.conversion.value)).toBe(
        true,
      );
    });
  });
});
