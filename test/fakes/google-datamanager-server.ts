import { createHash, randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
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
 * A fake of Google's Data Manager API (`POST /v1/events:ingest`, `GET /v1/requestStatus:retrieve`)
 * for Google Ads conversions. It applies the conformance checks of google-data-manager.md §12 (the
 * numbers below are that list's), answers with Google's error envelope, fails fast (all violations,
 * nothing stored), and records what it accepted. Checks the spec marks UNVERIFIED are switches in
 * `settings`. google-datamanager-server.test.ts has a test per check.
 *
 * Transport and auth: 1 routes (404; wrong method 404 or 405), 2 bearer token issued by the OAuth fake
 * (401; 403 ACCESS_TOKEN_SCOPE_INSUFFICIENT without the datamanager scope), 3 legacy headers logged as
 * lint, 4 one JSON object, 5 lowerCamelCase or snake_case names and unknown names refused, 6 enum names
 * or numbers (INVALID_ENUM_VALUE).
 * Envelope: 7 destinations 1..10, 8 events 1..2,000, 9 encoding with userData, 10 validateOnly a
 * boolean, 11 encryptionInfo refused.
 * Destinations: 12 operating account of type GOOGLE_ADS, 13 account ids digits, 14 product destination
 * id digits, 15 optional registry of accounts and conversion actions, 16 optional access model,
 * 17 linked account only for data partners, 18 unique references that events name.
 * Events: 19 RFC 3339 timestamp (and an optional time window), 20 event_source, 21 transaction_id
 * (required; purely numeric refused outside validateOnly), 22 an identifier, 23 one click id,
 * 24 currency and value, 25 consent per field, 26 GA4-only fields linted, 27 custom variables,
 * 28 cart data, 29 IP addresses.
 * User identifiers: 30 1..10, 31 exactly one kind each, 32 HEX/BASE64 SHA-256, 33 empty-string hashes
 * linted, 34 address parts, 35 oracle mode (hashes checked against the raw PII a test expects).
 * Responses: 36 `{requestId, fieldWarnings?}`, 37 validateOnly stores nothing, 38 rate limits (429 with
 * quota_limit), 39 faults (500, 503, 504, 429, hang), 40 requestStatus:retrieve, 41 asynchronous
 * outcomes as error counts, 42 deduplication by transaction id, 43 paths in snake_case with
 * `events.events[i]` and `destinations[i]`.
 */

export const DATA_MANAGER_SCOPE = 'https://www.googleapis.com/auth/datamanager';
const DOMAIN = 'datamanager.googleapis.com';
const SHA256_OF_EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const DAY_MS = 86_400_000;

// ---- The request's schema (discovery rev 20260321, §3), for proto3 JSON decoding ----

type Field = { repeated?: boolean } & (
  | { kind: 'string' | 'double' | 'int64' | 'bool' | 'any' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'message'; message: string }
);

const ENUMS = {
  AccountType: [
    'ACCOUNT_TYPE_UNSPECIFIED',
    'GOOGLE_ADS',
    'DISPLAY_VIDEO_PARTNER',
    'DISPLAY_VIDEO_ADVERTISER',
    'DATA_PARTNER',
    'GOOGLE_ANALYTICS_PROPERTY',
    'GOOGLE_AD_MANAGER_AUDIENCE_LINK',
  ],
  Product: [
    'PRODUCT_UNSPECIFIED',
    'GOOGLE_ADS',
    'DISPLAY_VIDEO_PARTNER',
    'DISPLAY_VIDEO_ADVERTISER',
    'DATA_PARTNER',
  ],
  Encoding: ['ENCODING_UNSPECIFIED', 'HEX', 'BASE64'],
  ConsentStatus: ['CONSENT_STATUS_UNSPECIFIED', 'CONSENT_GRANTED', 'CONSENT_DENIED'],
  EventSource: ['EVENT_SOURCE_UNSPECIFIED', 'WEB', 'APP', 'IN_STORE', 'PHONE', 'OTHER'],
  CustomerType: ['CUSTOMER_TYPE_UNSPECIFIED', 'NEW', 'RETURNING', 'REENGAGED'],
  CustomerValueBucket: ['CUSTOMER_VALUE_BUCKET_UNSPECIFIED', 'LOW', 'MEDIUM', 'HIGH'],
} as const;

const string: Field = { kind: 'string' };
const strings: Field = { kind: 'string', repeated: true };
const double: Field = { kind: 'double' };
const message = (name: string, repeated = false): Field => ({ kind: 'message', message: name, repeated });
const enumOf = (values: readonly string[]): Field => ({ kind: 'enum', values });

const MESSAGES: Readonly<Record<string, Readonly<Record<string, Field>>>> = {
  IngestEventsRequest: {
    destinations: message('Destination', true),
    events: message('Event', true),
    consent: message('Consent'),
    validateOnly: { kind: 'bool' },
    encoding: enumOf(ENUMS.Encoding),
    encryptionInfo: { kind: 'any' },
  },
  Destination: {
    reference: string,
    loginAccount: message('ProductAccount'),
    linkedAccount: message('ProductAccount'),
    operatingAccount: message('ProductAccount'),
    productDestinationId: string,
  },
  ProductAccount: {
    product: enumOf(ENUMS.Product),
    accountId: string,
    accountType: enumOf(ENUMS.AccountType),
  },
  Event: {
    destinationReferences: strings,
    transactionId: string,
    eventTimestamp: string,
    lastUpdatedTimestamp: string,
    userData: message('UserData'),
    consent: message('Consent'),
    adIdentifiers: message('AdIdentifiers'),
    currency: string,
    conversionValue: double,
    eventSource: enumOf(ENUMS.EventSource),
    eventDeviceInfo: message('DeviceInfo'),
    cartData: message('CartData'),
    customVariables: message('CustomVariable', true),
    experimentalFields: message('ExperimentalField', true),
    userProperties: message('UserProperties'),
    eventName: string,
    clientId: string,
    userId: string,
    additionalEventParameters: message('EventParameter', true),
  },
  UserData: { userIdentifiers: message('UserIdentifier', true) },
  UserIdentifier: { emailAddress: string, phoneNumber: string, address: message('AddressInfo') },
  AddressInfo: { givenName: string, familyName: string, regionCode: string, postalCode: string },
  AdIdentifiers: {
    sessionAttributes: string,
    gclid: string,
    gbraid: string,
    wbraid: string,
    landingPageDeviceInfo: message('DeviceInfo'),
  },
  DeviceInfo: { userAgent: string, ipAddress: string },
  Consent: { adUserData: enumOf(ENUMS.ConsentStatus), adPersonalization: enumOf(ENUMS.ConsentStatus) },
  CartData: {
    merchantId: string,
    merchantFeedLabel: string,
    merchantFeedLanguageCode: string,
    transactionDiscount: double,
    items: message('Item', true),
  },
  Item: {
    itemId: string,
    merchantProductId: string,
    quantity: { kind: 'int64' },
    unitPrice: double,
    additionalItemParameters: message('ItemParameter', true),
  },
  ItemParameter: { parameterName: string, value: string },
  CustomVariable: { variable: string, value: string, destinationReferences: strings },
  ExperimentalField: { field: string, value: string },
  UserProperties: {
    customerType: enumOf(ENUMS.CustomerType),
    customerValueBucket: enumOf(ENUMS.CustomerValueBucket),
    additionalUserProperties: message('UserProperty', true),
  },
  UserProperty: { propertyName: string, value: string },
  EventParameter: { parameterName: string, value: string },
};

export interface Violation {
  field: string;
  description: string;
  reason: string;
}

type Json = Record<string, unknown>;

const snake = (name: string) => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
const camel = (name: string) => name.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `events` items are `events.events[i]` in Google's paths (check 43); every other list is `name[i]`. */
function childPath(path: string, name: string, index?: number): string {
  const field = `${path ? `${path}.` : ''}${snake(name)}`;
  if (index === undefined) return field;
  return path === '' && name === 'events' ? `events.events[${index}]` : `${field}[${index}]`;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'TYPE_STRING',
  double: 'TYPE_DOUBLE',
  int64: 'TYPE_INT64',
  bool: 'TYPE_BOOL',
};

function decodeScalar(field: Field, value: unknown, path: string, violations: Violation[]): unknown {
  const invalid = (reason = 'INVALID_ARGUMENT') => {
    const type = field.kind === 'enum' ? 'TYPE_ENUM' : (TYPE_NAMES[field.kind] ?? 'TYPE_MESSAGE');
    violations.push({
      field: path,
      reason,
      description: `Invalid value at '${path}' (${type}), ${JSON.stringify(value)}`,
    });
    return undefined;
  };
  switch (field.kind) {
    case 'string':
      return typeof value === 'string' ? value : invalid();
    case 'bool':
      return typeof value === 'boolean' ? value : invalid();
    case 'double': {
      const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      return typeof number === 'number' && Number.isFinite(number)
        ? number
        : invalid('INVALID_NUMBER_FORMAT');
    }
    case 'int64':
      return (typeof value === 'number' && Number.isInteger(value)) ||
        (typeof value === 'string' && /^-?\d+$/.test(value))
        ? String(value)
        : invalid('INVALID_NUMBER_FORMAT');
    case 'enum':
      if (typeof value === 'string' && field.values.includes(value)) return value;
      if (typeof value === 'number' && Number.isInteger(value) && field.values[value] !== undefined)
        return field.values[value];
      return invalid('INVALID_ENUM_VALUE');
    case 'any':
      return value;
    case 'message':
      return isObject(value) ? decodeMessage(field.message, value, path, violations) : invalid();
  }
}

/**
 * proto3 JSON (checks 5, 6, 10): names in lowerCamelCase or snake_case, unknown names refused the way
 * Google's front end does, scalars of the right type, enums by name or number. Answers the message with
 * lowerCamelCase names; `null` is the field's default, as in proto3.
 */
function decodeMessage(name: string, value: Json, path: string, violations: Violation[]): Json {
  const fields = MESSAGES[name] ?? {};
  const decoded: Json = {};
  for (const [key, raw] of Object.entries(value)) {
    const fieldName = camel(key);
    const field = fields[fieldName];
    if (!field) {
      violations.push({
        field: path,
        reason: 'INVALID_ARGUMENT',
        description: `Invalid JSON payload received. Unknown name "${key}"${path ? ` at '${path}'` : ''}: Cannot find field.`,
      });
      continue;
    }
    if (raw === null) continue;
    if (field.repeated) {
      if (!Array.isArray(raw)) {
        violations.push({
          field: childPath(path, fieldName),
          reason: 'INVALID_ARGUMENT',
          description: `Invalid value at '${childPath(path, fieldName)}': a list was expected.`,
        });
        continue;
      }
      decoded[fieldName] = raw.map((item, index) =>
        decodeScalar(field, item, childPath(path, fieldName, index), violations),
      );
    } else decoded[fieldName] = decodeScalar(field, raw, childPath(path, fieldName), violations);
  }
  return decoded;
}

// ---- Settings, records ----

export type ConversionActionType = 'UPLOAD_CLICKS' | 'WEBPAGE' | 'WEBPAGE_CODELESS' | 'UPLOAD_CALLS';

export interface FakeDataManagerSettings {
  /** 8: events per request (the enum text says 10,000; the reference 2,000). */
  maxEvents: number;
  /** 1: the status of a wrong method on a known path. */
  wrongMethodStatus: 404 | 405;
  /** 2: a token without the datamanager scope is 403. */
  checkScope: boolean;
  /** 12: the reason for an operating account that is not GOOGLE_ADS. */
  wrongAccountTypeReason: 'DESTINATION_ACCOUNT_TYPE_MISMATCH' | 'INVALID_DESTINATION';
  /** 15: accounts and their conversion actions; undefined turns the registry off. */
  accounts:
    | Record<
        string,
        { enhancedConversionsForLeads?: boolean; conversionActions: Record<string, ConversionActionType> }
      >
    | undefined;
  /** 16: the Google Ads accounts each credential's subject may use directly; undefined turns the model off. */
  access: Record<string, string[]> | undefined;
  /** 16: manager accounts and the accounts under them. */
  managers: Record<string, string[]>;
  /** 19: refuse timestamps older than this or ahead of the clock by more than `maxFutureMs` (EVENT_TIME_INVALID); null: off. */
  eventTimeWindow: { maxAgeDays: number; maxFutureMs: number } | null;
  /** 21: transaction_id required. */
  requireTransactionId: boolean;
  /** 21: a purely numeric transaction_id is refused outside validateOnly (seen live, undocumented). */
  rejectNumericTransactionId: boolean;
  /** 23: more than one click id on an event is INVALID_EVENT. */
  rejectSeveralClickIds: boolean;
  /** 27: the custom variables each conversion action has. */
  customVariables: Record<string, string[]>;
  /** 29: IP addresses must parse. */
  checkIpAddresses: boolean;
  /** 35: the raw PII a test expects; every hashed email or phone must be the reference hash of one. */
  oracle: { emails: string[]; phones: string[] } | undefined;
  /** 37: whether a validate-only success carries a requestId. */
  validateOnlyRequestId: boolean;
  /** 38: requests per minute and per day before 429 RESOURCE_EXHAUSTED; undefined: unlimited. */
  rateLimit: { perMinute?: number; perDay?: number } | undefined;
  /** 40: how long a request stays PROCESSING. */
  processingMs: number;
  /** 41: click ids Google issued and the account of each; undefined: every click id is taken as valid. */
  issuedClicks: Record<string, string> | undefined;
  /** 41: events older than this are counted as PROCESSING_ERROR_REASON_EVENT_TOO_OLD. */
  processingMaxAgeDays: number;
}

export interface StoredConversion {
  requestId: string;
  accountId: string;
  conversionActionId: string;
  event: Json;
  /** Consent as the event and the request give it, field by field (25). */
  consent: { adUserData: string; adPersonalization: string };
}

export interface FakeIngest {
  requestId: string | undefined;
  validateOnly: boolean;
  body: Json;
  headers: Record<string, string | string[] | undefined>;
}

interface RequestStatus {
  requestId: string;
  receivedAtMs: number;
  destinations: Array<{ destination: Json; recordCount: number; errorCounts: Map<string, number> }>;
}

export interface FakeDataManager extends FakeHttp {
  settings: FakeDataManagerSettings;
  /** Every answered request: method, path, status and the violations of a refusal. */
  requests: Array<{ method: string; path: string; status: number; violations: Violation[] }>;
  /** Successful `events:ingest` calls (validate-only ones too), bodies as sent. */
  ingests: FakeIngest[];
  /** Conversions stored, one per (conversion action, transaction id). */
  conversions: StoredConversion[];
  /** Things the real API would accept that point at a client bug (3, 24, 26, 33). */
  lint: string[];
  /** 35: hashes that match none of the expected PII. */
  oracleMismatches: string[];
}

const defaultSettings = (): FakeDataManagerSettings => ({
  maxEvents: 2000,
  wrongMethodStatus: 404,
  checkScope: true,
  wrongAccountTypeReason: 'DESTINATION_ACCOUNT_TYPE_MISMATCH',
  accounts: undefined,
  access: undefined,
  managers: {},
  eventTimeWindow: { maxAgeDays: 90, maxFutureMs: 10 * 60_000 },
  requireTransactionId: true,
  rejectNumericTransactionId: true,
  rejectSeveralClickIds: true,
  customVariables: {},
  checkIpAddresses: true,
  oracle: undefined,
  validateOnlyRequestId: true,
  rateLimit: undefined,
  processingMs: 0,
  issuedClicks: undefined,
  processingMaxAgeDays: 90,
});

// ---- Reference normalisation for the oracle (35): google-data-manager.md §4.1, after Google's S1 ----

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

export function referenceEmailHash(raw: string): string | undefined {
  const email = raw.trim();
  if (/\s/.test(email)) return undefined;
  const [user, domain, ...rest] = email.toLowerCase().split('@');
  if (!user || !domain || rest.length > 0) return undefined;
  const local =
    domain === 'gmail.com' || domain === 'googlemail.com' ? user.split('+')[0]!.replaceAll('.', '') : user;
  return local ? sha256Hex(`${local}@${domain}`) : undefined;
}

export function referencePhoneHash(raw: string): string | undefined {
  const digits = raw.replace(/\D/g, '');
  return digits ? sha256Hex(`+${digits}`) : undefined;
}

// ---- Checks ----

/** RFC 3339 with a `T`, seconds, 0–9 fractional digits and `Z` or an offset (19). */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

interface Checked {
  violations: Violation[];
  warnings: Violation[];
  lint: string[];
}

function checkHashed(value: unknown, encoding: string | undefined, path: string, checked: Checked) {
  if (typeof value !== 'string') return;
  if (encoding === 'BASE64') {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value) || value.length % 4 !== 0) {
      checked.violations.push({
        field: path,
        reason: 'INVALID_BASE64_ENCODING',
        description: 'The BASE64 encoded value is malformed.',
      });
    } else if (Buffer.from(value, 'base64').length !== 32) {
      checked.violations.push({
        field: path,
        reason: 'INVALID_SHA256_FORMAT',
        description: 'The value is not a SHA-256 hash.',
      });
    } else if (Buffer.from(value, 'base64').toString('hex') === SHA256_OF_EMPTY) {
      checked.lint.push(`${path}: the SHA-256 of an empty string`);
    }
    return;
  }
  if (!/^[0-9a-fA-F]{64}$/.test(value)) {
    checked.violations.push({
      field: path,
      reason: 'INVALID_HEX_ENCODING',
      description: 'The HEX encoded value is malformed.',
    });
  } else if (value.toLowerCase() === SHA256_OF_EMPTY) {
    checked.lint.push(`${path}: the SHA-256 of an empty string`);
  }
  if (value.length === 88) checked.lint.push(`${path}: looks like Base64 of a hex string`);
}

