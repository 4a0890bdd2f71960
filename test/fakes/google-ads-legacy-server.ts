import { randomUUID } from 'node:crypto';
import { referenceEmailHash, referencePhoneHash } from './google-datamanager-server.ts';
import {
  googleError,
  googleFault,
  startFakeHttp,
  type FakeHttp,
  type FakeRequest,
  type FakeResponse,
} from './google-fake-server.ts';
import type { FakeGoogleOauth } from './google-oauth-server.ts';

/**
 * A fake of the Google Ads API's `POST /v{N}/customers/{customerId}:uploadClickConversions`
 * (external-apis.md, "3. Google Ads API"), for accounts Google still lets use it. It checks requests as
 * Google does and answers like it: request-level errors as HTTP errors carrying a GoogleAdsFailure,
 * conversion-level errors as a 200 with `partialFailureError` (indexes in `fieldPathElements`) and an
 * empty `results[i]` for each failed conversion. google-ads-legacy-server.test.ts tests each check.
 *
 * Checks (the spec's list, 1–10, plus what answering like Google needs):
 * 1. Path `/v{N}/customers/{digits}:uploadClickConversions` (else 404); `Authorization: Bearer` with a
 *    live token carrying the adwords scope (401 / 403); `developer-token` present (400
 *    DEVELOPER_TOKEN_PARAMETER_MISSING) and known (401 DEVELOPER_TOKEN_INVALID); `login-customer-id`
 *    digits only (400 INVALID_CUSTOMER_ID); optional allow-list (403
 *    CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE) and access model (403 USER_PERMISSION_DENIED).
 * 2. `partialFailure: true` (400 PARTIAL_FAILURE_MODE_REQUIRED); 1..2,000 conversions
 *    (400 TOO_MANY_CONVERSIONS_IN_REQUEST).
 * 3. A click id or user identifiers on each conversion; never gbraid with wbraid (GBRAID_WBRAID_BOTH_SET),
 *    nor gclid with either.
 * 4. `conversionAction` is `customers/{the path's customer}/conversionActions/{digits}`; an optional
 *    registry of actions (NO_CONVERSION_ACTION_FOUND, INVALID_CONVERSION_ACTION_TYPE,
 *    TOO_RECENT_CONVERSION_ACTION within 6 h of its creation).
 * 5. `conversionDateTime` is `yyyy-mm-dd hh:mm:ss±hh:mm`.
 * 6. `currencyCode` is three capital letters, and present when `conversionValue` is.
 * 7. At most 5 `userIdentifiers`, each exactly one of `hashedEmail` / `hashedPhoneNumber`, a 64-hex
 *    SHA-256 (and, in oracle mode, the hash of an expected email or E.164 phone).
 * 8. `orderId` unique per conversion action within the request (DUPLICATE_ORDER_ID).
 * 9. Partial failures with `fieldPathElements` indexes; `results[i]` empty for failed conversions.
 * 10. An optional click registry: a click younger than 6 h is TOO_RECENT_EVENT, older than 90 days
 *    EXPIRED_EVENT, unknown CLICK_NOT_FOUND, another account's INVALID_CUSTOMER_FOR_CLICK; a conversion
 *    uploaded again is CLICK_CONVERSION_ALREADY_EXISTS or ORDER_ID_ALREADY_IN_USE.
 * 11. Unknown JSON names (Data Manager's among them) are refused; consent is GRANTED/DENIED/UNSPECIFIED/UNKNOWN.
 * 12. `validateOnly` stores nothing and omits `results`; faults 500/503/429 and hanging on order.
 */

export const ADWORDS_SCOPE = 'https://www.googleapis.com/auth/adwords';
const HOUR_MS = 3_600_000;
const MAX_CONVERSIONS = 2000;
const MAX_USER_IDENTIFIERS = 5;

type Json = Record<string, unknown>;

