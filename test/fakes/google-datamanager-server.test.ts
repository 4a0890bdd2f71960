import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DATA_MANAGER_SCOPE,
  referenceEmailHash,
  referencePhoneHash,
  startFakeDataManager,
  type FakeDataManager,
  type FakeDataManagerSettings,
} from './google-datamanager-server.ts';
import { startFakeGoogleOauth, type FakeGoogleOauth } from './google-oauth-server.ts';

type Json = Record<string, unknown>;

const EMAIL = 'a97d7a4513204a9cc7cb2f11d72d41a59b18d1ba633d22e58d53c625518f5203';
const PHONE = 'fb4f73a6ec5fdb7077d564cdd22c3554b43ce49168550c3b12c547b78c517b30';

let clock = Date.now();
let oauth: FakeGoogleOauth;
let fake: FakeDataManager;
let token: string;
let defaults: FakeDataManagerSettings;
let transaction = 0;

beforeAll(async () => {
  oauth = await startFakeGoogleOauth({ now: () => clock });
  fake = await startFakeDataManager({ oauth, now: () => clock });
  defaults = structuredClone(fake.settings);
});
afterAll(async () => {
  await fake.close();
  await oauth.close();
});
beforeEach(() => {
  Object.assign(fake.settings, structuredClone(defaults));
  token = oauth.issueAccessToken({ subject: 'owner@example.com', scopes: [DATA_MANAGER_SCOPE] });
});

function event(overrides: Json = {}): Json {
  transaction++;
  return {
    destinationReferences: ['purchase'],
    transactionId: `order-${transaction}-${Math.random()}`,
    eventTimestamp: new Date(clock - 3600_000).toISOString(),
    eventSource: 'WEB',
    adIdentifiers: { gclid: `EAIaIQobChMI_${transaction}` },
    conversionValue: 49.5,
    currency: 'EUR',
    consent: { adUserData: 'CONSENT_GRANTED', adPersonalization: 'CONSENT_GRANTED' },
    ...overrides,
  };
}

function body(overrides: Json = {}, events: Json[] = [event()]): Json {
  return {
    destinations: [
      {
        reference: 'purchase',
        operatingAccount: { accountType: 'GOOGLE_ADS', accountId: '1234567890' },
        productDestinationId: '555000111',
      },
    ],
    events,
    ...overrides,
  };
}