function checkAccount(account: Json | undefined, path: string, checked: Checked, required: boolean) {
  if (!account) {
    if (required)
      checked.violations.push({
        field: path,
        reason: 'REQUIRED_FIELD_MISSING',
        description: 'The field is required.',
      });
    return;
  }
  const type = account.accountType as string | undefined;
  const product = account.product as string | undefined;
  const typeSet = type !== undefined && type !== 'ACCOUNT_TYPE_UNSPECIFIED';
  const productSet = product !== undefined && product !== 'PRODUCT_UNSPECIFIED';
  if (!typeSet && !productSet) {
    checked.violations.push({
      field: `${path}.account_type`,
      reason: 'REQUIRED_FIELD_MISSING',
      description: 'The account type is required.',
    });
  } else if (typeSet && productSet && type !== product) {
    checked.violations.push({
      field: `${path}.account_type`,
      reason: 'INVALID_ARGUMENT',
      description: 'account_type and product disagree.',
    });
  }
  if (account.accountId === undefined || account.accountId === '') {
    checked.violations.push({
      field: `${path}.account_id`,
      reason: 'REQUIRED_FIELD_MISSING',
      description: 'The account id is required.',
    });
  } else if (!/^\d+$/.test(account.accountId as string)) {
    checked.violations.push({
      field: `${path}.account_id`,
      reason: 'INVALID_NUMBER_FORMAT',
      description: 'String is not a valid number.',
    });
  }
}

