import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ADWORDS_SCOPE,
  startFakeGoogleAdsLegacy,
  type FakeGoogleAdsLegacy,
  type FakeGoogleAdsLegacySettings,
} from './google-ads-legacy-server.ts';
import { startFakeGoogleOauth, type FakeGoogleOauth } from './google-oauth-server.ts';

type Json = Record<string, unknown>;

const EMAIL = 'a97d7a4513204a9cc7cb2f11d72d41a59b18d1ba633d22e58d53c625518f5203';
const PHONE = 'fb4f73a6ec5fdb7077d564cdd22c3554b43ce49168550c3b12c547b78c517b30';
const CUSTOMER = '1234567890';
const PATH = `/v25/customers/${CUSTOMER}:uploadClickConversions`;

const clock = Date.now();
let oauth: FakeGoogleOauth;
let fake: FakeGoogleAdsLegacy;
let token: string;
let defaults: FakeGoogleAdsLegacySettings;
let serial = 0;

beforeAll(async () => {
  oauth = await startFakeGoogleOauth({ now: () => clock });
  fake = await startFakeGoogleAdsLegacy({ oauth, now: () => clock });
  defaults = structuredClone(fake.settings);
});
afterAll(async () => {
  await fake.close();
  await oauth.close();
});
beforeEach(() => {
  Object.assign(fake.settings, structuredClone(defaults));
  token = oauth.issueAccessToken({ subject: 'owner@example.com', scopes: [ADWORDS_SCOPE] });
});

const dateTime = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ') + '+00:00';

function conversion(overrides: Json = {}): Json {
  serial++;
  return {
    gclid: `EAIaIQobChMI_${serial}`,
    conversionAction: `customers/${CUSTOMER}/conversionActions/555000111`,
    conversionDateTime: dateTime(clock - 3600_000),
    orderId: `order-${serial}-${Math.random()}`,
    conversionValue: 49.5,
    currencyCode: 'EUR',
    consent: { adUserData: 'GRANTED' },
    ...overrides,
  };
}

const body = (conversions: Json[] = [conversion()], overrides: Json = {}) => ({
  conversions,
  partialFailure: true,
  ...overrides,
});