/** What each object of the request may hold (lowerCamelCase; snake_case is accepted as in proto3 JSON). */
const FIELDS: Readonly<Record<string, readonly string[]>> = {
  request: ['conversions', 'partialFailure', 'validateOnly', 'jobId'],
  conversion: [
    'gclid',
    'gbraid',
    'wbraid',
    'conversionAction',
    'conversionDateTime',
    'conversionValue',
    'currencyCode',
    'orderId',
    'externalAttributionData',
    'customVariables',
    'cartData',
    'userIdentifiers',
    'conversionEnvironment',
    'consent',
    'customerType',
    'userIpAddress',
    'sessionAttributesEncoded',
    'sessionAttributesKeyValuePairs',
  ],
  userIdentifier: [
    'userIdentifierSource',
    'hashedEmail',
    'hashedPhoneNumber',
    'mobileId',
    'thirdPartyUserId',
    'addressInfo',
  ],
  consent: ['adUserData', 'adPersonalization'],
};
const CHILD_LEVELS: Readonly<Record<string, string>> = {
  'request.conversions': 'conversion',
  'conversion.userIdentifiers': 'userIdentifier',
  'conversion.consent': 'consent',
};
const CONSENT_STATUSES = ['UNSPECIFIED', 'UNKNOWN', 'GRANTED', 'DENIED'];

export interface AdsErrorBody {
  errorCode: Record<string, string>;
  message: string;
  location?: { fieldPathElements: Array<{ fieldName: string; index?: number }> };
}

export interface FakeGoogleAdsLegacySettings {
  /** Developer tokens Google approved. */
  developerTokens: string[];
  /** Customers still allowed to use uploadClickConversions; undefined: all of them. */
  allowlisted: string[] | undefined;
  /** The accounts each credential's subject may use directly; undefined turns the access model off. */
  access: Record<string, string[]> | undefined;
  managers: Record<string, string[]>;
  /** Conversion actions per customer: type and creation time; undefined turns the registry off. */
  conversionActions: Record<string, Record<string, { type: string; createdAtMs?: number }>> | undefined;
  /** Clicks Google knows: the customer and when; undefined: every click id is taken as valid. */
  clicks: Record<string, { customerId: string; clickedAtMs: number }> | undefined;
  /** The raw PII a test expects; hashes of anything else are recorded in `oracleMismatches`. */
  oracle: { emails: string[]; phones: string[] } | undefined;
}

export interface FakeGoogleAdsLegacy extends FakeHttp {
  settings: FakeGoogleAdsLegacySettings;
  requests: Array<{
    method: string;
    path: string;
    status: number;
    headers: Record<string, string | string[] | undefined>;
  }>;
  /** Conversions applied (not validate-only), as sent. */
  conversions: Array<{ customerId: string; conversion: Json }>;
  oracleMismatches: string[];
}

const camel = (name: string) => name.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Keys to lowerCamelCase; names a level does not have are collected as Google's "Unknown name" errors. */
function normalise(value: unknown, level: string, path: string, unknown: string[]): unknown {
  if (!isObject(value)) return value;
  const allowed = FIELDS[level];
  const result: Json = {};
  for (const [key, raw] of Object.entries(value)) {
    const name = camel(key);
    if (allowed && !allowed.includes(name)) {
      unknown.push(
        `Invalid JSON payload received. Unknown name "${key}"${path ? ` at '${path}'` : ''}: Cannot find field.`,
      );
      continue;
    }
    const child = CHILD_LEVELS[`${level}.${name}`] ?? 'free';
    const childPath = `${path ? `${path}.` : ''}${key}`;
    result[name] = Array.isArray(raw)
      ? raw.map((item, index) => normalise(item, child, `${childPath}[${index}]`, unknown))
      : normalise(raw, child, childPath, unknown);
  }
  return result;
}

