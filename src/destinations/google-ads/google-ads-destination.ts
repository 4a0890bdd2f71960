import type {
  DestinationEvent,
  DestinationType,
  OutgoingEvent,
  SendContext,
  SendResult,
  TestResult,
} from '../destination-type.ts';
import { callGoogle } from './call-google.ts';
import { ingestRequest, splitForIngest, type DataManagerAccounts } from './datamanager-request.ts';
import { interpretIngestAnswer } from './datamanager-response.ts';
import {
  customerDigits,
  GOOGLE_ADS_SECRET_FIELDS,
  GoogleAdsConfig,
  parseCredential,
  validateGoogleAdsConfig,
  type GoogleCredential,
} from './google-ads-config.ts';
import { buildUploadRequest, type LegacyAccounts } from './legacy-request.ts';
import { interpretUploadAnswer } from './legacy-response.ts';
import {
  ADWORDS_SCOPE,
  createAccessTokens,
  DATA_MANAGER_SCOPE,
  type AccessTokens,
  type TokenRequest,
} from './oauth.ts';
import { clickIdOf, prepareConversion, type Conversion } from './prepare-conversion.ts';
import { settleInRounds, type Verdict } from './send-rounds.ts';

/** Google's client libraries allow 120 s; a conversion upload that takes longer is stuck, and others wait behind it. */
const REQUEST_TIMEOUT_MS = 30_000;
const DAY_MS = 86_400_000;

/** A click id for `test` when the sample event has none: validateOnly checks its form, not that the click happened. */
const TEST_GCLID = 'beacon-test-gclid';

export interface GoogleAdsDestinationOptions {
  /** Shared by every send and test of the destinations this object serves. */
  tokens?: AccessTokens;
  requestTimeoutMs?: number;
}

const describeResult = (result: SendResult) =>
  result.kind === 'delivered' ? 'delivered' : result.kind === 'skipped' ? result.reason : result.error;

/** The credential to mint tokens with, or what is wrong with the config: checked again at send, since a stored config may predate a rule. */
function credentialOf(config: GoogleAdsConfig): { credential: GoogleCredential } | { problem: string } {
  const problem = validateGoogleAdsConfig(config);
  if (problem) return { problem: `${problem.field} ${problem.message}` };
  const credential = parseCredential(config.oauth);
  return credential.ok
    ? { credential: credential.value }
    : { problem: `${credential.field} ${credential.message}` };
}

const dataManagerAccounts = (config: GoogleAdsConfig): DataManagerAccounts => ({
  customerId: customerDigits(config.customerId),
  loginCustomerId: config.loginCustomerId ? customerDigits(config.loginCustomerId) : undefined,
});

const legacyAccounts = (config: GoogleAdsConfig): LegacyAccounts => ({
  ...dataManagerAccounts(config),
  developerToken: config.developerToken ?? '',
});

/**
 * Google Ads conversions (issue 12 item 5): through the Data Manager API's `events:ingest` by default,
 * or the legacy `uploadClickConversions` for accounts Google still allows (`api: "legacy"`, with a
 * developer token). Access tokens come from a refresh token or a service-account key and are kept
 * until shortly before they expire, which is why this is built by a factory: the token cache is the
 * one piece of state, and tests build their own.
 */