const accountTypeOf = (account: Json | undefined) =>
  (account?.accountType as string | undefined) ?? (account?.product as string | undefined);

function checkDestinations(request: Json, settings: FakeDataManagerSettings, checked: Checked) {
  const destinations = (request.destinations as Json[] | undefined) ?? [];
  if (destinations.length === 0) {
    checked.violations.push({
      field: 'destinations',
      reason: 'REQUIRED_FIELD_MISSING',
      description: 'At least one destination is required.',
    });
  } else if (destinations.length > 10) {
    checked.violations.push({
      field: 'destinations',
      reason: 'TOO_MANY_DESTINATIONS',
      description: 'At most 10 destinations are allowed.',
    });
  }
  const references = new Set<string>();
  destinations.forEach((destination, index) => {
    const path = `destinations[${index}]`;
    const operating = destination.operatingAccount as Json | undefined;
    checkAccount(operating, `${path}.operating_account`, checked, true);
    checkAccount(destination.loginAccount as Json | undefined, `${path}.login_account`, checked, false);
    checkAccount(destination.linkedAccount as Json | undefined, `${path}.linked_account`, checked, false);
    const type = accountTypeOf(operating);
    if (operating && type !== undefined && type !== 'GOOGLE_ADS' && !type.endsWith('_UNSPECIFIED')) {
      checked.violations.push({
        field: `${path}.operating_account.account_type`,
        reason: settings.wrongAccountTypeReason,
        description: 'Conversions go to a GOOGLE_ADS operating account.',
      });
    }
    const actionId = destination.productDestinationId as string | undefined;
    if (actionId === undefined || !/^\d+$/.test(actionId)) {
      checked.violations.push({
        field: `${path}.product_destination_id`,
        reason: 'INVALID_CONVERSION_ACTION_ID',
        description: 'The product destination id must be the numeric conversion action id.',
      });
    } else if (settings.accounts && operating && typeof operating.accountId === 'string') {
      const action = settings.accounts[operating.accountId]?.conversionActions[actionId];
      if (action === undefined) {
        checked.violations.push({
          field: `${path}.product_destination_id`,
          reason: 'INVALID_CONVERSION_ACTION_ID',
          description: 'The conversion action was not found.',
        });
      } else if (action !== 'UPLOAD_CLICKS') {
        checked.violations.push({
          field: `${path}.product_destination_id`,
          reason: 'INVALID_CONVERSION_ACTION_TYPE',
          description: `The conversion action is of type ${action}, not UPLOAD_CLICKS.`,
        });
      }
    }
    if (
      destination.linkedAccount &&
      accountTypeOf(destination.loginAccount as Json | undefined) !== 'DATA_PARTNER'
    ) {
      checked.violations.push({
        field: `${path}.linked_account`,
        reason: 'LINKED_ACCOUNT_ONLY_ALLOWED_WITH_DATA_PARTNER_LOGIN_ACCOUNT',
        description: 'A linked account is only allowed with a DATA_PARTNER login account.',
      });
    }
    const reference = destination.reference as string | undefined;
    if (reference !== undefined) {
      if (references.has(reference)) {
        checked.violations.push({
          field: `${path}.reference`,
          reason: 'DUPLICATE_DESTINATION_REFERENCE',
          description: `The reference "${reference}" is used twice.`,
        });
      }
      references.add(reference);
    }
  });
  return references;
}

