import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { destinationEvent } from '../../../test/fakes/destination-event.ts';
import {
  startFakeGoogleAdsLegacy,
  type FakeGoogleAdsLegacy,
} from '../../../test/fakes/google-ads-legacy-server.ts';
import {
  startFakeDataManager,
  type FakeDataManager,
  type FakeDataManagerSettings,
} from '../../../test/fakes/google-datamanager-server.ts';
import {
  startFakeGoogleOauth,
  type FakeGoogleOauth,
  type FakeServiceAccount,
} from '../../../test/fakes/google-oauth-server.ts';
import { hashUserIdentifiers } from '../../ingest/user-hashes.ts';
import type {
  DestinationEvent,
  EventRule,
  OutgoingEvent,
  SendContext,
  SendResult,
} from '../destination-type.ts';
import { createGoogleAdsDestination, type GoogleAdsDestinationOptions } from './google-ads-destination.ts';
import type { GoogleAdsConfig } from './google-ads-config.ts';
import { ADWORDS_SCOPE, DATA_MANAGER_SCOPE } from './oauth.ts';

type Json = Record<string, unknown>;

const CLIENT = { clientId: 'beacon.apps.googleusercontent.com', clientSecret: 'client-secret' };
const DATA_MANAGER_OAUTH = { ...CLIENT, refreshToken: '1//datamanager' };
const ADWORDS_OAUTH = { ...CLIENT, refreshToken: '1//adwords' };

let oauthClock = Date.now();
let oauth: FakeGoogleOauth;
let dataManager: FakeDataManager;
let legacy: FakeGoogleAdsLegacy;
let serviceAccount: FakeServiceAccount;
let dataManagerDefaults: FakeDataManagerSettings;
let warnings: string[] = [];
let serial = 0;

beforeAll(async () => {
  oauth = await startFakeGoogleOauth({ now: () => oauthClock });
  oauth.addRefreshToken({
    ...DATA_MANAGER_OAUTH,
    scopes: [DATA_MANAGER_SCOPE],
    subject: 'owner@example.com',
  });
  oauth.addRefreshToken({ ...ADWORDS_OAUTH, scopes: [ADWORDS_SCOPE], subject: 'owner@example.com' });
  serviceAccount = oauth.addServiceAccount('beacon@beacon-test.iam.gserviceaccount.com');
  dataManager = await startFakeDataManager({ oauth });
  legacy = await startFakeGoogleAdsLegacy({ oauth, settings: { developerTokens: ['dev-token-1'] } });
  dataManagerDefaults = structuredClone(dataManager.settings);
});
afterAll(async () => {
  await dataManager.close();
  await legacy.close();
  await oauth.close();
});
beforeEach(() => {
  Object.assign(dataManager.settings, structuredClone(dataManagerDefaults));
  legacy.settings.clicks = undefined;
  legacy.settings.allowlisted = undefined;
  warnings = [];
});

const dataManagerConfig = (overrides: Partial<GoogleAdsConfig> = {}): GoogleAdsConfig => ({
  customerId: '123-456-7890',
  conversionActionId: '555000111',
  api: 'datamanager',
  oauth: DATA_MANAGER_OAUTH,
  ...overrides,
});

const legacyConfig = (overrides: Partial<GoogleAdsConfig> = {}): GoogleAdsConfig =>
  dataManagerConfig({ api: 'legacy', developerToken: 'dev-token-1', oauth: ADWORDS_OAUTH, ...overrides });

function context(
  config: GoogleAdsConfig,
  overrides: Partial<SendContext<GoogleAdsConfig>> = {},
): SendContext<GoogleAdsConfig> {
  return {
    config,
    fetch,
    now: () => new Date(),
    log: { warn: (_object, message) => warnings.push(message) },
    urls: {
      ga4: 'http://127.0.0.1:1',
      metaGraph: 'http://127.0.0.1:1',
      googleDataManager: dataManager.url,
      googleAds: legacy.url,
      googleOauthToken: oauth.tokenUrl,
    },
    signal: new AbortController().signal,
    ...overrides,
  };
}

/** A purchase with its own gclid and order id, so the fakes' deduplication does not fold tests together. */
function outgoing(
  overrides: Partial<DestinationEvent> = {},
  rule: EventRule = { match: 'purchase' },
): OutgoingEvent {
  serial++;
  const id = serial;
  return {
    id,
    event: destinationEvent({
      transactionId: `order-${id}-${Date.now()}`,
      clickIds: { gclid: `EAIaIQobChMI_${id}` },
      ...overrides,
    }),
    rule,
  };
}