export function createGoogleAdsDestination({
  tokens = createAccessTokens(),
  requestTimeoutMs = REQUEST_TIMEOUT_MS,
}: GoogleAdsDestinationOptions = {}): DestinationType<GoogleAdsConfig> {
  const tokenRequest = (
    context: SendContext<GoogleAdsConfig>,
    credential: GoogleCredential,
  ): TokenRequest => ({
    credential,
    scope: context.config.api === 'legacy' ? ADWORDS_SCOPE : DATA_MANAGER_SCOPE,
    tokenUrl: context.urls.googleOauthToken,
    fetch: context.fetch,
    now: context.now,
    signal: context.signal,
  });

  /** One request to Google for `conversions`, by the configured API, interpreted. */
  function attemptWith(
    context: SendContext<GoogleAdsConfig>,
    credential: GoogleCredential,
    validateOnly: boolean,
  ): (conversions: readonly Conversion[]) => Promise<Verdict> {
    const { config, urls, now } = context;
    const dependencies = {
      tokens,
      tokenRequest: tokenRequest(context, credential),
      timeoutMs: requestTimeoutMs,
    };
    if (config.api === 'legacy') {
      const accounts = legacyAccounts(config);
      return (conversions) => {
        const request = buildUploadRequest(conversions, accounts, { validateOnly });
        const call = {
          url: `${urls.googleAds}${request.path}`,
          headers: request.headers,
          body: request.body,
        };
        return callGoogle(
          call,
          (answer) => interpretUploadAnswer(answer, conversions.length, now()),
          dependencies,
        );
      };
    }
    const accounts = dataManagerAccounts(config);
    return (conversions) => {
      const request = ingestRequest(conversions, accounts, validateOnly);
      const call = { url: `${urls.googleDataManager}/v1/events:ingest`, headers: {}, body: request.body };
      return callGoogle(
        call,
        (answer) => interpretIngestAnswer(answer, request, accounts.customerId, now()),
        dependencies,
      );
    };
  }

  async function send(
    batch: readonly OutgoingEvent[],
    context: SendContext<GoogleAdsConfig>,
  ): Promise<Map<number, SendResult>> {
    const results = new Map<number, SendResult>();
    const conversions: Conversion[] = [];
    for (const outgoing of batch) {
      const prepared = prepareConversion(outgoing, context.config.conversionActionId);
      if (prepared.kind === 'done') results.set(prepared.id, prepared.result);
      else conversions.push(prepared.conversion);
    }
    if (conversions.length === 0) return results;
    const credential = credentialOf(context.config);
    if ('problem' in credential) {
      for (const { id } of conversions) results.set(id, { kind: 'permanent', error: credential.problem });
      return results;
    }
    const attempt = attemptWith(context, credential.credential, false);
    // The legacy upload takes any mix of actions; Data Manager at most 10 per request.
    const groups = context.config.api === 'legacy' ? [conversions] : splitForIngest(conversions);
    for (const group of groups) await settleInRounds(group, attempt, results, context.log);
    return results;
  }

  /**
   * Sends the event with validateOnly, which Google checks as it would a real one and records
   * nothing. Ads consent is taken as given, and a placeholder click id stands in when the event has
   * none, since no user's data is recorded.
   */
  async function test(event: DestinationEvent, context: SendContext<GoogleAdsConfig>): Promise<TestResult> {
    const { config } = context;
    const identified =
      clickIdOf(event) !== undefined || Boolean(event.userHashes.em_google || event.userHashes.ph_e164);
    const messages = identified
      ? []
      : [
          `The test event has no click id or hashed identifier; it carries the placeholder gclid "${TEST_GCLID}".`,
        ];
    const sample: DestinationEvent = {
      ...event,
      consent: { ...event.consent, ads: true },
      clickIds: identified ? event.clickIds : { ...event.clickIds, gclid: TEST_GCLID },
    };
    const prepared = prepareConversion(
      { id: 0, event: sample, rule: { match: event.name ?? event.type } },
      config.conversionActionId,
    );
    if (prepared.kind === 'done')
      return { ok: false, messages: [...messages, describeResult(prepared.result)] };
    const credential = credentialOf(config);
    if ('problem' in credential) return { ok: false, messages: [...messages, credential.problem] };
    const verdict = await attemptWith(context, credential.credential, true)([prepared.conversion]);
    const result =
      verdict.kind === 'each'
        ? verdict.results[0]
        : verdict.kind === 'refused'
          ? verdict.atFault.get(0)
          : verdict.result;
    if (result?.kind !== 'delivered') {
      return {
        ok: false,
        messages: [...messages, result ? describeResult(result) : 'Google answered nothing for it'],
      };
    }
    const api =
      config.api === 'legacy' ? 'Google Ads uploadClickConversions' : 'Google Data Manager events:ingest';
    const target = `account ${customerDigits(config.customerId)}, conversion action ${prepared.conversion.conversionActionId}`;
    const warnings = verdict.kind === 'all' ? (verdict.warnings ?? []) : [];
    return {
      ok: true,
      messages: [
        ...messages,
        `${api} validated a test conversion for ${target}; nothing was recorded (validateOnly).`,
        ...warnings,
      ],
    };
  }

  return {
    type: 'google_ads',
    configSchema: GoogleAdsConfig,
    secretFields: GOOGLE_ADS_SECRET_FIELDS,
    maxBatch: 2000,
    /**
     * Retries cannot move a conversion out of its action's click-through window (1 to 90 days from
     * the click, default 30): that compares the conversion's own time with the click's. What a late
     * upload risks is Google's import limit, 90 days after the click (legacy EXPIRED_EVENT, Data
     * Manager EVENT_TOO_OLD / EVENT_TIME_INVALID), and a click carried forward may already be weeks
     * old. A week rides out an outage, a spent daily quota and the 6 hours Google wants before a
     * click can be imported, while conversions still arrive in time to steer bidding.
     */
    retryWindowMs: 7 * DAY_MS,
    needsAdsConsent: true,
    /**
     * Data Manager's `eventDeviceInfo.ipAddress` helps matching outside the EEA, the UK and
     * Switzerland (where Google does not use it, and it is never sent); the address is kept sealed in
     * the delivery only until it is final.
     */
    needsFullIp: true,
    /**
     * A destination names one conversion action, and every matching event counts as one conversion
     * of it: sending page views would flood it. `purchase` is the conversion sites name the same way
     * (GA4's recommended event) and carries value, currency and transaction id.
     */
    defaultEvents: [{ match: 'purchase' }],
    validateConfig: validateGoogleAdsConfig,
    send,
    test,
  };
}

export const googleAdsDestination = createGoogleAdsDestination();