export async function startFakeGoogleAdsLegacy({
  oauth,
  now = () => Date.now(),
  settings: overrides = {},
}: {
  oauth: FakeGoogleOauth;
  now?: () => number;
  settings?: Partial<FakeGoogleAdsLegacySettings>;
}): Promise<FakeGoogleAdsLegacy> {
  const settings: FakeGoogleAdsLegacySettings = {
    developerTokens: ['test-developer-token'],
    allowlisted: undefined,
    access: undefined,
    managers: {},
    conversionActions: undefined,
    clicks: undefined,
    oracle: undefined,
    ...overrides,
  };
  const requests: FakeGoogleAdsLegacy['requests'] = [];
  const conversions: FakeGoogleAdsLegacy['conversions'] = [];
  const oracleMismatches: string[] = [];

  const failure = (status: number, errors: AdsErrorBody[], message?: string): FakeResponse =>
    googleError(
      status,
      message ?? (status === 400 ? 'Request contains an invalid argument.' : (errors[0]?.message ?? 'Error')),
      [
        {
          '@type': 'type.googleapis.com/google.ads.googleads.v25.errors.GoogleAdsFailure',
          errors,
          requestId: randomUUID(),
        },
      ],
    );

  const at = (index: number, ...more: Array<{ fieldName: string; index?: number }>) => ({
    fieldPathElements: [{ fieldName: 'conversions', index }, ...more],
  });

  /** Conversion-level problems (checks 3–8, 10), each with its `conversions[i]` location. */
  function conversionErrors(customerId: string, list: Json[]): AdsErrorBody[] {
    const errors: AdsErrorBody[] = [];
    const seenOrders = new Set<string>();
    const nowMs = now();
    list.forEach((conversion, index) => {
      const error = (errorCode: Record<string, string>, message: string, field?: string) =>
        errors.push({ errorCode, message, location: at(index, ...(field ? [{ fieldName: field }] : [])) });
      const clicks = (['gclid', 'gbraid', 'wbraid'] as const).filter(
        (name) => typeof conversion[name] === 'string' && conversion[name] !== '',
      );
      const identifiers = Array.isArray(conversion.userIdentifiers)
        ? (conversion.userIdentifiers as Json[])
        : [];
      if (clicks.length === 0 && identifiers.length === 0) {
        error(
          { fieldError: 'REQUIRED' },
          'A click id (gclid, gbraid, wbraid) or user identifiers are required.',
        );
      }
      if (clicks.includes('gbraid') && clicks.includes('wbraid')) {
        error(
          { conversionUploadError: 'GBRAID_WBRAID_BOTH_SET' },
          'Only one of gbraid and wbraid may be set.',
        );
      } else if (clicks.length > 1) {
        error(
          { fieldError: 'VALUE_MUST_BE_UNSET' },
          'Only one of gclid, gbraid and wbraid may be set.',
          clicks[1],
        );
      }

      const action = typeof conversion.conversionAction === 'string' ? conversion.conversionAction : '';
      const actionMatch = /^customers\/(\d+)\/conversionActions\/(\d+)$/.exec(action);
      if (!actionMatch || actionMatch[1] !== customerId) {
        error(
          { requestError: 'RESOURCE_NAME_MALFORMED' },
          `Malformed conversion action resource name: "${action}".`,
          'conversion_action',
        );
      } else if (settings.conversionActions) {
        const registered = settings.conversionActions[customerId]?.[actionMatch[2]!];
        if (!registered)
          error(
            { conversionUploadError: 'NO_CONVERSION_ACTION_FOUND' },
            'The conversion action was not found.',
            'conversion_action',
          );
        else if (registered.type !== 'UPLOAD_CLICKS') {
          error(
            { conversionUploadError: 'INVALID_CONVERSION_ACTION_TYPE' },
            'The conversion action cannot take uploaded clicks.',
            'conversion_action',
          );
        } else if (registered.createdAtMs !== undefined && nowMs - registered.createdAtMs < 6 * HOUR_MS) {
          error(
            { conversionUploadError: 'TOO_RECENT_CONVERSION_ACTION' },
            'The conversion action was created less than 6 hours ago.',
            'conversion_action',
          );
        }
      }

      const dateTime = typeof conversion.conversionDateTime === 'string' ? conversion.conversionDateTime : '';
      const parsedAt = Date.parse(dateTime.replace(' ', 'T'));
      if (!/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/.test(dateTime) || Number.isNaN(parsedAt)) {
        error(
          { dateError: 'INVALID_FIELD_VALUES_IN_DATE_TIME' },
          `"${dateTime}" is not yyyy-mm-dd hh:mm:ss+|-hh:mm.`,
          'conversion_date_time',
        );
      }

      const currency = conversion.currencyCode;
      if (
        (currency !== undefined && (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency))) ||
        (conversion.conversionValue !== undefined && currency === undefined)
      ) {
        error(
          { currencyCodeError: 'UNSUPPORTED' },
          'A conversion value needs a three-letter ISO 4217 currency code.',
          'currency_code',
        );
      }

      if (identifiers.length > MAX_USER_IDENTIFIERS) {
        error(
          { collectionSizeError: 'TOO_MANY' },
          `At most ${MAX_USER_IDENTIFIERS} user identifiers are allowed.`,
          'user_identifiers',
        );
      }
      identifiers.forEach((identifier, position) => {
        const kinds = [
          'hashedEmail',
          'hashedPhoneNumber',
          'mobileId',
          'thirdPartyUserId',
          'addressInfo',
        ].filter((kind) => identifier[kind] !== undefined);
        const where = { fieldName: 'user_identifiers', index: position };
        if (kinds.length !== 1 || (kinds[0] !== 'hashedEmail' && kinds[0] !== 'hashedPhoneNumber')) {
          errors.push({
            errorCode: { conversionUploadError: 'UNSUPPORTED_USER_IDENTIFIER' },
            message: 'Only one hashed_email or hashed_phone_number per user identifier.',
            location: at(index, where),
          });
          return;
        }
        const hash = identifier[kinds[0]] as unknown;
        if (typeof hash !== 'string' || !/^[0-9a-fA-F]{64}$/.test(hash)) {
          errors.push({
            errorCode: { conversionUploadError: 'INVALID_USER_IDENTIFIER' },
            message: 'The identifier is not a hex SHA-256 hash.',
            location: at(index, where),
          });
          return;
        }
        if (settings.oracle) {
          const expected =
            kinds[0] === 'hashedEmail'
              ? settings.oracle.emails.map(referenceEmailHash)
              : settings.oracle.phones.map(referencePhoneHash);
          if (!expected.includes(hash.toLowerCase()))
            oracleMismatches.push(
              `conversions[${index}].user_identifiers[${position}]: ${hash} matches no expected ${kinds[0]}`,
            );
        }
      });

      const consent = conversion.consent as Json | undefined;
      for (const field of ['adUserData', 'adPersonalization']) {
        if (consent?.[field] !== undefined && !CONSENT_STATUSES.includes(consent[field] as string)) {
          error(
            { fieldError: 'INVALID_VALUE' },
            `Invalid value at 'conversions[${index}].consent.${field}': ${JSON.stringify(consent[field])}`,
            'consent',
          );
        }
      }

      const orderId = typeof conversion.orderId === 'string' ? conversion.orderId : undefined;
      if (orderId !== undefined) {
        const key = `${action}|${orderId}`;
        if (seenOrders.has(key))
          error(
            { conversionUploadError: 'DUPLICATE_ORDER_ID' },
            'The order id appears twice in the request.',
            'order_id',
          );
        seenOrders.add(key);
        if (
          conversions.some(
            (stored) =>
              stored.conversion.conversionAction === action && stored.conversion.orderId === orderId,
          )
        ) {
          error(
            { conversionUploadError: 'ORDER_ID_ALREADY_IN_USE' },
            'The order id is already in use for this conversion action.',
            'order_id',
          );
        }
      }
      const gclid = conversion.gclid as string | undefined;
      if (
        gclid &&
        conversions.some(
          (stored) =>
            stored.conversion.conversionAction === action &&
            stored.conversion.gclid === gclid &&
            stored.conversion.conversionDateTime === dateTime,
        )
      ) {
        error(
          { conversionUploadError: 'CLICK_CONVERSION_ALREADY_EXISTS' },
          'A conversion with this click, action and time already exists.',
        );
      }

      const clickId = clicks.length === 1 ? (conversion[clicks[0]!] as string) : undefined;
      if (settings.clicks && clickId !== undefined) {
        const click = settings.clicks[clickId];
        if (!click)
          error({ conversionUploadError: 'CLICK_NOT_FOUND' }, 'The click was not found.', clicks[0]);
        else if (click.customerId !== customerId)
          error(
            { conversionUploadError: 'INVALID_CUSTOMER_FOR_CLICK' },
            'The click belongs to another account.',
            clicks[0],
          );
        else if (nowMs - click.clickedAtMs < 6 * HOUR_MS)
          error(
            { conversionUploadError: 'TOO_RECENT_EVENT' },
            'The click is less than 6 hours old.',
            clicks[0],
          );
        else if (nowMs - click.clickedAtMs > 90 * 24 * HOUR_MS)
          error(
            { conversionUploadError: 'EXPIRED_EVENT' },
            'The click is too old to be imported.',
            clicks[0],
          );
        else if (!Number.isNaN(parsedAt) && parsedAt < click.clickedAtMs) {
          error(
            { conversionUploadError: 'CONVERSION_PRECEDES_EVENT' },
            'The conversion happened before the click.',
            'conversion_date_time',
          );
        }
      }
    });
    return errors;
  }

  function upload(request: FakeRequest, customerId: string): FakeResponse {
    const header = request.headers.authorization;
    const token = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    const check = oauth.verifyAccessToken(token, ADWORDS_SCOPE);
    if (!check.ok && check.reason !== 'scope') {
      return failure(
        401,
        [
          {
            errorCode: {
              authenticationError: check.reason === 'expired' ? 'OAUTH_TOKEN_EXPIRED' : 'OAUTH_TOKEN_INVALID',
            },
            message: 'The OAuth access token is invalid or expired.',
          },
        ],
        'Request had invalid authentication credentials.',
      );
    }
    if (!check.ok) {
      return googleError(403, 'Request had insufficient authentication scopes.', [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'ACCESS_TOKEN_SCOPE_INSUFFICIENT',
          domain: 'googleapis.com',
        },
      ]);
    }
    const developerToken = request.headers['developer-token'];
    if (typeof developerToken !== 'string' || developerToken === '') {
      return failure(400, [
        {
          errorCode: { requestError: 'DEVELOPER_TOKEN_PARAMETER_MISSING' },
          message: 'The developer-token parameter is required for all requests.',
        },
      ]);
    }
    if (!settings.developerTokens.includes(developerToken)) {
      return failure(
        401,
        [
          {
            errorCode: { authenticationError: 'DEVELOPER_TOKEN_INVALID' },
            message: 'The developer token is not valid.',
          },
        ],
        'Request had invalid authentication credentials.',
      );
    }
    const login = request.headers['login-customer-id'];
    if (login !== undefined && (typeof login !== 'string' || !/^\d+$/.test(login))) {
      return failure(400, [
        {
          errorCode: { requestError: 'INVALID_CUSTOMER_ID' },
          message: 'login-customer-id must be the digits of a customer id.',
        },
      ]);
    }
    if (settings.allowlisted && !settings.allowlisted.includes(customerId)) {
      return failure(
        403,
        [
          {
            errorCode: { notAllowlistedError: 'CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE' },
            message:
              'The customer is not allowlisted for this feature. New click conversion integrations should use the Data Manager API.',
          },
        ],
        'The caller does not have permission',
      );
    }
    if (settings.access) {
      const allowed = settings.access[check.subject] ?? [];
      const reachable =
        login === undefined
          ? allowed.includes(customerId)
          : allowed.includes(login) &&
            (login === customerId || (settings.managers[login] ?? []).includes(customerId));
      if (!reachable) {
        return failure(
          403,
          [
            {
              errorCode: { authorizationError: 'USER_PERMISSION_DENIED' },
              message: "User doesn't have permission to access customer.",
            },
          ],
          'The caller does not have permission',
        );
      }
    }

    let parsed: unknown;
    try {
      parsed = JSON.parse(request.text);
    } catch (error) {
      return googleError(400, `Invalid JSON payload received. ${(error as Error).message}`);
    }
    if (!isObject(parsed))
      return googleError(400, 'Invalid JSON payload received. The body must be a JSON object.');
    const unknown: string[] = [];
    const body = normalise(parsed, 'request', '', unknown) as Json;
    if (unknown.length > 0) {
      return googleError(400, unknown[0]!, [
        {
          '@type': 'type.googleapis.com/google.rpc.BadRequest',
          fieldViolations: unknown.map((description) => ({ description })),
        },
      ]);
    }
    if (body.partialFailure !== true) {
      return failure(400, [
        {
          errorCode: { partialFailureError: 'PARTIAL_FAILURE_MODE_REQUIRED' },
          message: 'The partial failure field must be true.',
        },
      ]);
    }
    const list = Array.isArray(body.conversions) ? (body.conversions as unknown[]) : [];
    if (list.length === 0)
      return failure(400, [
        { errorCode: { requestError: 'REQUIRED_FIELD_MISSING' }, message: 'conversions is required.' },
      ]);
    if (list.length > MAX_CONVERSIONS) {
      return failure(400, [
        {
          errorCode: { conversionUploadError: 'TOO_MANY_CONVERSIONS_IN_REQUEST' },
          message: `At most ${MAX_CONVERSIONS} conversions per request.`,
        },
      ]);
    }
    if (!list.every(isObject))
      return googleError(400, "Invalid value at 'conversions': a list of objects was expected.");

    const errors = conversionErrors(customerId, list);
    const failed = new Set(errors.map((error) => error.location?.fieldPathElements[0]?.index));
    const validateOnly = body.validateOnly === true;
    if (!validateOnly) {
      list.forEach((conversion, index) => {
        if (!failed.has(index)) conversions.push({ customerId, conversion });
      });
    }
    const partialFailureError =
      errors.length > 0
        ? {
            code: 3,
            message: errors
              .map(
                (error) => `${error.message}, at conversions[${error.location?.fieldPathElements[0]?.index}]`,
              )
              .join(', '),
            details: [
              {
                '@type': 'type.googleapis.com/google.ads.googleads.v25.errors.GoogleAdsFailure',
                errors,
                requestId: randomUUID(),
              },
            ],
          }
        : undefined;
    const results = validateOnly
      ? undefined
      : list.map((conversion, index) =>
          failed.has(index)
            ? {}
            : {
                ...(['gclid', 'gbraid', 'wbraid'] as const).reduce(
                  (ids, name) => (conversion[name] ? { ...ids, [name]: conversion[name] } : ids),
                  {},
                ),
                conversionAction: conversion.conversionAction,
                conversionDateTime: conversion.conversionDateTime,
              },
        );
    return {
      status: 200,
      headers: { 'request-id': randomUUID() },
      body: {
        ...(partialFailureError ? { partialFailureError } : {}),
        ...(results ? { results } : {}),
        jobId: '2147483648',
      },
    };
  }

  function handle(request: FakeRequest): FakeResponse {
    const match = /^\/v(\d+)\/customers\/(\d+):uploadClickConversions$/.exec(request.path);
    const response = !match
      ? googleError(404, 'The requested URL was not found on this server.')
      : request.method !== 'POST'
        ? googleError(404, `Method ${request.method} is not allowed here.`)
        : upload(request, match[2]!);
    requests.push({
      method: request.method,
      path: request.path,
      status: response.status,
      headers: request.headers,
    });
    return response;
  }

  const http = await startFakeHttp(handle, googleFault('googleads.googleapis.com'));
  return { ...http, settings, requests, conversions, oracleMismatches };
}