const kinds = (results: Map<number, SendResult>, batch: readonly OutgoingEvent[]) =>
  batch.map((each) => results.get(each.id)?.kind);

describe('Google Ads destination, Data Manager', () => {
  const destination = createGoogleAdsDestination();

  it('sends a batch as one conformant events:ingest and delivers it', async () => {
    const batch = [
      outgoing({ value: 49.5, currency: 'EUR' }),
      outgoing({ value: null, currency: null, country: 'US' }),
    ];
    const results = await destination.send(batch, context(dataManagerConfig({ loginCustomerId: undefined })));
    expect(kinds(results, batch)).toEqual(['delivered', 'delivered']);
    const sent = dataManager.ingests.at(-1)!.body as { destinations: Json[]; events: Json[] };
    expect(sent.destinations).toEqual([
      {
        reference: '555000111',
        operatingAccount: { accountType: 'GOOGLE_ADS', accountId: '1234567890' },
        productDestinationId: '555000111',
      },
    ]);
    expect(sent.events[0]).toMatchObject({
      transactionId: batch[0]!.event.transactionId,
      eventTimestamp: batch[0]!.event.occurredAt.toISOString(),
      eventSource: 'WEB',
      adIdentifiers: { gclid: batch[0]!.event.clickIds.gclid },
      conversionValue: 49.5,
      currency: 'EUR',
      consent: { adUserData: 'CONSENT_GRANTED', adPersonalization: 'CONSENT_GRANTED' },
      eventDeviceInfo: { userAgent: batch[0]!.event.userAgent },
    });
    expect(sent.events[1]).toMatchObject({ eventDeviceInfo: { ipAddress: '81.2.69.160' } });
    expect(
      dataManager.conversions.filter((stored) =>
        batch.some((each) => each.event.transactionId === stored.event.transactionId),
      ),
    ).toHaveLength(2);
  });

  it('sends the manager account in the body, never as legacy headers', async () => {
    const batch = [outgoing()];
    const lint = dataManager.lint.length;
    expect(
      kinds(
        await destination.send(batch, context(dataManagerConfig({ loginCustomerId: '987-654-3210' }))),
        batch,
      ),
    ).toEqual(['delivered']);
    expect((dataManager.ingests.at(-1)!.body as { destinations: Json[] }).destinations[0]).toMatchObject({
      loginAccount: { accountType: 'GOOGLE_ADS', accountId: '9876543210' },
    });
    expect(dataManager.lint.slice(lint)).toEqual([]);
  });

  it("sends exactly the hashes ingestion stored, which are Google's reference hashes (§4.2 test vectors)", async () => {
    const vectors = [
      [
        ' Test.User@Example.com ',
        '+1 800 555 0100',
        'a97d7a4513204a9cc7cb2f11d72d41a59b18d1ba633d22e58d53c625518f5203',
        'fb4f73a6ec5fdb7077d564cdd22c3554b43ce49168550c3b12c547b78c517b30',
      ],
      [
        'Jane.Doe+Shopping@googlemail.com',
        '+1 800 555 0100',
        '338abf9ef1c8793cadc7bcf51ed595338eb727ed9e06ce3d91d566d60b975937',
        undefined,
      ],
      [
        'user.name+NYC@Example.com',
        '+1 800 555 0100',
        'f109a2a632fbcea5fc82049f50beed3d8621bf9034399f437fb622222acccdac',
        undefined,
      ],
    ] as const;
    dataManager.settings.oracle = { emails: vectors.map(([email]) => email), phones: ['+1 800 555 0100'] };
    const mismatches = dataManager.oracleMismatches.length;
    const batch = vectors.map(([email, phone]) =>
      outgoing({ clickIds: {}, userHashes: hashUserIdentifiers({ email, phone }) ?? {} }),
    );
    dataManager.settings.accounts = {
      '1234567890': {
        enhancedConversionsForLeads: true,
        conversionActions: { '555000111': 'UPLOAD_CLICKS' },
      },
    };
    expect(kinds(await destination.send(batch, context(dataManagerConfig())), batch)).toEqual([
      'delivered',
      'delivered',
      'delivered',
    ]);
    const sent = dataManager.ingests.at(-1)!.body as {
      encoding: string;
      events: Array<{ userData: { userIdentifiers: Json[] } }>;
    };
    expect(sent.encoding).toBe('HEX');
    vectors.forEach(([, , emailHash, phoneHash], index) => {
      expect(sent.events[index]!.userData.userIdentifiers[0]).toEqual({ emailAddress: emailHash });
      if (phoneHash)
        expect(sent.events[index]!.userData.userIdentifiers[1]).toEqual({ phoneNumber: phoneHash });
    });
    expect(dataManager.oracleMismatches.slice(mismatches)).toEqual([]);
  });

  it('skips an event with nothing to match on instead of letting it fail the whole request', async () => {
    const batch = [outgoing(), outgoing({ clickIds: { fbclid: 'F' }, userHashes: {} }), outgoing()];
    const results = await destination.send(batch, context(dataManagerConfig()));
    expect(kinds(results, batch)).toEqual(['delivered', 'skipped', 'delivered']);
    expect(dataManager.requests.at(-1)).toMatchObject({ status: 200 });
  });

  it('prefixes a purely numeric order id, which a real ingest refuses', async () => {
    const batch = [outgoing({ transactionId: String(Date.now()) })];
    expect(kinds(await destination.send(batch, context(dataManagerConfig())), batch)).toEqual(['delivered']);
    expect((dataManager.ingests.at(-1)!.body as { events: Json[] }).events[0]!.transactionId).toBe(
      `beacon-${batch[0]!.event.transactionId}`,
    );
  });

  it("maps a fast-fail refusal back to the events at fault with Google's reason, and sends the rest again", async () => {
    const batch = [
      outgoing({ country: 'US' }),
      outgoing({ country: 'US', ip: '81.2.69' }),
      outgoing(),
      outgoing({ country: 'US', ip: 'localhost' }),
    ];
    const requests = dataManager.requests.length;
    const results = await destination.send(batch, context(dataManagerConfig()));
    expect(kinds(results, batch)).toEqual(['delivered', 'permanent', 'delivered', 'permanent']);
    expect(results.get(batch[1]!.id)).toEqual({
      kind: 'permanent',
      status: 400,
      error: expect.stringContaining('INVALID_FORMAT at events.events[1].event_device_info.ip_address'),
    });
    expect(dataManager.requests.slice(requests).map((request) => request.status)).toEqual([400, 200]);
    expect((dataManager.ingests.at(-1)!.body as { events: unknown[] }).events).toHaveLength(2);
  });

  it('refuses the events of a conversion action Google refuses, and delivers the others', async () => {
    dataManager.settings.accounts = {
      '1234567890': { conversionActions: { '555000111': 'UPLOAD_CLICKS', '555000222': 'WEBPAGE' } },
    };
    const batch = [
      outgoing(),
      outgoing({}, { match: 'signup', conversionActionId: '555000222' }),
      outgoing(),
    ];
    const results = await destination.send(batch, context(dataManagerConfig()));
    expect(kinds(results, batch)).toEqual(['delivered', 'permanent', 'delivered']);
    expect(results.get(batch[1]!.id)).toMatchObject({
      error: expect.stringContaining(
        'INVALID_CONVERSION_ACTION_TYPE at destinations[1].product_destination_id',
      ),
    });
  });

  it('splits a batch naming more than 10 conversion actions into requests of at most 10 destinations', async () => {
    const actions = Array.from({ length: 12 }, (_, index) => String(600 + index));
    const batch = actions.map((conversionActionId) =>
      outgoing({}, { match: 'purchase', conversionActionId }),
    );
    const ingests = dataManager.ingests.length;
    expect(new Set(kinds(await destination.send(batch, context(dataManagerConfig())), batch))).toEqual(
      new Set(['delivered']),
    );
    expect(
      dataManager.ingests.slice(ingests).map((ingest) => (ingest.body.destinations as unknown[]).length),
    ).toEqual([10, 2]);
  });

  it('mints one token for many sends', async () => {
    const fresh = createGoogleAdsDestination();
    const grants = oauth.grants.length;
    for (let round = 0; round < 3; round++) {
      const batch = [outgoing(), outgoing()];
      expect(kinds(await fresh.send(batch, context(dataManagerConfig())), batch)).toEqual([
        'delivered',
        'delivered',
      ]);
    }
    expect(oauth.grants.length - grants).toBe(1);
  });

  it('works with a service-account key as well (JWT bearer grant, datamanager scope)', async () => {
    const batch = [outgoing()];
    const results = await createGoogleAdsDestination().send(
      batch,
      context(dataManagerConfig({ oauth: { serviceAccountKey: serviceAccount.keyFile } })),
    );
    expect(kinds(results, batch)).toEqual(['delivered']);
    expect(oauth.grants.at(-1)).toMatchObject({
      grantType: 'jwt_bearer',
      subject: serviceAccount.clientEmail,
      scopes: [DATA_MANAGER_SCOPE],
    });
  });

  it('mints a new token when Google says the cached one is no longer valid', async () => {
    const fresh = createGoogleAdsDestination();
    await fresh.send([outgoing()], context(dataManagerConfig()));
    oauthClock += 3600_000; // Google's clock: the token has expired, Beacon's cache does not know yet
    const grants = oauth.grants.length;
    const batch = [outgoing()];
    expect(kinds(await fresh.send(batch, context(dataManagerConfig())), batch)).toEqual(['delivered']);
    expect(oauth.grants.length - grants).toBe(1);
    expect(dataManager.requests.slice(-2).map((request) => request.status)).toEqual([401, 200]);
  });

  it('dead-letters with a message about the credential when the refresh token was revoked', async () => {
    oauth.addRefreshToken({
      ...CLIENT,
      refreshToken: '1//soon-revoked',
      scopes: [DATA_MANAGER_SCOPE],
      subject: 'owner@example.com',
    });
    oauth.revokeRefreshToken('1//soon-revoked');
    const batch = [outgoing(), outgoing()];
    const results = await createGoogleAdsDestination().send(
      batch,
      context(dataManagerConfig({ oauth: { ...CLIENT, refreshToken: '1//soon-revoked' } })),
    );
    expect([...results.values()]).toEqual([
      {
        kind: 'permanent',
        status: 400,
        error: expect.stringContaining('authorise again and save the new refreshToken'),
      },
      {
        kind: 'permanent',
        status: 400,
        error: expect.stringContaining('authorise again and save the new refreshToken'),
      },
    ]);
  });

  it('dead-letters a refresh token granted only for the legacy API, saying which scope it lacks', async () => {
    const batch = [outgoing()];
    const results = await createGoogleAdsDestination().send(
      batch,
      context(dataManagerConfig({ oauth: ADWORDS_OAUTH })),
    );
    expect(results.get(batch[0]!.id)).toEqual({
      kind: 'permanent',
      error: expect.stringContaining(`not granted ${DATA_MANAGER_SCOPE}`),
    });
  });

  it('dead-letters a 403 saying the credential needs access to the customer', async () => {
    dataManager.settings.access = { 'owner@example.com': ['5555555555'] };
    const batch = [outgoing()];
    const results = await destination.send(batch, context(dataManagerConfig()));
    expect(results.get(batch[0]!.id)).toEqual({
      kind: 'permanent',
      status: 403,
      error: expect.stringContaining('access to Google Ads account 1234567890'),
    });
  });

  it.each([
    [{ status: 500 }, undefined],
    [{ status: 503, retryAfter: '30' }, 30_000],
    [{ status: 504 }, undefined],
    [{ status: 429, quotaLimit: 'IngestionMutateRequestsPerMinutePerProject' }, 60_000],
  ])('retries %j (wait %s)', async (fault, retryAfterMs) => {
    dataManager.failNext(fault);
    const batch = [outgoing()];
    const result = (await destination.send(batch, context(dataManagerConfig()))).get(batch[0]!.id);
    expect(result).toEqual({
      kind: 'retry',
      status: fault.status,
      error: expect.any(String),
      ...(retryAfterMs ? { retryAfterMs } : {}),
    });
  });

  it('waits for the daily quota to reset at midnight in California', async () => {
    dataManager.failNext({ status: 429, quotaLimit: 'IngestionMutateRequestsPerDayPerProject' });
    const batch = [outgoing()];
    const now = () => new Date('2026-11-02T18:30:00.000Z');
    const result = (await destination.send(batch, context(dataManagerConfig(), { now }))).get(batch[0]!.id);
    expect(result).toMatchObject({ kind: 'retry', status: 429, retryAfterMs: 13.5 * 3600_000 });
  });

  it('bounds a Data Manager that hangs, by its own timeout and by the caller’s signal', async () => {
    const impatient = createGoogleAdsDestination({ requestTimeoutMs: 500 });
    await impatient.send([outgoing()], context(dataManagerConfig())); // a token in the cache first
    dataManager.hang(true);
    try {
      const started = Date.now();
      const batch = [outgoing()];
      expect((await impatient.send(batch, context(dataManagerConfig()))).get(batch[0]!.id)).toEqual({
        kind: 'retry',
        error: expect.stringContaining('no answer within 500 ms'),
      });
      const controller = new AbortController();
      const aborted = impatient.send(batch, context(dataManagerConfig(), { signal: controller.signal }));
      setTimeout(() => controller.abort(), 100);
      expect((await aborted).get(batch[0]!.id)).toMatchObject({ kind: 'retry' });
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      dataManager.hang(false);
    }
  });

  it('dead-letters every event of a config it cannot use, naming the field', async () => {
    const batch = [outgoing()];
    const results = await destination.send(
      batch,
      context(dataManagerConfig({ oauth: { clientId: 'c', refreshToken: 'r' } })),
    );
    expect(results.get(batch[0]!.id)).toEqual({
      kind: 'permanent',
      error: expect.stringMatching(/^config\.oauth\.clientSecret is required/),
    });
  });

  it('answers an outcome for every event of the batch, whatever happens', async () => {
    dataManager.failNext({ status: 500 });
    const batch = [
      outgoing(),
      outgoing({ consent: { analytics: true, ads: false } }),
      outgoing({ clickIds: {}, userHashes: {} }),
    ];
    const results = await destination.send(batch, context(dataManagerConfig()));
    expect(kinds(results, batch)).toEqual(['retry', 'skipped', 'skipped']);
  });
});