async function upload(
  payload: unknown,
  {
    path = PATH,
    headers = {},
    bearer = token,
    developerToken = 'test-developer-token',
    method = 'POST',
  }: {
    path?: string;
    headers?: Record<string, string>;
    bearer?: string;
    developerToken?: string;
    method?: string;
  } = {},
) {
  const response = await fetch(`${fake.url}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      ...(developerToken ? { 'developer-token': developerToken } : {}),
      ...headers,
    },
    ...(method === 'GET' ? {} : { body: typeof payload === 'string' ? payload : JSON.stringify(payload) }),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

/** The `code@index` of every GoogleAdsError, request-level (HTTP error) or partial. */
function errorCodes(answer: { body: Json }): string[] {
  const status = (answer.body.error ?? answer.body.partialFailureError) as Json | undefined;
  const details = (status?.details as Json[] | undefined) ?? [];
  return details.flatMap((detail) =>
    ((detail.errors as Json[] | undefined) ?? []).map((error) => {
      const code = Object.values(error.errorCode as Json)[0];
      const index = ((error.location as Json | undefined)?.fieldPathElements as Json[] | undefined)?.[0]
        ?.index;
      return index === undefined ? String(code) : `${code}@${index}`;
    }),
  );
}

describe('Google Ads legacy fake', () => {
  it('1. path, bearer token with the adwords scope, developer token, login-customer-id digits', async () => {
    expect(
      (await upload(body(), { path: '/v25/customers/123-456-7890:uploadClickConversions' })).status,
    ).toBe(404);
    expect((await upload(body(), { method: 'PUT' })).status).toBe(404);
    expect((await upload(body(), { bearer: '' })).status).toBe(401);
    const dataManagerToken = oauth.issueAccessToken({
      subject: 's',
      scopes: ['https://www.googleapis.com/auth/datamanager'],
    });
    expect((await upload(body(), { bearer: dataManagerToken })).status).toBe(403);
    const missing = await upload(body(), { developerToken: '' });
    expect([missing.status, errorCodes(missing)]).toEqual([400, ['DEVELOPER_TOKEN_PARAMETER_MISSING']]);
    const unknown = await upload(body(), { developerToken: 'stolen' });
    expect([unknown.status, errorCodes(unknown)]).toEqual([401, ['DEVELOPER_TOKEN_INVALID']]);
    const dashed = await upload(body(), { headers: { 'login-customer-id': '987-654-3210' } });
    expect([dashed.status, errorCodes(dashed)]).toEqual([400, ['INVALID_CUSTOMER_ID']]);
    expect((await upload(body(), { headers: { 'login-customer-id': '9876543210' } })).status).toBe(200);
  });

  it('1. an account Google no longer allows is 403 CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE; access follows the manager', async () => {
    fake.settings.allowlisted = ['5555555555'];
    const refused = await upload(body());
    expect([refused.status, errorCodes(refused)]).toEqual([
      403,
      ['CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE'],
    ]);
    fake.settings.allowlisted = undefined;
    fake.settings.access = { 'owner@example.com': ['9876543210'] };
    expect(errorCodes(await upload(body()))).toEqual(['USER_PERMISSION_DENIED']);
    fake.settings.managers = { '9876543210': [CUSTOMER] };
    expect((await upload(body(), { headers: { 'login-customer-id': '9876543210' } })).status).toBe(200);
  });

  it('2. partialFailure must be true; 1 to 2,000 conversions', async () => {
    expect(errorCodes(await upload(body([conversion()], { partialFailure: false })))).toEqual([
      'PARTIAL_FAILURE_MODE_REQUIRED',
    ]);
    expect(errorCodes(await upload(body([])))).toEqual(['REQUIRED_FIELD_MISSING']);
    const many = Array.from({ length: 2001 }, () => conversion());
    const answer = await upload(body(many));
    expect([answer.status, errorCodes(answer)]).toEqual([400, ['TOO_MANY_CONVERSIONS_IN_REQUEST']]);
  });

  it('3. a click id or identifiers on each conversion, and one click id at most', async () => {
    const answer = await upload(
      body([
        conversion(),
        conversion({ gclid: undefined }),
        conversion({ gclid: undefined, gbraid: 'B', wbraid: 'W' }),
        conversion({ wbraid: 'W' }),
      ]),
    );
    expect(answer.status).toBe(200);
    expect(errorCodes(answer)).toEqual(['REQUIRED@1', 'GBRAID_WBRAID_BOTH_SET@2', 'VALUE_MUST_BE_UNSET@3']);
  });

  it("4. conversionAction is the customer's resource name; the optional registry knows actions, types and their age", async () => {
    const answer = await upload(
      body([
        conversion({ conversionAction: '555000111' }),
        conversion({ conversionAction: 'customers/5555555555/conversionActions/555000111' }),
      ]),
    );
    expect(errorCodes(answer)).toEqual(['RESOURCE_NAME_MALFORMED@0', 'RESOURCE_NAME_MALFORMED@1']);
    fake.settings.conversionActions = {
      [CUSTOMER]: {
        '555000111': { type: 'UPLOAD_CLICKS' },
        '555000222': { type: 'WEBPAGE' },
        '555000333': { type: 'UPLOAD_CLICKS', createdAtMs: clock - 3600_000 },
      },
    };
    const registry = await upload(
      body(
        ['999', '555000222', '555000333', '555000111'].map((id) =>
          conversion({ conversionAction: `customers/${CUSTOMER}/conversionActions/${id}` }),
        ),
      ),
    );
    expect(errorCodes(registry)).toEqual([
      'NO_CONVERSION_ACTION_FOUND@0',
      'INVALID_CONVERSION_ACTION_TYPE@1',
      'TOO_RECENT_CONVERSION_ACTION@2',
    ]);
  });

  it('5. conversionDateTime is yyyy-mm-dd hh:mm:ss±hh:mm', async () => {
    const answer = await upload(
      body([
        conversion({ conversionDateTime: new Date(clock).toISOString() }),
        conversion({ conversionDateTime: '2026-08-18 10:00:00Z' }),
        conversion({ conversionDateTime: '2026-08-18 10:00:00-0400' }),
        conversion({ conversionDateTime: '2026-08-18 10:00:00-04:00' }),
      ]),
    );
    expect(errorCodes(answer)).toEqual([
      'INVALID_FIELD_VALUES_IN_DATE_TIME@0',
      'INVALID_FIELD_VALUES_IN_DATE_TIME@1',
      'INVALID_FIELD_VALUES_IN_DATE_TIME@2',
    ]);
  });

  it('6. currencyCode is three capitals, and comes with a value', async () => {
    const answer = await upload(
      body([
        conversion({ currencyCode: 'eur' }),
        conversion({ currencyCode: undefined }),
        conversion({ conversionValue: undefined, currencyCode: undefined }),
      ]),
    );
    expect(errorCodes(answer)).toEqual(['UNSUPPORTED@0', 'UNSUPPORTED@1']);
  });

  it('7. at most 5 identifiers, one hashed email or phone each, 64-hex; the oracle checks the normalisation', async () => {
    const answer = await upload(
      body([
        conversion({ userIdentifiers: Array.from({ length: 6 }, () => ({ hashedEmail: EMAIL })) }),
        conversion({ userIdentifiers: [{ hashedEmail: EMAIL, hashedPhoneNumber: PHONE }] }),
        conversion({ userIdentifiers: [{ hashedEmail: 'test.user@example.com' }] }),
        conversion({ userIdentifiers: [{ addressInfo: { hashedFirstName: EMAIL } }] }),
        conversion({
          userIdentifiers: [
            { userIdentifierSource: 'FIRST_PARTY', hashedEmail: EMAIL },
            { hashedPhoneNumber: PHONE },
          ],
        }),
      ]),
    );
    expect(errorCodes(answer)).toEqual([
      'TOO_MANY@0',
      'UNSUPPORTED_USER_IDENTIFIER@1',
      'INVALID_USER_IDENTIFIER@2',
      'UNSUPPORTED_USER_IDENTIFIER@3',
    ]);
    fake.settings.oracle = { emails: [' Test.User@Example.com '], phones: ['+1 800 555 0100'] };
    const before = fake.oracleMismatches.length;
    await upload(
      body([
        conversion({
          userIdentifiers: [
            { hashedEmail: EMAIL },
            { hashedPhoneNumber: 'e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176' },
          ],
        }),
      ]),
    );
    expect(fake.oracleMismatches.slice(before)).toEqual([expect.stringContaining('user_identifiers[1]')]);
  });

  it('8. an orderId once per conversion action within the request', async () => {
    const answer = await upload(body([conversion({ orderId: 'same' }), conversion({ orderId: 'same' })]));
    expect(errorCodes(answer)).toEqual(['DUPLICATE_ORDER_ID@1']);
  });

  it('9. partial failures: good conversions applied, failed ones empty in results and named by index', async () => {
    const good = conversion();
    const answer = await upload(body([good, conversion({ currencyCode: 'euro' }), conversion()]));
    expect(answer.status).toBe(200);
    const results = answer.body.results as Json[];
    expect(results[1]).toEqual({});
    expect(results[0]).toMatchObject({ gclid: good.gclid, conversionAction: good.conversionAction });
    expect(Object.keys(results[2]!).length).toBeGreaterThan(0);
    expect(fake.conversions.filter((stored) => stored.conversion.orderId === good.orderId)).toHaveLength(1);
    const location = ((answer.body.partialFailureError as Json).details as Json[])[0]!;
    expect((location.errors as Json[])[0]).toMatchObject({
      location: {
        fieldPathElements: [{ fieldName: 'conversions', index: 1 }, { fieldName: 'currency_code' }],
      },
    });
  });

  it('10. the click registry: too recent, expired, unknown, another account; uploads already made', async () => {
    fake.settings.clicks = {
      recent: { customerId: CUSTOMER, clickedAtMs: clock - 3600_000 },
      old: { customerId: CUSTOMER, clickedAtMs: clock - 91 * 86_400_000 },
      theirs: { customerId: '5555555555', clickedAtMs: clock - 86_400_000 },
      fine: { customerId: CUSTOMER, clickedAtMs: clock - 86_400_000 },
    };
    const answer = await upload(
      body(['recent', 'old', 'unknown', 'theirs', 'fine'].map((gclid) => conversion({ gclid }))),
    );
    expect(errorCodes(answer)).toEqual([
      'TOO_RECENT_EVENT@0',
      'EXPIRED_EVENT@1',
      'CLICK_NOT_FOUND@2',
      'INVALID_CUSTOMER_FOR_CLICK@3',
    ]);
    const sent = ((answer.body.results as Json[])[4] as Json).conversionDateTime;
    const again = await upload(
      body([
        conversion({ gclid: 'fine', conversionDateTime: sent }),
        conversion({
          gclid: 'fine',
          conversionDateTime: dateTime(clock - 7200_000),
          orderId: fake.conversions.at(-1)!.conversion.orderId,
        }),
      ]),
    );
    expect(errorCodes(again)).toEqual(['CLICK_CONVERSION_ALREADY_EXISTS@0', 'ORDER_ID_ALREADY_IN_USE@1']);
  });

  it("11. unknown names (Data Manager's too) are refused; consent uses the legacy enum", async () => {
    for (const payload of [
      { ...body(), events: [] },
      body([conversion({ transactionId: 'x' })]),
      body([conversion({ adIdentifiers: { gclid: 'G' } })]),
      body([conversion({ userIdentifiers: [{ emailAddress: EMAIL }] })]),
    ]) {
      const answer = await upload(payload);
      expect(answer.status).toBe(400);
      expect((answer.body.error as Json).message).toContain('Unknown name');
    }
    expect(
      errorCodes(await upload(body([conversion({ consent: { adUserData: 'CONSENT_GRANTED' } })]))),
    ).toEqual(['INVALID_VALUE@0']);
    expect(
      (
        await upload({
          conversions: [{ ...conversion(), conversion_date_time: undefined }],
          partial_failure: true,
        })
      ).status,
    ).toBe(200);
  });

  it('12. validateOnly applies nothing and omits results; faults and hangs on order', async () => {
    const stored = fake.conversions.length;
    const checked = await upload(
      body([conversion(), conversion({ currencyCode: 'x' })], { validateOnly: true }),
    );
    expect(checked.status).toBe(200);
    expect(checked.body.results).toBeUndefined();
    expect(errorCodes(checked)).toEqual(['UNSUPPORTED@1']);
    expect(fake.conversions.length).toBe(stored);
    fake.failNext({ status: 503 });
    expect((await upload(body())).status).toBe(503);
    fake.failNext({ status: 429, retryAfter: '12' });
    const limited = await fetch(`${fake.url}${PATH}`, { method: 'POST', body: '{}' });
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '12']);
    fake.hang(true);
    await expect(
      fetch(`${fake.url}${PATH}`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(300) }),
    ).rejects.toThrow();
    fake.hang(false);
  });
});
