import { describe, expect, it } from 'vitest';
import { buildUploadRequest, conversionDateTime, GOOGLE_ADS_API_VERSION } from './legacy-request.ts';
import type { Conversion } from './prepare-conversion.ts';

const EM_GOOGLE = 'a97d7a4513204a9cc7cb2f11d72d41a59b18d1ba633d22e58d53c625518f5203';
const PH_E164 = 'fb4f73a6ec5fdb7077d564cdd22c3554b43ce49168550c3b12c547b78c517b30';
const accounts = { customerId: '1234567890', loginCustomerId: undefined, developerToken: 'dev-token' };

function conversion(overrides: Partial<Conversion> = {}): Conversion {
  return {
    id: 1,
    conversionActionId: '555000111',
    transactionId: 'order-42',
    occurredAt: new Date('2026-11-02T10:00:00.999Z'),
    clickId: { gclid: 'EAIaIQobChMI_example' },
    hashedEmail: undefined,
    hashedPhone: undefined,
    value: 49.5,
    currency: 'EUR',
    userAgent: 'Mozilla/5.0',
    ipAddress: '8.8.8.8',
    ...overrides,
  };
}

const clickConversionOf = (overrides: Partial<Conversion>) =>
  (
    buildUploadRequest([conversion(overrides)], accounts).body.conversions as Array<Record<string, unknown>>
  )[0]!;

describe('conversionDateTime', () => {
  it.each([
    ['2026-11-02T10:00:00.999Z', '2026-11-02 10:00:00+00:00'],
    ['2026-01-05T03:04:05.000Z', '2026-01-05 03:04:05+00:00'],
    ['2026-12-31T23:59:59.000Z', '2026-12-31 23:59:59+00:00'],
  ])('%s → %s', (at, expected) => {
    expect(conversionDateTime(new Date(at))).toBe(expected);
  });
});

describe('buildUploadRequest', () => {
  it('builds uploadClickConversions with partialFailure, headers and the action resource name', () => {
    const request = buildUploadRequest([conversion()], { ...accounts, loginCustomerId: '9876543210' });
    expect(request.path).toBe(`/${GOOGLE_ADS_API_VERSION}/customers/1234567890:uploadClickConversions`);
    expect(request.headers).toEqual({ 'developer-token': 'dev-token', 'login-customer-id': '9876543210' });
    expect(request.body).toEqual({
      conversions: [
        {
          gclid: 'EAIaIQobChMI_example',
          conversionAction: 'customers/1234567890/conversionActions/555000111',
          conversionDateTime: '2026-11-02 10:00:00+00:00',
          orderId: 'order-42',
          conversionValue: 49.5,
          currencyCode: 'EUR',
          consent: { adUserData: 'GRANTED' },
        },
      ],
      partialFailure: true,
    });
  });

  it.each([
    ['a gbraid', { clickId: { gbraid: 'B' } }, { gbraid: 'B', gclid: undefined }],
    [
      'hashed email and phone',
      { hashedEmail: EM_GOOGLE, hashedPhone: PH_E164 },
      {
        userIdentifiers: [
          { userIdentifierSource: 'FIRST_PARTY', hashedEmail: EM_GOOGLE },
          { userIdentifierSource: 'FIRST_PARTY', hashedPhoneNumber: PH_E164 },
        ],
      },
    ],
    [
      'no value',
      { value: undefined, currency: undefined },
      { conversionValue: undefined, currencyCode: undefined },
    ],
    [
      'a rule of its own',
      { conversionActionId: '777' },
      { conversionAction: 'customers/1234567890/conversionActions/777' },
    ],
  ])('maps %s', (_, overrides, expected) => {
    const clickConversion = clickConversionOf(overrides);
    for (const [field, value] of Object.entries(expected))
      expect(clickConversion[field], field).toEqual(value);
  });

  it("never sends the address: userIpAddress is the landing page's, not the conversion's", () => {
    expect(JSON.stringify(buildUploadRequest([conversion()], accounts).body)).not.toContain('8.8.8.8');
  });

  it('leaves the login-customer-id header out without a manager, and asks validateOnly for tests', () => {
    const request = buildUploadRequest([conversion()], accounts, { validateOnly: true });
    expect(request.headers).toEqual({ 'developer-token': 'dev-token' });
    expect(request.body.validateOnly).toBe(true);
  });

  describe('robustness', () => {
    it('keeps 2,000 conversions in order', () => {
      const batch = Array.from({ length: 2000 }, (_, index) =>
        conversion({ id: index, transactionId: `t-${index}` }),
      );
      const request = buildUploadRequest(batch, accounts);
      expect((request.body.conversions as Array<{ orderId: string }>).map((each) => each.orderId)).toEqual(
        batch.map((each) => each.transactionId),
      );
    });
  });
});