describe('Google Ads destination, test()', () => {
  const destination = createGoogleAdsDestination();

  it('validates a test conversion with validateOnly and records nothing', async () => {
    const stored = dataManager.conversions.length;
    const result = await destination.test(
      destinationEvent({ clickIds: { gclid: 'EAIaIQobChMI_test' } }),
      context(dataManagerConfig()),
    );
    expect(result).toEqual({
      ok: true,
      messages: [
        expect.stringContaining(
          'validated a test conversion for account 1234567890, conversion action 555000111',
        ),
      ],
    });
    expect(dataManager.ingests.at(-1)).toMatchObject({ validateOnly: true });
    expect(dataManager.conversions.length).toBe(stored);
  });

  it('gives an event without identifiers a placeholder click id, and says so', async () => {
    const result = await destination.test(
      destinationEvent({ clickIds: {}, userHashes: {}, consent: { analytics: false, ads: false } }),
      context(dataManagerConfig()),
    );
    expect(result.ok).toBe(true);
    expect(result.messages[0]).toContain('placeholder gclid');
  });

  it("reports Google's refusal", async () => {
    dataManager.settings.accounts = { '1234567890': { conversionActions: {} } };
    const result = await destination.test(destinationEvent(), context(dataManagerConfig()));
    expect(result).toEqual({
      ok: false,
      messages: [expect.stringContaining('INVALID_CONVERSION_ACTION_ID')],
    });
  });

  it('reports a credential that does not work', async () => {
    const result = await destination.test(
      destinationEvent(),
      context(dataManagerConfig({ oauth: { ...CLIENT, refreshToken: '1//unknown' } })),
    );
    expect(result).toEqual({ ok: false, messages: [expect.stringContaining('invalid_grant')] });
  });

  it('validates through the legacy API with validateOnly too', async () => {
    const stored = legacy.conversions.length;
    const result = await destination.test(destinationEvent(), context(legacyConfig()));
    expect(result).toEqual({
      ok: true,
      messages: [expect.stringContaining('uploadClickConversions validated a test conversion')],
    });
    expect(legacy.conversions.length).toBe(stored);
  });

  it('reports an account Google no longer lets use the legacy API', async () => {
    legacy.settings.allowlisted = [];
    const result = await destination.test(destinationEvent(), context(legacyConfig()));
    expect(result).toEqual({
      ok: false,
      messages: [expect.stringContaining('set the destination\'s api to "datamanager"')],
    });
  });
});