async function ingest(
  payload: unknown,
  { headers = {}, bearer = token, method = 'POST', path = '/v1/events:ingest' } = {},
) {
  const response = await fetch(`${fake.url}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      ...headers,
    },
    ...(method === 'GET' ? {} : { body: typeof payload === 'string' ? payload : JSON.stringify(payload) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as Json };
}

/** The violations of a 400, as `reason field` strings. */
function violations(answer: { status: number; body: Json }): string[] {
  expect(answer.status, JSON.stringify(answer.body)).toBe(400);
  const details = (answer.body.error as { details: Json[] }).details;
  const badRequest = details.find((detail) => String(detail['@type']).endsWith('google.rpc.BadRequest'));
  return ((badRequest?.fieldViolations as Json[]) ?? []).map(
    (violation) => `${violation.reason} ${violation.field}`,
  );
}

const refusedWith = async (payload: unknown, expected: string) =>
  expect(violations(await ingest(payload))).toContain(expected);

describe('Data Manager fake: transport and auth', () => {
  it('1. routes only POST events:ingest and GET requestStatus:retrieve; a wrong method is 404 (or 405)', async () => {
    expect((await ingest(body(), { path: '/v1/events:upload' })).status).toBe(404);
    expect((await ingest(body(), { method: 'PUT' })).status).toBe(404);
    fake.settings.wrongMethodStatus = 405;
    expect((await ingest(body(), { method: 'PUT' })).status).toBe(405);
  });

  it('2. needs a live bearer token with the datamanager scope', async () => {
    expect(await ingest(body(), { bearer: '' })).toMatchObject({
      status: 401,
      body: { error: { status: 'UNAUTHENTICATED' } },
    });
    expect((await ingest(body(), { bearer: 'ya29.made-up' })).status).toBe(401);
    const expiring = oauth.issueAccessToken({
      subject: 's',
      scopes: [DATA_MANAGER_SCOPE],
      lifetimeSeconds: 1,
    });
    clock += 2000;
    expect((await ingest(body(), { bearer: expiring })).status).toBe(401);
    const adwords = oauth.issueAccessToken({
      subject: 's',
      scopes: ['https://www.googleapis.com/auth/adwords'],
    });
    const refused = await ingest(body(), { bearer: adwords });
    expect(refused).toMatchObject({ status: 403, body: { error: { status: 'PERMISSION_DENIED' } } });
    expect(JSON.stringify(refused.body)).toContain('ACCESS_TOKEN_SCOPE_INSUFFICIENT');
    expect((await ingest(body())).status).toBe(200);
  });

  it('3. accepts legacy headers but records them as lint', async () => {
    const before = fake.lint.length;
    const answer = await ingest(body(), { headers: { 'developer-token': 'x', 'login-customer-id': '1' } });
    expect(answer.status).toBe(200);
    expect(fake.lint.slice(before)).toEqual([
      expect.stringContaining('developer-token'),
      expect.stringContaining('login-customer-id'),
    ]);
  });

  it('4. the body must be one JSON object', async () => {
    expect((await ingest('{"destinations": [')).status).toBe(400);
    const answer = await ingest('[1, 2]');
    expect(answer.status).toBe(400);
    expect((answer.body.error as Json).message).toMatch(/^Invalid JSON payload received/);
  });

  it('5. takes lowerCamelCase or snake_case names and refuses unknown ones, legacy names among them', async () => {
    const snakeCase = {
      destinations: [
        {
          reference: 'purchase',
          operating_account: { account_type: 'GOOGLE_ADS', account_id: '1234567890' },
          product_destination_id: '555000111',
        },
      ],
      events: [
        {
          destination_references: ['purchase'],
          transaction_id: `snake-${Date.now()}`,
          event_timestamp: new Date(clock).toISOString(),
          event_source: 'WEB',
          ad_identifiers: { gclid: 'G' },
        },
      ],
    };
    expect((await ingest(snakeCase)).status).toBe(200);
    for (const [payload, name] of [
      [{ ...body(), conversions: [], partialFailure: true }, 'conversions'],
      [body({}, [event({ orderId: 'x' })]), 'orderId'],
      [body({}, [event({ gclid: 'G' })]), 'gclid'],
      [body({}, [event({ userIdentifiers: [{ hashedEmail: EMAIL }] })]), 'userIdentifiers'],
      [body({}, [event({ userData: { userIdentifiers: [{ hashedEmail: EMAIL }] } })]), 'hashedEmail'],
      [body({}, [event({ conversionEnvironment: 'WEB' })]), 'conversionEnvironment'],
    ] as const) {
      const answer = await ingest(payload);
      expect(answer.status, name).toBe(400);
      expect((answer.body.error as Json).message).toContain(`Unknown name "${name}"`);
    }
  });

  it('6. enums take known names or numbers; legacy GRANTED is INVALID_ENUM_VALUE', async () => {
    expect((await ingest(body({}, [event({ eventSource: 1, consent: { adUserData: 1 } })]))).status).toBe(
      200,
    );
    await refusedWith(
      body({}, [event({ consent: { adUserData: 'GRANTED' } })]),
      'INVALID_ENUM_VALUE events.events[0].consent.ad_user_data',
    );
    await refusedWith(
      body({}, [event({ eventSource: 'BROWSER' })]),
      'INVALID_ENUM_VALUE events.events[0].event_source',
    );
  });
});

describe('Data Manager fake: request envelope', () => {
  it('7. destinations are required, at most 10', async () => {
    await refusedWith({ ...body(), destinations: [] }, 'REQUIRED_FIELD_MISSING destinations');
    const eleven = Array.from({ length: 11 }, (_, index) => ({
      reference: `d${index}`,
      operatingAccount: { accountType: 'GOOGLE_ADS', accountId: '1234567890' },
      productDestinationId: String(100 + index),
    }));
    await refusedWith({ ...body(), destinations: eleven }, 'TOO_MANY_DESTINATIONS destinations');
  });

  it('8. events are required, at most 2,000 (configurable)', async () => {
    await refusedWith(body({}, []), 'REQUIRED_FIELD_MISSING events');
    fake.settings.maxEvents = 2;
    await refusedWith(body({}, [event(), event(), event()]), 'TOO_MANY_EVENTS events');
  });

  it('9. encoding is required with user data', async () => {
    const withUserData = body({}, [event({ userData: { userIdentifiers: [{ emailAddress: EMAIL }] } })]);
    await refusedWith(withUserData, 'REQUIRED_FIELD_MISSING encoding');
    await refusedWith(
      { ...withUserData, encoding: 'ENCODING_UNSPECIFIED' },
      'REQUIRED_FIELD_MISSING encoding',
    );
    expect((await ingest({ ...withUserData, encoding: 'HEX' })).status).toBe(200);
  });

  it('10. validateOnly is a boolean', async () => {
    await refusedWith({ ...body(), validateOnly: 'true' }, 'INVALID_ARGUMENT validate_only');
  });

  it('11. encryptionInfo is refused, never taken for plain hashes', async () => {
    await refusedWith(
      { ...body(), encryptionInfo: { gcpWrappedKeyInfo: {} } },
      'INVALID_ARGUMENT encryption_info',
    );
  });
});

describe('Data Manager fake: destinations', () => {
  const destination = (overrides: Json) => ({
    ...body(),
    destinations: [{ ...(body().destinations as Json[])[0], ...overrides }],
  });

  it('12. the operating account is required and must be GOOGLE_ADS; product and accountType agree', async () => {
    await refusedWith(
      destination({ operatingAccount: undefined }),
      'REQUIRED_FIELD_MISSING destinations[0].operating_account',
    );
    await refusedWith(
      destination({ operatingAccount: { accountId: '1' } }),
      'REQUIRED_FIELD_MISSING destinations[0].operating_account.account_type',
    );
    await refusedWith(
      destination({ operatingAccount: { accountType: 'DATA_PARTNER', accountId: '1' } }),
      'DESTINATION_ACCOUNT_TYPE_MISMATCH destinations[0].operating_account.account_type',
    );
    await refusedWith(
      destination({
        operatingAccount: { accountType: 'GOOGLE_ADS', product: 'DATA_PARTNER', accountId: '1' },
      }),
      'INVALID_ARGUMENT destinations[0].operating_account.account_type',
    );
    expect(
      (await ingest(destination({ operatingAccount: { product: 'GOOGLE_ADS', accountId: '1234567890' } })))
        .status,
    ).toBe(200);
  });

  it('13. account ids are digits: 123-456-7890 is INVALID_NUMBER_FORMAT', async () => {
    await refusedWith(
      destination({ operatingAccount: { accountType: 'GOOGLE_ADS', accountId: '123-456-7890' } }),
      'INVALID_NUMBER_FORMAT destinations[0].operating_account.account_id',
    );
    await refusedWith(
      destination({ loginAccount: { accountType: 'GOOGLE_ADS', accountId: '987-654-3210' } }),
      'INVALID_NUMBER_FORMAT destinations[0].login_account.account_id',
    );
  });

  it('14. productDestinationId is the numeric action id, not its resource name', async () => {
    await refusedWith(
      destination({ productDestinationId: 'customers/1234567890/conversionActions/555000111' }),
      'INVALID_CONVERSION_ACTION_ID destinations[0].product_destination_id',
    );
    await refusedWith(
      destination({ productDestinationId: undefined }),
      'INVALID_CONVERSION_ACTION_ID destinations[0].product_destination_id',
    );
  });

  it('15. optional registry: unknown action, wrong type, EC for leads not enabled', async () => {
    fake.settings.accounts = {
      '1234567890': { conversionActions: { '555000111': 'UPLOAD_CLICKS', '555000222': 'WEBPAGE' } },
    };
    await refusedWith(
      destination({ productDestinationId: '999' }),
      'INVALID_CONVERSION_ACTION_ID destinations[0].product_destination_id',
    );
    await refusedWith(
      destination({ productDestinationId: '555000222' }),
      'INVALID_CONVERSION_ACTION_TYPE destinations[0].product_destination_id',
    );
    const lead = body({ encoding: 'HEX' }, [
      event({ adIdentifiers: undefined, userData: { userIdentifiers: [{ emailAddress: EMAIL }] } }),
    ]);
    await refusedWith(
      lead,
      'DESTINATION_ACCOUNT_NOT_ENABLED_ENHANCED_CONVERSIONS_FOR_LEADS events.events[0]',
    );
    fake.settings.accounts['1234567890']!.enhancedConversionsForLeads = true;
    expect((await ingest(lead)).status).toBe(200);
  });

  it('16. optional access model: the credential reaches the account directly or through its manager', async () => {
    fake.settings.access = { 'owner@example.com': ['9876543210'] };
    expect((await ingest(body())).status).toBe(403);
    const throughManager = destination({
      loginAccount: { accountType: 'GOOGLE_ADS', accountId: '9876543210' },
    });
    expect((await ingest(throughManager)).status).toBe(403);
    fake.settings.managers = { '9876543210': ['1234567890'] };
    expect((await ingest(throughManager)).status).toBe(200);
  });

  it('17. a linked account needs a DATA_PARTNER login account', async () => {
    await refusedWith(
      destination({ linkedAccount: { accountType: 'GOOGLE_ADS', accountId: '1' } }),
      'LINKED_ACCOUNT_ONLY_ALLOWED_WITH_DATA_PARTNER_LOGIN_ACCOUNT destinations[0].linked_account',
    );
  });

  it('18. references are unique and events name existing ones', async () => {
    const first = (body().destinations as Json[])[0]!;
    await refusedWith(
      { ...body(), destinations: [first, { ...first, productDestinationId: '2' }] },
      'DUPLICATE_DESTINATION_REFERENCE destinations[1].reference',
    );
    await refusedWith(
      body({}, [event({ destinationReferences: ['signup'] })]),
      'INVALID_DESTINATION events.events[0].destination_references[0]',
    );
    await refusedWith(
      body({}, [
        event({ customVariables: [{ variable: 'plan', value: 'x', destinationReferences: ['other'] }] }),
      ]),
      'INVALID_DESTINATION events.events[0].custom_variables[0].destination_references[0]',
    );
  });
});

describe('Data Manager fake: events', () => {
  it('19. eventTimestamp is required RFC 3339, within the (configurable) window', async () => {
    await refusedWith(
      body({}, [event({ eventTimestamp: undefined })]),
      'REQUIRED_FIELD_MISSING events.events[0].event_timestamp',
    );
    await refusedWith(
      body({}, [event({ eventTimestamp: '2026-08-18 10:00:00+00:00' })]),
      'INVALID_FORMAT events.events[0].event_timestamp',
    );
    expect(
      (
        await ingest(
          body({}, [event({ eventTimestamp: new Date(clock).toISOString().replace('Z', '+00:00') })]),
        )
      ).status,
    ).toBe(200);
    await refusedWith(
      body({}, [event({ eventTimestamp: new Date(clock + 3600_000).toISOString() })]),
      'EVENT_TIME_INVALID events.events[0].event_timestamp',
    );
    await refusedWith(
      body({}, [event({ eventTimestamp: new Date(clock - 91 * 86_400_000).toISOString() })]),
      'EVENT_TIME_INVALID events.events[0].event_timestamp',
    );
    fake.settings.eventTimeWindow = null;
    expect(
      (await ingest(body({}, [event({ eventTimestamp: new Date(clock + 3600_000).toISOString() })]))).status,
    ).toBe(200);
  });

  it('20. eventSource is required for Google Ads', async () => {
    await refusedWith(
      body({}, [event({ eventSource: undefined })]),
      'REQUIRED_FIELD_MISSING events.events[0].event_source',
    );
    await refusedWith(
      body({}, [event({ eventSource: 'EVENT_SOURCE_UNSPECIFIED' })]),
      'REQUIRED_FIELD_MISSING events.events[0].event_source',
    );
  });

  it('21. transactionId is required (switch) and a purely numeric one is refused, except under validateOnly', async () => {
    await refusedWith(
      body({}, [event({ transactionId: undefined })]),
      'REQUIRED_FIELD_MISSING events.events[0].transaction_id',
    );
    await refusedWith(body({}, [event({ transactionId: '2' })]), 'INVALID_ARGUMENT events.events[0]');
    expect((await ingest({ ...body({}, [event({ transactionId: '2' })]), validateOnly: true })).status).toBe(
      200,
    );
    fake.settings.requireTransactionId = false;
    fake.settings.rejectNumericTransactionId = false;
    expect(
      (
        await ingest(
          body({}, [event({ transactionId: undefined }), event({ transactionId: String(Date.now()) })]),
        )
      ).status,
    ).toBe(200);
  });

  it('22. an event without click id or user identifiers is NO_IDENTIFIERS_PROVIDED, and fails the whole request', async () => {
    const answer = await ingest(body({}, [event(), event({ adIdentifiers: {} })]));
    expect(violations(answer)).toEqual(['NO_IDENTIFIERS_PROVIDED events.events[1]']);
    expect(fake.ingests.some((ingest) => JSON.stringify(ingest.body).includes('"adIdentifiers":{}'))).toBe(
      false,
    );
  });

  it('23. more than one click id is INVALID_EVENT (switch)', async () => {
    await refusedWith(
      body({}, [event({ adIdentifiers: { gclid: 'G', wbraid: 'W' } })]),
      'INVALID_EVENT events.events[0].ad_identifiers',
    );
    fake.settings.rejectSeveralClickIds = false;
    expect((await ingest(body({}, [event({ adIdentifiers: { gclid: 'G', wbraid: 'W' } })]))).status).toBe(
      200,
    );
  });

  it('24. currency is ISO 4217, conversionValue a finite number; micros and missing currency are lint', async () => {
    await refusedWith(
      body({}, [event({ currency: 'eur' })]),
      'INVALID_CURRENCY_CODE events.events[0].currency',
    );
    await refusedWith(
      body({}, [event({ conversionValue: 'lots' })]),
      'INVALID_NUMBER_FORMAT events.events[0].conversion_value',
    );
    expect((await ingest(body({}, [event({ conversionValue: '12.5' })]))).status).toBe(200);
    const before = fake.lint.length;
    expect(
      (await ingest(body({}, [event({ conversionValue: 49_500_000 }), event({ currency: undefined })])))
        .status,
    ).toBe(200);
    expect(fake.lint.slice(before)).toEqual([
      expect.stringContaining('micros'),
      expect.stringContaining('without a currency'),
    ]);
  });

  it('25. consent: the event overrides the request field by field, and is kept', async () => {
    const payload = body(
      { consent: { adUserData: 'CONSENT_GRANTED', adPersonalization: 'CONSENT_DENIED' } },
      [event({ consent: { adUserData: 'CONSENT_DENIED' } })],
    );
    const answer = await ingest(payload);
    expect(answer.status).toBe(200);
    const stored = await retrieve(answer.body.requestId as string);
    expect(JSON.stringify(stored)).toContain('PROCESSING_ERROR_REASON_DENIED_CONSENT');
    const granted = await ingest(
      body({ consent: { adPersonalization: 'CONSENT_DENIED' } }, [
        event({ consent: { adUserData: 'CONSENT_GRANTED' } }),
      ]),
    );
    const conversion = fake.conversions.find((stored) => stored.requestId === granted.body.requestId);
    expect(conversion?.consent).toEqual({
      adUserData: 'CONSENT_GRANTED',
      adPersonalization: 'CONSENT_DENIED',
    });
  });

  it('26. GA4-only fields are accepted with a lint warning', async () => {
    const before = fake.lint.length;
    expect((await ingest(body({}, [event({ eventName: 'purchase', clientId: '1.2' })]))).status).toBe(200);
    expect(fake.lint.slice(before)).toEqual([
      expect.stringContaining('event_name'),
      expect.stringContaining('client_id'),
    ]);
  });

  it('27. a custom variable needs a name; an unknown one is ignored with a field warning', async () => {
    await refusedWith(
      body({}, [event({ customVariables: [{ value: 'x' }] })]),
      'REQUIRED_FIELD_MISSING events.events[0].custom_variables[0].variable',
    );
    const answer = await ingest(
      body({}, [event({ customVariables: [{ variable: 'plan', value: 'team' }] })]),
    );
    expect(answer.body.fieldWarnings).toEqual([
      expect.objectContaining({
        reason: 'WARNING_REASON_CUSTOM_VARIABLE_NOT_ENABLED',
        field: 'events.events[0].custom_variables[0]',
      }),
    ]);
    fake.settings.customVariables = { '555000111': ['plan'] };
    expect(
      (await ingest(body({}, [event({ customVariables: [{ variable: 'plan', value: 'team' }] })]))).body
        .fieldWarnings,
    ).toBeUndefined();
  });

  it('28. cart data: numeric merchant id; warnings for braid clicks and incomplete items', async () => {
    await refusedWith(
      body({}, [event({ cartData: { merchantId: 'shop-1' } })]),
      'INVALID_MERCHANT_ID events.events[0].cart_data.merchant_id',
    );
    const answer = await ingest(
      body({}, [
        event({ adIdentifiers: { wbraid: 'W' }, cartData: { merchantId: '42', items: [{ quantity: '2' }] } }),
      ]),
    );
    expect((answer.body.fieldWarnings as Json[]).map((warning) => warning.reason)).toEqual([
      'WARNING_REASON_CART_DATA_NOT_SUPPORTED_WITH_GBRAID_OR_WBRAID',
      'WARNING_REASON_CART_DATA_ITEM_MERCHANT_PRODUCT_ID_MISSING',
      'WARNING_REASON_CART_DATA_ITEM_UNIT_PRICE_MISSING',
    ]);
  });

  it('29. IP addresses must parse (switch)', async () => {
    await refusedWith(
      body({}, [event({ eventDeviceInfo: { ipAddress: '81.2.69' } })]),
      'INVALID_FORMAT events.events[0].event_device_info.ip_address',
    );
    expect(
      (await ingest(body({}, [event({ eventDeviceInfo: { ipAddress: '2001:db8::1', userAgent: 'UA' } })])))
        .status,
    ).toBe(200);
    fake.settings.checkIpAddresses = false;
    expect((await ingest(body({}, [event({ eventDeviceInfo: { ipAddress: '81.2.69' } })]))).status).toBe(200);
  });
});

describe('Data Manager fake: user identifiers', () => {
  const withIdentifiers = (userIdentifiers: unknown, encoding = 'HEX') =>
    body({ encoding }, [event({ adIdentifiers: undefined, userData: { userIdentifiers } })]);

  it('30. 1 to 10 identifiers', async () => {
    await refusedWith(
      withIdentifiers([]),
      'REQUIRED_FIELD_MISSING events.events[0].user_data.user_identifiers',
    );
    await refusedWith(
      withIdentifiers(Array.from({ length: 11 }, () => ({ emailAddress: EMAIL }))),
      'TOO_MANY_USER_IDENTIFIERS events.events[0].user_data',
    );
  });

  it('31. each sets exactly one of email, phone, address', async () => {
    await refusedWith(
      withIdentifiers([{ emailAddress: EMAIL, phoneNumber: PHONE }]),
      'INVALID_FORMAT events.events[0].user_data.user_identifiers[0]',
    );
    await refusedWith(withIdentifiers([{}]), 'INVALID_FORMAT events.events[0].user_data.user_identifiers[0]');
  });

  it('32. HEX or BASE64 SHA-256; plain PII fails', async () => {
    await refusedWith(
      withIdentifiers([{ emailAddress: 'test.user@example.com' }]),
      'INVALID_HEX_ENCODING events.events[0].user_data.user_identifiers[0]',
    );
    await refusedWith(
      withIdentifiers([{ phoneNumber: '+18005550100' }]),
      'INVALID_HEX_ENCODING events.events[0].user_data.user_identifiers[0]',
    );
    await refusedWith(
      withIdentifiers([{ emailAddress: 'not base64!' }], 'BASE64'),
      'INVALID_BASE64_ENCODING events.events[0].user_data.user_identifiers[0]',
    );
    await refusedWith(
      withIdentifiers([{ emailAddress: Buffer.from(EMAIL).toString('base64') }], 'BASE64'),
      'INVALID_SHA256_FORMAT events.events[0].user_data.user_identifiers[0]',
    );
    expect(
      (
        await ingest(
          withIdentifiers([{ emailAddress: 'qX16RRMgSpzHyy8R1y1BpZsY0bpjPSLljVPGJVGPUgM=' }], 'BASE64'),
        )
      ).status,
    ).toBe(200);
    expect((await ingest(withIdentifiers([{ emailAddress: EMAIL.toUpperCase() }]))).status).toBe(200);
  });

  it('33. the hash of an empty string is lint', async () => {
    const before = fake.lint.length;
    const empty = createHash('sha256').update('').digest('hex');
    expect((await ingest(withIdentifiers([{ emailAddress: empty }]))).status).toBe(200);
    expect(fake.lint.slice(before)).toEqual([expect.stringContaining('empty string')]);
  });

  it('34. an address has all four parts, region code and postal code unhashed', async () => {
    const address = { givenName: EMAIL, familyName: EMAIL, regionCode: 'US', postalCode: '94045' };
    expect((await ingest(withIdentifiers([{ address }]))).status).toBe(200);
    await refusedWith(
      withIdentifiers([{ address: { ...address, postalCode: undefined } }]),
      'REQUIRED_FIELD_MISSING events.events[0].user_data.user_identifiers[0].address.postal_code',
    );
    await refusedWith(
      withIdentifiers([{ address: { ...address, regionCode: 'us' } }]),
      'INVALID_REGION_CODE events.events[0].user_data.user_identifiers[0].address.region_code',
    );
    await refusedWith(
      withIdentifiers([{ address: { ...address, postalCode: EMAIL } }]),
      'INVALID_POSTAL_CODE events.events[0].user_data.user_identifiers[0].address.postal_code',
    );
    await refusedWith(
      withIdentifiers([{ address: { ...address, givenName: 'John' } }]),
      'INVALID_HEX_ENCODING events.events[0].user_data.user_identifiers[0].address.given_name',
    );
  });

  it("35. oracle mode: hashes are checked against the expected PII's reference normalisation", async () => {
    expect([
      referenceEmailHash(' Test.User@Example.com '),
      referenceEmailHash('Jane.Doe+Shopping@googlemail.com'),
      referencePhoneHash('+1 800 555 0100'),
    ]).toEqual([EMAIL, '338abf9ef1c8793cadc7bcf51ed595338eb727ed9e06ce3d91d566d60b975937', PHONE]);
    fake.settings.oracle = { emails: [' Test.User@Example.com '], phones: ['+1 800 555 0100'] };
    const before = fake.oracleMismatches.length;
    const metaStyle = createHash('sha256').update('18005550100').digest('hex');
    expect(
      (
        await ingest(
          withIdentifiers([{ emailAddress: EMAIL }, { phoneNumber: PHONE }, { phoneNumber: metaStyle }]),
        )
      ).status,
    ).toBe(200);
    expect(fake.oracleMismatches.slice(before)).toEqual([expect.stringContaining('user_identifiers[2]')]);
  });
});

async function retrieve(requestId: string) {
  return ingest(undefined, {
    method: 'GET',
    path: `/v1/requestStatus:retrieve?requestId=${encodeURIComponent(requestId)}`,
  });
}

describe('Data Manager fake: responses and side effects', () => {
  it('36. success is 200 JSON with a requestId, and fieldWarnings only when there are some', async () => {
    const response = await fetch(`${fake.url}/v1/events:ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body()),
    });
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const answer = (await response.json()) as Json;
    expect(Object.keys(answer)).toEqual(['requestId']);
  });

  it('37. validateOnly checks, stores nothing, and its id cannot be retrieved', async () => {
    const stored = fake.conversions.length;
    const answer = await ingest({ ...body(), validateOnly: true });
    expect(answer.status).toBe(200);
    expect(fake.conversions.length).toBe(stored);
    expect(violations(await retrieve(answer.body.requestId as string))).toEqual([
      'INVALID_REQUEST_ID request_id',
    ]);
    await refusedWith(
      { ...body({}, [event({ currency: 'eur' })]), validateOnly: true },
      'INVALID_CURRENCY_CODE events.events[0].currency',
    );
    fake.settings.validateOnlyRequestId = false;
    expect((await ingest({ ...body(), validateOnly: true })).body).toEqual({});
  });

  it('38. rate limits answer 429 RESOURCE_EXHAUSTED naming the quota', async () => {
    fake.settings.rateLimit = { perMinute: 1 };
    clock += 120_000;
    expect((await ingest(body())).status).toBe(200);
    const limited = await ingest(body());
    expect(limited).toMatchObject({ status: 429, body: { error: { status: 'RESOURCE_EXHAUSTED' } } });
    expect(JSON.stringify(limited.body)).toContain('IngestionMutateRequestsPerMinutePerProject');
    fake.settings.rateLimit = { perDay: 1 };
    expect(JSON.stringify((await ingest(body())).body)).toContain('IngestionMutateRequestsPerDayPerProject');
  });

  it('39. faults on order: 500, 503, 504, 429 with quota_limit and Retry-After, and hanging', async () => {
    for (const status of [500, 503, 504]) {
      fake.failNext({ status });
      expect((await ingest(body())).status).toBe(status);
    }
    fake.failNext({ status: 429, quotaLimit: 'IngestionMutateRequestsPerDayPerProject', retryAfter: '30' });
    const response = await fetch(`${fake.url}/v1/events:ingest`, { method: 'POST', body: '{}' });
    expect([response.status, response.headers.get('retry-after')]).toEqual([429, '30']);
    expect(JSON.stringify(await response.json())).toContain(
      '"quota_limit":"IngestionMutateRequestsPerDayPerProject"',
    );
    fake.hang(true);
    const hung = fetch(`${fake.url}/v1/events:ingest`, {
      method: 'POST',
      body: '{}',
      signal: AbortSignal.timeout(300),
    });
    await expect(hung).rejects.toThrow();
    expect(fake.hanging()).toBe(1);
    fake.hang(false);
    expect((await ingest(body())).status).toBe(200);
  });

  it('40. requestStatus:retrieve goes from PROCESSING to SUCCESS, with counts as strings in destination order', async () => {
    fake.settings.processingMs = 30 * 60_000;
    const answer = await ingest(body({}, [event(), event()]));
    const processing = await retrieve(answer.body.requestId as string);
    expect(processing.body).toMatchObject({
      requestStatusPerDestination: [
        { requestStatus: 'PROCESSING', eventsIngestionStatus: { recordCount: '2' } },
      ],
    });
    clock += 30 * 60_000;
    const done = await retrieve(answer.body.requestId as string);
    expect(done.body).toMatchObject({
      requestStatusPerDestination: [
        {
          destination: { reference: 'purchase' },
          requestStatus: 'SUCCESS',
          eventsIngestionStatus: { recordCount: '2' },
        },
      ],
    });
    expect(violations(await retrieve('made-up'))).toEqual(['INVALID_REQUEST_ID request_id']);
  });

  it('41. asynchronous outcomes are error counts, and the ingest is still 200', async () => {
    fake.settings.issuedClicks = { 'G-mine': '1234567890', 'G-theirs': '5555555555' };
    fake.settings.eventTimeWindow = null;
    const answer = await ingest(
      body({}, [
        event({ adIdentifiers: { gclid: 'G-unknown' } }),
        event({ adIdentifiers: { gclid: 'G-theirs' } }),
        event({
          adIdentifiers: { gclid: 'G-mine' },
          eventTimestamp: new Date(clock - 100 * 86_400_000).toISOString(),
        }),
        event({ adIdentifiers: { gclid: 'G-mine' } }),
      ]),
    );
    expect(answer.status).toBe(200);
    const status = (await retrieve(answer.body.requestId as string)).body
      .requestStatusPerDestination as Json[];
    expect(status[0]).toMatchObject({
      requestStatus: 'PARTIAL_SUCCESS',
      eventsIngestionStatus: { recordCount: '4' },
    });
    expect((status[0]!.errorInfo as { errorCounts: Json[] }).errorCounts).toEqual([
      { reason: 'PROCESSING_ERROR_REASON_INVALID_GCLID', recordCount: '1' },
      { reason: 'PROCESSING_ERROR_OPERATING_ACCOUNT_MISMATCH_FOR_AD_IDENTIFIER', recordCount: '1' },
      { reason: 'PROCESSING_ERROR_REASON_EVENT_TOO_OLD', recordCount: '1' },
    ]);
  });

  it('42. the same transaction id for the same action is stored once and counted as a duplicate', async () => {
    const repeated = event({ transactionId: `dup-${Date.now()}` });
    const first = await ingest(body({}, [repeated]));
    const second = await ingest(
      body({}, [{ ...repeated, eventTimestamp: new Date(clock - 60_000).toISOString() }]),
    );
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(
      fake.conversions.filter((stored) => stored.event.transactionId === repeated.transactionId),
    ).toHaveLength(1);
    const status = (await retrieve(second.body.requestId as string)).body
      .requestStatusPerDestination as Json[];
    expect(JSON.stringify(status)).toContain('PROCESSING_ERROR_REASON_DUPLICATE_TRANSACTION_ID');
  });

  it('43. paths are snake_case with events.events[i] and destinations[i], all violations together', async () => {
    const payload = {
      ...body({}, [event(), event({ eventSource: undefined, currency: 'euro' })]),
      destinations: [
        {
          reference: 'purchase',
          operatingAccount: { accountType: 'GOOGLE_ADS', accountId: '123-456-7890' },
          productDestinationId: '555000111',
        },
      ],
    };
    expect(violations(await ingest(payload))).toEqual([
      'INVALID_NUMBER_FORMAT destinations[0].operating_account.account_id',
      'REQUIRED_FIELD_MISSING events.events[1].event_source',
      'INVALID_CURRENCY_CODE events.events[1].currency',
    ]);
  });
});