function checkEvent(
  event: Json,
  index: number,
  context: {
    request: Json;
    references: Set<string>;
    settings: FakeDataManagerSettings;
    nowMs: number;
    validateOnly: boolean;
  },
  checked: Checked,
) {
  const { settings, references } = context;
  const path = `events.events[${index}]`;
  const violation = (field: string, reason: string, description: string) =>
    checked.violations.push({ field: field ? `${path}.${field}` : path, reason, description });

  const eventReferences = (event.destinationReferences as string[] | undefined) ?? [];
  eventReferences.forEach((reference, position) => {
    if (!references.has(reference))
      violation(
        `destination_references[${position}]`,
        'INVALID_DESTINATION',
        `No destination has the reference "${reference}".`,
      );
  });

  const timestamp = event.eventTimestamp as string | undefined;
  if (timestamp === undefined)
    violation('event_timestamp', 'REQUIRED_FIELD_MISSING', 'The event timestamp is required.');
  else if (!RFC3339.test(timestamp) || Number.isNaN(Date.parse(timestamp))) {
    violation('event_timestamp', 'INVALID_FORMAT', `"${timestamp}" is not an RFC 3339 timestamp.`);
  } else if (settings.eventTimeWindow) {
    const at = Date.parse(timestamp);
    const { maxAgeDays, maxFutureMs } = settings.eventTimeWindow;
    if (at > context.nowMs + maxFutureMs || at < context.nowMs - maxAgeDays * DAY_MS) {
      violation('event_timestamp', 'EVENT_TIME_INVALID', 'The event time is outside the accepted window.');
    }
  }

  const source = event.eventSource as string | undefined;
  if (source === undefined || source === 'EVENT_SOURCE_UNSPECIFIED')
    violation('event_source', 'REQUIRED_FIELD_MISSING', 'The event source is required.');

  const transactionId = event.transactionId as string | undefined;
  if (transactionId === undefined || transactionId === '') {
    if (settings.requireTransactionId)
      violation('transaction_id', 'REQUIRED_FIELD_MISSING', 'The transaction id is required.');
  } else if (settings.rejectNumericTransactionId && !context.validateOnly && /^\d+$/.test(transactionId)) {
    violation('', 'INVALID_ARGUMENT', 'Request contains an invalid argument.');
  }

  const ad = (event.adIdentifiers as Json | undefined) ?? {};
  const clickIds = (['gclid', 'gbraid', 'wbraid'] as const).filter(
    (name) => typeof ad[name] === 'string' && ad[name] !== '',
  );
  const userData = event.userData as Json | undefined;
  const identifiers = (userData?.userIdentifiers as Json[] | undefined) ?? [];
  if (clickIds.length === 0 && identifiers.length === 0)
    violation('', 'NO_IDENTIFIERS_PROVIDED', 'The event has no click id and no user identifier.');
  if (settings.rejectSeveralClickIds && clickIds.length > 1)
    violation('ad_identifiers', 'INVALID_EVENT', 'Set only one of gclid, gbraid and wbraid.');

  const currency = event.currency as string | undefined;
  if (currency !== undefined && !/^[A-Z]{3}$/.test(currency))
    violation('currency', 'INVALID_CURRENCY_CODE', `"${currency}" is not an ISO 4217 currency code.`);
  const value = event.conversionValue as number | undefined;
  if (value !== undefined && currency === undefined)
    checked.lint.push(`${path}: conversion_value without a currency`);
  if (value !== undefined && currency !== undefined && value >= 1e6)
    checked.lint.push(`${path}: conversion_value ${value} looks like micros`);

  for (const field of ['eventName', 'clientId', 'userId', 'additionalEventParameters']) {
    if (event[field] !== undefined)
      checked.lint.push(`${path}.${snake(field)}: a GA4-only field on a Google Ads event`);
  }

  ((event.customVariables as Json[] | undefined) ?? []).forEach((variable, position) => {
    const variablePath = `custom_variables[${position}]`;
    if (!variable.variable) {
      violation(`${variablePath}.variable`, 'REQUIRED_FIELD_MISSING', 'The custom variable needs a name.');
      return;
    }
    ((variable.destinationReferences as string[] | undefined) ?? []).forEach((reference, k) => {
      if (
        !references.has(reference) ||
        (eventReferences.length > 0 && !eventReferences.includes(reference))
      ) {
        violation(
          `${variablePath}.destination_references[${k}]`,
          'INVALID_DESTINATION',
          `The reference "${reference}" is not one of the event's destinations.`,
        );
      }
    });
    const known = Object.values(settings.customVariables).some((names) =>
      names.includes(variable.variable as string),
    );
    if (!known) {
      checked.warnings.push({
        field: `${path}.${variablePath}`,
        reason: 'WARNING_REASON_CUSTOM_VARIABLE_NOT_ENABLED',
        description: 'The custom variable is not enabled; it was ignored.',
      });
    }
  });

  const cart = event.cartData as Json | undefined;
  if (cart) {
    if (cart.merchantId !== undefined && !/^\d+$/.test(cart.merchantId as string))
      violation('cart_data.merchant_id', 'INVALID_MERCHANT_ID', 'The merchant id must be numeric.');
    if (ad.gbraid || ad.wbraid) {
      checked.warnings.push({
        field: `${path}.cart_data`,
        reason: 'WARNING_REASON_CART_DATA_NOT_SUPPORTED_WITH_GBRAID_OR_WBRAID',
        description: 'Cart data is ignored with gbraid or wbraid.',
      });
    }
    ((cart.items as Json[] | undefined) ?? []).forEach((item, position) => {
      const itemPath = `${path}.cart_data.items[${position}]`;
      if (!item.merchantProductId)
        checked.warnings.push({
          field: itemPath,
          reason: 'WARNING_REASON_CART_DATA_ITEM_MERCHANT_PRODUCT_ID_MISSING',
          description: 'The item has no merchant product id.',
        });
      if (item.unitPrice === undefined)
        checked.warnings.push({
          field: itemPath,
          reason: 'WARNING_REASON_CART_DATA_ITEM_UNIT_PRICE_MISSING',
          description: 'The item has no unit price.',
        });
    });
  }

  if (settings.checkIpAddresses) {
    for (const [field, info] of [
      ['event_device_info.ip_address', event.eventDeviceInfo],
      ['ad_identifiers.landing_page_device_info.ip_address', ad.landingPageDeviceInfo],
    ] as const) {
      const address = (info as Json | undefined)?.ipAddress;
      if (typeof address === 'string' && isIP(address) === 0)
        violation(field, 'INVALID_FORMAT', `"${address}" is not an IP address.`);
    }
  }

  if (userData) {
    if (identifiers.length === 0)
      violation(
        'user_data.user_identifiers',
        'REQUIRED_FIELD_MISSING',
        'At least one user identifier is required.',
      );
    if (identifiers.length > 10)
      violation('user_data', 'TOO_MANY_USER_IDENTIFIERS', 'At most 10 user identifiers are allowed.');
    const encoding = context.request.encoding as string | undefined;
    identifiers.forEach((identifier, position) => {
      const identifierPath = `user_data.user_identifiers[${position}]`;
      const kinds = ['emailAddress', 'phoneNumber', 'address'].filter(
        (kind) => identifier[kind] !== undefined,
      );
      if (kinds.length !== 1) {
        violation(
          identifierPath,
          'INVALID_FORMAT',
          'Each user identifier sets exactly one of email_address, phone_number and address.',
        );
        return;
      }
      checkHashed(identifier.emailAddress, encoding, `${path}.${identifierPath}`, checked);
      checkHashed(identifier.phoneNumber, encoding, `${path}.${identifierPath}`, checked);
      const address = identifier.address as Json | undefined;
      if (address) {
        for (const part of ['givenName', 'familyName', 'regionCode', 'postalCode']) {
          if (!address[part])
            violation(
              `${identifierPath}.address.${snake(part)}`,
              'REQUIRED_FIELD_MISSING',
              'All four address parts are required.',
            );
        }
        checkHashed(address.givenName, encoding, `${path}.${identifierPath}.address.given_name`, checked);
        checkHashed(address.familyName, encoding, `${path}.${identifierPath}.address.family_name`, checked);
        if (address.regionCode && !/^[A-Z]{2}$/.test(address.regionCode as string)) {
          violation(
            `${identifierPath}.address.region_code`,
            'INVALID_REGION_CODE',
            'The region code is an unhashed ISO 3166-1 alpha-2 code.',
          );
        }
        if (address.postalCode && /^[0-9a-fA-F]{64}$/.test(address.postalCode as string)) {
          violation(
            `${identifierPath}.address.postal_code`,
            'INVALID_POSTAL_CODE',
            'The postal code is sent unhashed.',
          );
        }
      }
    });
  }
}