describe('Google Ads destination, legacy uploadClickConversions', () => {
  const destination = createGoogleAdsDestination();

  it('uploads conformant click conversions with the developer token and manager headers', async () => {
    const batch = [
      outgoing({
        userHashes: hashUserIdentifiers({ email: ' Test.User@Example.com ', phone: '+1 800 555 0100' }) ?? {},
      }),
      outgoing(),
    ];
    const results = await destination.send(batch, context(legacyConfig({ loginCustomerId: '987-654-3210' })));
    expect(kinds(results, batch)).toEqual(['delivered', 'delivered']);
    expect(legacy.requests.at(-1)).toMatchObject({
      path: '/v25/customers/1234567890:uploadClickConversions',
      status: 200,
      headers: { 'developer-token': 'dev-token-1', 'login-customer-id': '9876543210' },
    });
    const uploaded = legacy.conversions.find(
      (stored) => stored.conversion.orderId === batch[0]!.event.transactionId,
    )!.conversion;
    expect(uploaded).toMatchObject({
      gclid: batch[0]!.event.clickIds.gclid,
      conversionAction: 'customers/1234567890/conversionActions/555000111',
      currencyCode: 'EUR',
      conversionValue: 1188,
      userIdentifiers: [
        {
          userIdentifierSource: 'FIRST_PARTY',
          hashedEmail: 'a97d7a4513204a9cc7cb2f11d72d41a59b18d1ba633d22e58d53c625518f5203',
        },
        {
          userIdentifierSource: 'FIRST_PARTY',
          hashedPhoneNumber: 'fb4f73a6ec5fdb7077d564cdd22c3554b43ce49168550c3b12c547b78c517b30',
        },
      ],
      consent: { adUserData: 'GRANTED' },
    });
  });

  it('maps partial failures to their events: too recent is retried after 6 hours, the rest dead-lettered or delivered', async () => {
    const now = Date.now();
    legacy.settings.clicks = {
      recent: { customerId: '1234567890', clickedAtMs: now - 3600_000 },
      fine: { customerId: '1234567890', clickedAtMs: now - 86_400_000 },
    };
    const batch = [
      outgoing({ clickIds: { gclid: 'fine' } }),
      outgoing({ clickIds: { gclid: 'recent' } }),
      outgoing({ clickIds: { gclid: 'unknown' } }),
    ];
    const results = await destination.send(batch, context(legacyConfig()));
    expect(batch.map((each) => results.get(each.id))).toEqual([
      { kind: 'delivered' },
      { kind: 'retry', error: expect.stringContaining('TOO_RECENT_EVENT'), retryAfterMs: 6 * 3600_000 },
      { kind: 'permanent', error: expect.stringContaining('CLICK_NOT_FOUND') },
    ]);
  });

  it('counts a conversion Google already has as delivered', async () => {
    const batch = [outgoing()];
    await destination.send(batch, context(legacyConfig()));
    expect(kinds(await destination.send(batch, context(legacyConfig())), batch)).toEqual(['delivered']);
    expect(legacy.requests.at(-1)).toMatchObject({ status: 200 });
  });

  it('dead-letters everything for an account that is not allow-listed, saying to switch to Data Manager', async () => {
    legacy.settings.allowlisted = ['5555555555'];
    const batch = [outgoing(), outgoing()];
    const results = await destination.send(batch, context(legacyConfig()));
    expect([...results.values()].map((result) => result.kind === 'permanent' && result.error)).toEqual([
      expect.stringContaining('CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE'),
      expect.stringContaining('api to "datamanager"'),
    ]);
  });

  it('uses the adwords scope with a service-account key', async () => {
    const batch = [outgoing()];
    const results = await createGoogleAdsDestination().send(
      batch,
      context(legacyConfig({ oauth: { serviceAccountKey: serviceAccount.keyFile } })),
    );
    expect(kinds(results, batch)).toEqual(['delivered']);
    expect(oauth.grants.at(-1)).toMatchObject({ grantType: 'jwt_bearer', scopes: [ADWORDS_SCOPE] });
  });

  it('dead-letters a wrong developer token after one fresh access token', async () => {
    const batch = [outgoing()];
    const results = await createGoogleAdsDestination().send(
      batch,
      context(legacyConfig({ developerToken: 'not-approved' })),
    );
    expect(results.get(batch[0]!.id)).toEqual({
      kind: 'permanent',
      status: 401,
      error: expect.stringContaining('DEVELOPER_TOKEN_INVALID'),
    });
  });

  it('retries a 503', async () => {
    legacy.failNext({ status: 503 });
    const batch = [outgoing()];
    expect(kinds(await destination.send(batch, context(legacyConfig())), batch)).toEqual(['retry']);
  });
});

describe('Google Ads destination type', () => {
  const options: GoogleAdsDestinationOptions = {};
  const destination = createGoogleAdsDestination(options);

  it('declares what the engine needs', () => {
    expect(destination).toMatchObject({
      type: 'google_ads',
      maxBatch: 2000,
      needsAdsConsent: true,
      needsFullIp: true,
      defaultEvents: [{ match: 'purchase' }],
      secretFields: ['developerToken', 'oauth.clientSecret', 'oauth.refreshToken', 'oauth.serviceAccountKey'],
    });
    expect(destination.retryWindowMs).toBe(7 * 86_400_000);
  });
});
