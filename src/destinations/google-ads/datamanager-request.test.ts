import { describe, expect, it } from 'vitest';
import { ingestRequest, splitForIngest } from './datamanager-request.ts';
import type { Conversion } from './prepare-conversion.ts';

const EM_GOOGLE = 'a97d7a4513204a9cc7cb2f11d72d41a59b18d1ba633d22e58d53c625518f5203';
const PH_E164 = 'fb4f73a6ec5fdb7077d564cdd22c3554b43ce49168550c3b12c547b78c517b30';
const accounts = { customerId: '1234567890', loginCustomerId: undefined };

function conversion(overrides: Partial<Conversion> = {}): Conversion {
  return {
    id: 1,
    conversionActionId: '555000111',
    transactionId: 'order-42',
    occurredAt: new Date('2026-11-02T10:00:00.123Z'),
    clickId: { gclid: 'EAIaIQobChMI_example' },
    hashedEmail: undefined,
    hashedPhone: undefined,
    value: 49.5,
    currency: 'EUR',
    userAgent: 'Mozilla/5.0',
    ipAddress: undefined,
    ...overrides,
  };
}

const eventOf = (overrides: Partial<Conversion>) =>
  (ingestRequest([conversion(overrides)], accounts, false).body.events as unknown[])[0];

describe('ingestRequest', () => {
  it('builds the request of google-data-manager.md §3.7 for a click conversion', () => {
    expect(
      ingestRequest([conversion()], { customerId: '1234567890', loginCustomerId: '9876543210' }, false).body,
    ).toEqual({
      destinations: [
        {
          reference: '555000111',
          operatingAccount: { accountType: 'GOOGLE_ADS', accountId: '1234567890' },
          loginAccount: { accountType: 'GOOGLE_ADS', accountId: '9876543210' },
          productDestinationId: '555000111',
        },
      ],
      events: [
        {
          destinationReferences: ['555000111'],
          transactionId: 'order-42',
          eventTimestamp: '2026-11-02T10:00:00.123Z',
          eventSource: 'WEB',
          adIdentifiers: { gclid: 'EAIaIQobChMI_example' },
          conversionValue: 49.5,
          currency: 'EUR',
          consent: { adUserData: 'CONSENT_GRANTED', adPersonalization: 'CONSENT_GRANTED' },
          eventDeviceInfo: { userAgent: 'Mozilla/5.0' },
        },
      ],
    });
  });

  it.each([
    ['a wbraid', { clickId: { wbraid: 'W' } }, { adIdentifiers: { wbraid: 'W' } }],
    ['no click id', { clickId: undefined, hashedEmail: EM_GOOGLE }, { adIdentifiers: undefined }],
    [
      'hashed email and phone',
      { hashedEmail: EM_GOOGLE, hashedPhone: PH_E164 },
      { userData: { userIdentifiers: [{ emailAddress: EM_GOOGLE }, { phoneNumber: PH_E164 }] } },
    ],
    ['no value', { value: undefined }, { conversionValue: undefined }],
    ['a zero value', { value: 0 }, { conversionValue: 0 }],
    ['no currency', { currency: undefined }, { currency: undefined }],
    [
      'an address',
      { ipAddress: '8.8.8.8' },
      { eventDeviceInfo: { userAgent: 'Mozilla/5.0', ipAddress: '8.8.8.8' } },
    ],
    ['no user agent and no address', { userAgent: undefined }, { eventDeviceInfo: undefined }],
  ])('maps %s', (_, overrides, expected) => {
    const event = eventOf(overrides) as Record<string, unknown>;
    for (const [field, value] of Object.entries(expected)) expect(event[field], field).toEqual(value);
  });

  it('declares HEX encoding only when an event carries user data', () => {
    expect(ingestRequest([conversion()], accounts, false).body.encoding).toBeUndefined();
    expect(
      ingestRequest([conversion(), conversion({ hashedPhone: PH_E164 })], accounts, false).body.encoding,
    ).toBe('HEX');
  });

  it('sets validateOnly only for tests', () => {
    expect(ingestRequest([conversion()], accounts, true).body.validateOnly).toBe(true);
    expect('validateOnly' in ingestRequest([conversion()], accounts, false).body).toBe(false);
  });

  it('makes one destination per conversion action, each event pointing at its own', () => {
    const request = ingestRequest(
      [conversion({ id: 1 }), conversion({ id: 2, conversionActionId: '777' }), conversion({ id: 3 })],
      accounts,
      false,
    );
    expect(request.actionIds).toEqual(['555000111', '777']);
    expect(
      (request.body.destinations as Array<{ reference: string }>).map((destination) => destination.reference),
    ).toEqual(['555000111', '777']);
    expect(
      (request.body.events as Array<{ destinationReferences: string[] }>).map(
        (event) => event.destinationReferences,
      ),
    ).toEqual([['555000111'], ['777'], ['555000111']]);
    expect(request.conversions.map((each) => each.id)).toEqual([1, 2, 3]);
  });
});

describe('splitForIngest', () => {
  const actionsOf = (group: Conversion[]) => new Set(group.map((each) => each.conversionActionId)).size;

  it('keeps a batch together while it names at most 10 actions', () => {
    const batch = Array.from({ length: 30 }, (_, index) =>
      conversion({ id: index, conversionActionId: String(100 + (index % 10)) }),
    );
    const groups = splitForIngest(batch);
    expect(groups.map((group) => group.map((each) => each.id))).toEqual([batch.map((each) => each.id)]);
  });

  it('splits by action beyond 10, no request over 10 destinations, every conversion once', () => {
    const batch = Array.from({ length: 25 }, (_, index) =>
      conversion({ id: index, conversionActionId: String(100 + index) }),
    );
    const groups = splitForIngest(batch);
    expect(groups.map(actionsOf)).toEqual([10, 10, 5]);
    expect(groups.flat().map((each) => each.id)).toEqual(batch.map((each) => each.id));
    expect(
      groups.map((group) => (ingestRequest(group, accounts, false).body.destinations as unknown[]).length),
    ).toEqual([10, 10, 5]);
  });

  describe('robustness', () => {
    it('answers no group for no conversions', () => {
      expect(splitForIngest([])).toEqual([]);
    });

    it('keeps 2,000 conversions of one action in one request', () => {
      const batch = Array.from({ length: 2000 }, (_, index) =>
        conversion({ id: index, transactionId: `t-${index}` }),
      );
      expect(splitForIngest(batch).map((group) => group.length)).toEqual([2000]);
    });

    it('splits beyond 2,000 conversions', () => {
      const batch = Array.from({ length: 2001 }, (_, index) => conversion({ id: index }));
      expect(splitForIngest(batch).map((group) => group.length)).toEqual([2000, 1]);
    });
  });
});