function checkRequest(
  request: Json,
  settings: FakeDataManagerSettings,
  nowMs: number,
): Checked & { references: Set<string> } {
  const checked: Checked = { violations: [], warnings: [], lint: [] };
  const validateOnly = request.validateOnly === true;
  const references = checkDestinations(request, settings, checked);
  const events = (request.events as Json[] | undefined) ?? [];
  if (events.length === 0) {
    checked.violations.push({
      field: 'events',
      reason: 'REQUIRED_FIELD_MISSING',
      description: 'At least one event is required.',
    });
  } else if (events.length > settings.maxEvents) {
    checked.violations.push({
      field: 'events',
      reason: 'TOO_MANY_EVENTS',
      description: `At most ${settings.maxEvents} events are allowed.`,
    });
  }
  if (events.some((event) => event.userData !== undefined)) {
    const encoding = request.encoding as string | undefined;
    if (encoding !== 'HEX' && encoding !== 'BASE64') {
      checked.violations.push({
        field: 'encoding',
        reason: 'REQUIRED_FIELD_MISSING',
        description: 'The encoding is required with user data.',
      });
    }
  }
  if (request.encryptionInfo !== undefined) {
    checked.violations.push({
      field: 'encryption_info',
      reason: 'INVALID_ARGUMENT',
      description: 'Encryption is not supported by this fake.',
    });
  }
  events.forEach((event, index) =>
    checkEvent(event, index, { request, references, settings, nowMs, validateOnly }, checked),
  );
  return { ...checked, references };
}

// ---- The server ----

export async function startFakeDataManager({
  oauth,
  now = () => Date.now(),
  settings: overrides = {},
}: {
  oauth: FakeGoogleOauth;
  now?: () => number;
  settings?: Partial<FakeDataManagerSettings>;
}): Promise<FakeDataManager> {
  const settings: FakeDataManagerSettings = { ...defaultSettings(), ...overrides };
  const requests: FakeDataManager['requests'] = [];
  const ingests: FakeIngest[] = [];
  const conversions: StoredConversion[] = [];
  const lint: string[] = [];
  const oracleMismatches: string[] = [];
  const statuses = new Map<string, RequestStatus>();
  const ingestTimes: number[] = [];

  function badRequest(
    violations: Violation[],
    message = 'There was a problem with the request.',
  ): FakeResponse {
    const requestId = `t-${randomUUID()}`;
    return googleError(400, message, [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'INVALID_ARGUMENT',
        domain: DOMAIN,
        metadata: { requestId },
      },
      { '@type': 'type.googleapis.com/google.rpc.RequestInfo', requestId },
      { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: violations },
    ]);
  }

  function authenticate(request: FakeRequest): { subject: string } | FakeResponse {
    const header = request.headers.authorization;
    const token =
      typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    const unauthenticated = (reason: string) =>
      googleError(
        401,
        'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
        [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: 'googleapis.com' }],
      );
    if (!token) return unauthenticated('CREDENTIALS_MISSING');
    const check = oauth.verifyAccessToken(token, DATA_MANAGER_SCOPE);
    if (check.ok) return { subject: check.subject };
    if (check.reason === 'scope') {
      if (!settings.checkScope) return { subject: 'unknown' };
      return googleError(403, 'Request had insufficient authentication scopes.', [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'ACCESS_TOKEN_SCOPE_INSUFFICIENT',
          domain: 'googleapis.com',
          metadata: { service: DOMAIN },
        },
      ]);
    }
    return unauthenticated(check.reason === 'expired' ? 'ACCESS_TOKEN_EXPIRED' : 'ACCESS_TOKEN_INVALID');
  }

  function rateLimited(): FakeResponse | undefined {
    const limit = settings.rateLimit;
    if (!limit) return undefined;
    const nowMs = now();
    const lastMinute = ingestTimes.filter((at) => at > nowMs - 60_000).length;
    const lastDay = ingestTimes.filter((at) => at > nowMs - DAY_MS).length;
    const quota =
      limit.perDay !== undefined && lastDay >= limit.perDay
        ? 'IngestionMutateRequestsPerDayPerProject'
        : limit.perMinute !== undefined && lastMinute >= limit.perMinute
          ? 'IngestionMutateRequestsPerMinutePerProject'
          : undefined;
    if (quota === undefined) return undefined;
    return googleError(429, `Quota exceeded for quota metric '${quota}'.`, [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'RATE_LIMIT_EXCEEDED',
        domain: 'googleapis.com',
        metadata: { quota_limit: quota, service: DOMAIN },
      },
    ]);
  }

  /** 16: the subject reaches the operating account directly, or through the login account it may use. */
  function forbidden(request: Json, subject: string): FakeResponse | undefined {
    if (!settings.access) return undefined;
    const allowed = settings.access[subject] ?? [];
    const denied = ((request.destinations as Json[] | undefined) ?? []).some((destination) => {
      const operating = (destination.operatingAccount as Json | undefined)?.accountId as string | undefined;
      const login = (destination.loginAccount as Json | undefined)?.accountId as string | undefined;
      if (operating === undefined) return false;
      if (login === undefined) return !allowed.includes(operating);
      return (
        !allowed.includes(login) ||
        (login !== operating && !(settings.managers[login] ?? []).includes(operating))
      );
    });
    if (!denied) return undefined;
    return googleError(403, 'The caller does not have permission', [
      { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'PERMISSION_DENIED', domain: DOMAIN },
    ]);
  }

  function checkOracle(events: Json[]) {
    const oracle = settings.oracle;
    if (!oracle) return;
    const emails = new Set(oracle.emails.map(referenceEmailHash));
    const phones = new Set(oracle.phones.map(referencePhoneHash));
    events.forEach((event, index) => {
      const identifiers = ((event.userData as Json | undefined)?.userIdentifiers as Json[] | undefined) ?? [];
      identifiers.forEach((identifier, position) => {
        const path = `events.events[${index}].user_data.user_identifiers[${position}]`;
        const email = (identifier.emailAddress as string | undefined)?.toLowerCase();
        const phone = (identifier.phoneNumber as string | undefined)?.toLowerCase();
        if (email !== undefined && !emails.has(email))
          oracleMismatches.push(`${path}: ${email} is not the hash of any expected email`);
        if (phone !== undefined && !phones.has(phone))
          oracleMismatches.push(`${path}: ${phone} is not the hash of any expected phone`);
      });
    });
  }

  /** 41, 42: what asynchronous processing would make of each event, per destination; new conversions are stored. */
  function process(request: Json, requestId: string, nowMs: number): RequestStatus {
    const destinations = (request.destinations as Json[]).map((destination) => ({
      destination,
      recordCount: 0,
      errorCounts: new Map<string, number>(),
    }));
    const requestConsent = (request.consent as Json | undefined) ?? {};
    for (const event of request.events as Json[]) {
      const eventReferences = (event.destinationReferences as string[] | undefined) ?? [];
      const eventConsent = (event.consent as Json | undefined) ?? {};
      const consent = {
        adUserData: (eventConsent.adUserData ??
          requestConsent.adUserData ??
          'CONSENT_STATUS_UNSPECIFIED') as string,
        adPersonalization: (eventConsent.adPersonalization ??
          requestConsent.adPersonalization ??
          'CONSENT_STATUS_UNSPECIFIED') as string,
      };
      const ad = (event.adIdentifiers as Json | undefined) ?? {};
      const click = (['gclid', 'gbraid', 'wbraid'] as const).find(
        (name) => typeof ad[name] === 'string' && ad[name] !== '',
      );
      for (const target of destinations) {
        const { destination } = target;
        if (eventReferences.length > 0 && !eventReferences.includes(destination.reference as string))
          continue;
        target.recordCount++;
        const accountId = (destination.operatingAccount as Json).accountId as string;
        const actionId = destination.productDestinationId as string;
        const sameAction = conversions.filter(
          (stored) => stored.conversionActionId === actionId && stored.accountId === accountId,
        );
        const issuedTo =
          click && settings.issuedClicks ? settings.issuedClicks[ad[click] as string] : undefined;
        const reason = sameAction.some((stored) => stored.event.transactionId === event.transactionId)
          ? 'PROCESSING_ERROR_REASON_DUPLICATE_TRANSACTION_ID'
          : click === 'gclid' &&
              sameAction.some(
                (stored) =>
                  (stored.event.adIdentifiers as Json | undefined)?.gclid === ad.gclid &&
                  stored.event.eventTimestamp === event.eventTimestamp,
              )
            ? 'PROCESSING_ERROR_REASON_DUPLICATE_GCLID'
            : click && settings.issuedClicks && issuedTo === undefined
              ? `PROCESSING_ERROR_REASON_INVALID_${click.toUpperCase()}`
              : issuedTo !== undefined && issuedTo !== accountId
                ? 'PROCESSING_ERROR_OPERATING_ACCOUNT_MISMATCH_FOR_AD_IDENTIFIER'
                : consent.adUserData === 'CONSENT_DENIED'
                  ? 'PROCESSING_ERROR_REASON_DENIED_CONSENT'
                  : Date.parse(event.eventTimestamp as string) <
                      nowMs - settings.processingMaxAgeDays * DAY_MS
                    ? 'PROCESSING_ERROR_REASON_EVENT_TOO_OLD'
                    : undefined;
        if (reason) target.errorCounts.set(reason, (target.errorCounts.get(reason) ?? 0) + 1);
        else conversions.push({ requestId, accountId, conversionActionId: actionId, event, consent });
      }
    }
    return { requestId, receivedAtMs: nowMs, destinations };
  }

  function ingest(request: FakeRequest, subject: string): FakeResponse {
    for (const name of ['developer-token', 'login-customer-id', 'linked-customer-id']) {
      if (request.headers[name] !== undefined)
        lint.push(`header ${name}: a Google Ads API header, ignored by Data Manager`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(request.text);
    } catch (error) {
      const description = `Invalid JSON payload received. ${(error as Error).message}`;
      return badRequest([{ field: '', reason: 'INVALID_ARGUMENT', description }], description);
    }
    if (!isObject(parsed)) {
      const description = 'Invalid JSON payload received. The request body must be a JSON object.';
      return badRequest([{ field: '', reason: 'INVALID_ARGUMENT', description }], description);
    }
    const decodeViolations: Violation[] = [];
    const body = decodeMessage('IngestEventsRequest', parsed, '', decodeViolations);
    if (decodeViolations.length > 0) return badRequest(decodeViolations, decodeViolations[0]!.description);
    const nowMs = now();
    const checked = checkRequest(body, settings, nowMs);
    if (checked.violations.length > 0) return badRequest(checked.violations);
    const denied = forbidden(body, subject);
    if (denied) return denied;
    const events = body.events as Json[];
    if (settings.accounts) {
      const ecViolations = ecForLeadsViolations(body, settings);
      if (ecViolations.length > 0) return badRequest(ecViolations);
    }
    lint.push(...checked.lint);
    checkOracle(events);
    const validateOnly = body.validateOnly === true;
    const requestId = randomUUID();
    ingests.push({
      requestId: validateOnly && !settings.validateOnlyRequestId ? undefined : requestId,
      validateOnly,
      body: parsed,
      headers: request.headers,
    });
    if (!validateOnly) {
      ingestTimes.push(nowMs);
      statuses.set(requestId, process(body, requestId, nowMs));
    }
    const warnings = checked.warnings.length > 0 ? { fieldWarnings: checked.warnings } : {};
    return {
      status: 200,
      body: { ...(validateOnly && !settings.validateOnlyRequestId ? {} : { requestId }), ...warnings },
    };
  }

  function retrieve(request: FakeRequest): FakeResponse {
    const status = statuses.get(request.query.get('requestId') ?? '');
    if (!status) {
      return badRequest([
        {
          field: 'request_id',
          reason: 'INVALID_REQUEST_ID',
          description: 'The request id is unknown, failed or validate-only.',
        },
      ]);
    }
    const done = now() >= status.receivedAtMs + settings.processingMs;
    return {
      status: 200,
      body: {
        requestStatusPerDestination: status.destinations.map(({ destination, recordCount, errorCounts }) => {
          const failed = [...errorCounts.values()].reduce((sum, count) => sum + count, 0);
          const requestStatus = !done
            ? 'PROCESSING'
            : failed === 0
              ? 'SUCCESS'
              : failed >= recordCount
                ? 'FAILED'
                : 'PARTIAL_SUCCESS';
          return {
            destination,
            requestStatus,
            eventsIngestionStatus: { recordCount: String(recordCount) },
            ...(done && failed > 0
              ? {
                  errorInfo: {
                    errorCounts: [...errorCounts].map(([reason, count]) => ({
                      reason,
                      recordCount: String(count),
                    })),
                  },
                }
              : {}),
          };
        }),
      },
    };
  }

  async function handle(request: FakeRequest): Promise<FakeResponse> {
    const route =
      request.path === '/v1/events:ingest'
        ? 'POST'
        : request.path === '/v1/requestStatus:retrieve'
          ? 'GET'
          : undefined;
    let response: FakeResponse;
    let violations: Violation[] = [];
    if (route === undefined) response = googleError(404, 'The requested URL was not found on this server.');
    else if (request.method !== route)
      response = googleError(settings.wrongMethodStatus, `Method ${request.method} is not allowed here.`);
    else {
      const auth = authenticate(request);
      if ('status' in auth) response = auth;
      else if (route === 'GET') response = retrieve(request);
      else response = rateLimited() ?? ingest(request, auth.subject);
    }
    if (response.status === 400) {
      const details = ((response.body as { error: { details?: Json[] } }).error.details ?? []) as Json[];
      violations =
        (details.find((detail) => String(detail['@type']).endsWith('BadRequest'))
          ?.fieldViolations as Violation[]) ?? [];
    }
    requests.push({ method: request.method, path: request.path, status: response.status, violations });
    return response;
  }

  const http = await startFakeHttp(handle, googleFault(DOMAIN));
  return { ...http, settings, requests, ingests, conversions, lint, oracleMismatches };
}

/** 15: an EC-for-leads event (user data, no click id) needs the account to have enhanced conversions for leads. */
function ecForLeadsViolations(request: Json, settings: FakeDataManagerSettings): Violation[] {
  const violations: Violation[] = [];
  const destinations = request.destinations as Json[];
  (request.events as Json[]).forEach((event, index) => {
    const ad = (event.adIdentifiers as Json | undefined) ?? {};
    if (ad.gclid || ad.gbraid || ad.wbraid || !event.userData) return;
    const references = (event.destinationReferences as string[] | undefined) ?? [];
    for (const destination of destinations) {
      if (references.length > 0 && !references.includes(destination.reference as string)) continue;
      const accountId = (destination.operatingAccount as Json).accountId as string;
      if (settings.accounts?.[accountId]?.enhancedConversionsForLeads !== true) {
        violations.push({
          field: `events.events[${index}]`,
          reason: 'DESTINATION_ACCOUNT_NOT_ENABLED_ENHANCED_CONVERSIONS_FOR_LEADS',
          description: 'The account has not enabled enhanced conversions for leads.',
        });
        return;
      }
    }
  });
  return violations;
}
