import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

/**
 * A local GA4 Measurement Protocol server (external-apis.md §1). Like the real one, `/mp/collect`
 * answers 2xx to every POST it receives, however wrong, and keeps only what it can use; unlike the
 * real one, it records every conformance check a request failed, so tests can assert that Beacon
 * sends nothing GA4 would drop. `/debug/mp/collect` answers `validationMessages` as GA4's
 * validation server does. Modes make `/mp/collect` fail: 500, 429 with Retry-After, 400, or hang.
 *
 * The names and limits here are written from the spec on purpose, not imported from
 * src/destinations/ga4: the fake is the oracle the module is tested against.
 */

export const FAKE_GA4_MEASUREMENT_ID = 'G-FAKE12345';
export const FAKE_GA4_API_SECRET = 'fake-ga4-api-secret';

export type FakeGa4Mode = 'normal' | 'server_error' | 'rate_limited' | 'bad_request' | 'hang';

export type ValidationCode =
  | 'VALUE_INVALID'
  | 'VALUE_REQUIRED'
  | 'NAME_INVALID'
  | 'NAME_RESERVED'
  | 'VALUE_OUT_OF_BOUNDS'
  | 'EXCEEDED_MAX_ENTITIES'
  | 'NAME_DUPLICATED';

/** The conformance checks of external-apis.md §1, one name each (README of src/destinations/ga4 lists them). */
export type Ga4Check =
  | 'method'
  | 'json_body'
  | 'credentials'
  | 'client_id'
  | 'events_count'
  | 'event_name'
  | 'param_name'
  | 'params_count'
  | 'param_value'
  | 'user_properties'
  | 'user_id'
  | 'consent'
  | 'body_size'
  | 'timestamp'
  | 'session';

export interface Ga4Violation {
  check: Ga4Check;
  validationCode: ValidationCode;
  fieldPath: string;
  description: string;
  /** The index of the event it concerns, when it concerns one. */
  eventIndex?: number;
}

export interface FakeGa4Request {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string | undefined;
  bytes: number;
  /** The JSON body parsed, the raw text when it is not JSON. */
  body: unknown;
  violations: Ga4Violation[];
  /** The status it was answered with; absent while it hangs (and for ever, if it was hung up). */
  answered?: number;
}

/** An event `/mp/collect` would keep: its own fields plus those of the request it came in. */
export interface FakeGa4Event {
  client_id: string;
  user_id?: string;
  consent?: unknown;
  user_location?: unknown;
  name: string;
  params: Record<string, unknown>;
  /** The event's time in µs as GA4 resolves it: the event's, else the request's, else arrival. */
  timestamp_micros: number;
}

export interface FakeGa4 {
  url: string;
  requests: FakeGa4Request[];
  /** Events `/mp/collect` kept (valid requests, valid events). */
  events: FakeGa4Event[];
  /** What every request to `/mp/collect` failed; empty while Beacon sends what GA4 accepts. */
  violations: Ga4Violation[];
  setMode(mode: FakeGa4Mode, options?: { retryAfterSeconds?: number }): void;
  reset(): void;
  close(): Promise<void>;
}

const EVENTS_MAX = 25;
const PARAMS_MAX = 25;
const USER_PROPERTIES_MAX = 25;
const USER_PROPERTY_NAME_MAX = 24;
const USER_PROPERTY_VALUE_MAX = 36;
const VALUE_MAX = 100;
/** Longer limits of GA4's page parameters (collection limits). */
const PAGE_PARAM_MAX: Readonly<Record<string, number>> = {
  page_location: 1000,
  page_referrer: 420,
  page_title: 300,
};
const ITEM_CUSTOM_PARAMS_MAX = 10;
const USER_ID_MAX = 256;
const BODY_MAX_BYTES = 130_000;
const MAX_AGE_MICROS = 72 * 60 * 60 * 1_000_000;
const NAME = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;

/**
 * Google's web list and the app names its SDKs reserve. `page_view` is not among them: the issue
 * has page views sent as `page_view`, as Google's tag does (the naming article's list, written for
 * events created in the GA4 interface, does include it).
 */
const RESERVED_EVENT_NAMES = new Set([
  'ad_activeview',
  'ad_click',
  'ad_exposure',
  'ad_impression',
  'ad_query',
  'ad_reward',
  'adunit_exposure',
  'app_background',
  'app_clear_data',
  'app_exception',
  'app_install',
  'app_remove',
  'app_store_refund',
  'app_store_subscription_cancel',
  'app_store_subscription_convert',
  'app_store_subscription_renew',
  'app_update',
  'app_upgrade',
  'click',
  'dynamic_link_app_open',
  'dynamic_link_app_update',
  'dynamic_link_first_open',
  'error',
  'file_download',
  'firebase_campaign',
  'first_open',
  'first_visit',
  'form_start',
  'form_submit',
  'in_app_purchase',
  'notification_dismiss',
  'notification_foreground',
  'notification_open',
  'notification_receive',
  'os_update',
  'screen_view',
  'scroll',
  'session_start',
  'session_start_with_rollout',
  'user_engagement',
  'video_progress',
  'video_start',
  'view_complete',
  'view_search_results',
]);
const RESERVED_EVENT_PREFIXES = ['_', 'firebase_', 'ga_', 'google_', 'query_id'];
/**
 * The naming article also lists `session_id` and `engagement_time_msec`, but the Measurement
 * Protocol's own docs ask for both in `params` (spec, "Conflicts"), so they pass.
 */
const RESERVED_PARAM_NAMES = new Set(['gclid', 'session_number', 'firebase_conversion']);
const RESERVED_PARAM_PREFIXES = ['_', 'firebase_', 'ga_', 'google_', 'gtag.'];
const RESERVED_USER_PROPERTIES = new Set([
  'first_open_time',
  'first_visit_time',
  'last_deep_link_referrer',
  'user_id',
  'first_open_after_install',
]);
const RESERVED_USER_PROPERTY_PREFIXES = ['_', 'firebase_', 'ga_', 'google_'];
const CONSENT_KEYS = new Set(['ad_user_data', 'ad_personalization']);

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const startsWithAny = (name: string, prefixes: readonly string[]) => prefixes.some((p) => name.startsWith(p));

/**
 * Every conformance check a Measurement Protocol request fails (empty when it passes). `debug`:
 * the validation server does not check the API secret, nor whether events carry what Realtime
 * needs, which are advice rather than validation there.
 */
export function checkGa4Request(input: {
  method: string;
  query: Record<string, string>;
  contentType: string | undefined;
  rawBody: string;
  nowMicros: number;
  debug: boolean;
  expected?: { measurementId: string; apiSecret: string };
}): Ga4Violation[] {
  const violations: Ga4Violation[] = [];
  const fail = (check: Ga4Check, validationCode: ValidationCode, fieldPath: string, description: string) =>
    violations.push({ check, validationCode, fieldPath, description });

  if (input.method !== 'POST') {
    fail('method', 'VALUE_INVALID', '', `The Measurement Protocol takes POST only, not ${input.method}`);
    return violations;
  }
  checkCredentials(input, fail);

  const bytes = Buffer.byteLength(input.rawBody, 'utf8');
  if (bytes >= BODY_MAX_BYTES) {
    fail('body_size', 'VALUE_OUT_OF_BOUNDS', '', `The body has ${bytes} bytes; it must be under 130 kB`);
  }
  if (!/^application\/json\b/i.test(input.contentType ?? '')) {
    fail('json_body', 'VALUE_INVALID', '', `Content-Type must be application/json, not ${input.contentType}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(input.rawBody);
  } catch {
    fail('json_body', 'VALUE_INVALID', '', 'Unable to parse the body as JSON');
    return violations;
  }
  if (!isObject(body)) {
    fail('json_body', 'VALUE_INVALID', '', 'The body must be a JSON object');
    return violations;
  }

  if (typeof body.client_id !== 'string' || body.client_id === '') {
    fail('client_id', 'VALUE_REQUIRED', 'client_id', 'client_id is required for web streams');
  }
  checkUserId(body.user_id, fail);
  checkConsent(body.consent, fail);
  checkUserProperties(body.user_properties, fail);
  checkTimestamp(body.timestamp_micros, 'timestamp_micros', input.nowMicros, fail);

  const events = body.events;
  if (!Array.isArray(events) || events.length === 0) {
    fail('events_count', 'VALUE_REQUIRED', 'events', 'At least one event is required');
    return violations;
  }
  if (events.length > EVENTS_MAX) {
    fail('events_count', 'EXCEEDED_MAX_ENTITIES', 'events', `${events.length} events; at most ${EVENTS_MAX}`);
  }
  events.forEach((event, index) => {
    const before = violations.length;
    checkEvent(event, index, input, fail);
    for (const violation of violations.slice(before)) violation.eventIndex = index;
  });
  return violations;
}

type Fail = (check: Ga4Check, code: ValidationCode, fieldPath: string, description: string) => void;

function checkCredentials(
  input: {
    query: Record<string, string>;
    debug: boolean;
    expected?: { measurementId: string; apiSecret: string };
  },
  fail: Fail,
) {
  const {
    measurement_id: measurementId,
    firebase_app_id: firebaseAppId,
    api_secret: apiSecret,
  } = input.query;
  if ((measurementId === undefined) === (firebaseAppId === undefined)) {
    fail(
      'credentials',
      'VALUE_REQUIRED',
      'measurement_id',
      'Exactly one of measurement_id or firebase_app_id',
    );
  } else if (input.expected && measurementId !== input.expected.measurementId) {
    fail('credentials', 'VALUE_INVALID', 'measurement_id', `No web stream has the id ${measurementId}`);
  }
  if (input.debug) return;
  if (!apiSecret) fail('credentials', 'VALUE_REQUIRED', 'api_secret', 'api_secret is required');
  else if (input.expected && apiSecret !== input.expected.apiSecret) {
    fail('credentials', 'VALUE_INVALID', 'api_secret', 'api_secret is not a secret of this stream');
  }
}

function checkUserId(userId: unknown, fail: Fail) {
  if (userId === undefined) return;
  if (typeof userId !== 'string' || !userId.isWellFormed()) {
    fail('user_id', 'VALUE_INVALID', 'user_id', 'user_id must be a UTF-8 string');
  } else if (userId.length > USER_ID_MAX) {
    fail('user_id', 'VALUE_OUT_OF_BOUNDS', 'user_id', `user_id has ${userId.length} characters; at most 256`);
  }
}

function checkConsent(consent: unknown, fail: Fail) {
  if (consent === undefined) return;
  if (!isObject(consent)) {
    fail('consent', 'VALUE_INVALID', 'consent', 'consent must be an object');
    return;
  }
  for (const [key, value] of Object.entries(consent)) {
    if (!CONSENT_KEYS.has(key))
      fail('consent', 'NAME_INVALID', `consent.${key}`, `Unknown consent type ${key}`);
    else if (value !== 'GRANTED' && value !== 'DENIED') {
      fail('consent', 'VALUE_INVALID', `consent.${key}`, `${key} must be GRANTED or DENIED`);
    }
  }
}

function checkUserProperties(properties: unknown, fail: Fail) {
  if (properties === undefined) return;
  if (!isObject(properties)) {
    fail('user_properties', 'VALUE_INVALID', 'user_properties', 'user_properties must be an object');
    return;
  }
  const entries = Object.entries(properties);
  if (entries.length > USER_PROPERTIES_MAX) {
    fail(
      'user_properties',
      'EXCEEDED_MAX_ENTITIES',
      'user_properties',
      `${entries.length} user properties; at most 25`,
    );
  }
  for (const [name, wrapper] of entries) {
    const path = `user_properties.${name}`;
    if (!NAME.test(name) || name.length > USER_PROPERTY_NAME_MAX) {
      fail(
        'user_properties',
        'NAME_INVALID',
        path,
        `User property name ${name} is invalid (≤ 24 characters)`,
      );
    } else if (RESERVED_USER_PROPERTIES.has(name) || startsWithAny(name, RESERVED_USER_PROPERTY_PREFIXES)) {
      fail('user_properties', 'NAME_RESERVED', path, `User property name ${name} is reserved`);
    }
    if (!isObject(wrapper) || !('value' in wrapper)) {
      fail('user_properties', 'VALUE_INVALID', path, 'Each user property is an object {"value": …}');
      continue;
    }
    const value = wrapper.value;
    if (typeof value === 'string' && value.length > USER_PROPERTY_VALUE_MAX) {
      fail(
        'user_properties',
        'VALUE_OUT_OF_BOUNDS',
        path,
        `Value has ${value.length} characters; at most 36`,
      );
    } else if (!['string', 'number', 'boolean'].includes(typeof value)) {
      fail('user_properties', 'VALUE_INVALID', path, 'A user property value is a string, number or boolean');
    }
  }
}

function checkTimestamp(value: unknown, fieldPath: string, nowMicros: number, fail: Fail) {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1e15 || value >= 1e17) {
    fail('timestamp', 'VALUE_INVALID', fieldPath, `${String(value)} is not a Unix time in microseconds`);
  } else if (value > nowMicros) {
    fail('timestamp', 'VALUE_OUT_OF_BOUNDS', fieldPath, 'The time lies in the future');
  } else if (value < nowMicros - MAX_AGE_MICROS) {
    fail('timestamp', 'VALUE_OUT_OF_BOUNDS', fieldPath, 'Events can be backdated up to 72 hours');
  }
}

function checkEvent(event: unknown, index: number, input: { nowMicros: number; debug: boolean }, fail: Fail) {
  if (!isObject(event)) {
    fail('event_name', 'VALUE_INVALID', 'events', `Event at index: [${index}] is not an object`);
    return;
  }
  const name = event.name;
  if (typeof name !== 'string' || !NAME.test(name)) {
    const why =
      typeof name !== 'string' || !/^[A-Za-z]/.test(name)
        ? 'Names must start with an alphabetic character.'
        : 'Names must be at most 40 letters, digits and underscores.';
    fail(
      'event_name',
      'NAME_INVALID',
      'events',
      `Event at index: [${index}] has invalid name [${String(name)}]. ${why}`,
    );
  } else if (RESERVED_EVENT_NAMES.has(name) || startsWithAny(name, RESERVED_EVENT_PREFIXES)) {
    fail(
      'event_name',
      'NAME_RESERVED',
      'events',
      `Event at index: [${index}] has name [${name}] which is reserved.`,
    );
  }
  checkTimestamp(event.timestamp_micros, 'events.timestamp_micros', input.nowMicros, fail);

  const params = event.params ?? {};
  if (!isObject(params)) {
    fail(
      'param_value',
      'VALUE_INVALID',
      'events.params',
      `Event at index: [${index}] has params that are not an object`,
    );
    return;
  }
  const entries = Object.entries(params);
  if (entries.length > PARAMS_MAX) {
    fail(
      'params_count',
      'EXCEEDED_MAX_ENTITIES',
      'events.params',
      `Event at index: [${index}] has ${entries.length} params; at most 25`,
    );
  }
  for (const [param, value] of entries) checkParam(param, value, index, fail);

  if (!input.debug) {
    const engagement = params.engagement_time_msec;
    if (params.session_id === undefined) {
      fail(
        'session',
        'VALUE_REQUIRED',
        'events.params.session_id',
        `Event at index: [${index}] has no session_id: it shows in no session report`,
      );
    }
    if (typeof engagement !== 'number' || !(engagement > 0)) {
      fail(
        'session',
        'VALUE_REQUIRED',
        'events.params.engagement_time_msec',
        `Event at index: [${index}] has no positive engagement_time_msec: it shows in no Realtime report`,
      );
    }
  }
}

function checkParam(param: string, value: unknown, index: number, fail: Fail) {
  const path = `events.params.${param}`;
  if (!NAME.test(param)) {
    fail(
      'param_name',
      'NAME_INVALID',
      'events.params',
      `Event at index: [${index}] has invalid param [${param}]`,
    );
  } else if (RESERVED_PARAM_NAMES.has(param) || startsWithAny(param, RESERVED_PARAM_PREFIXES)) {
    fail(
      'param_name',
      'NAME_RESERVED',
      'events.params',
      `Event at index: [${index}] has reserved param [${param}]`,
    );
  }
  if (param === 'items' && Array.isArray(value)) {
    value.forEach((item, itemIndex) => checkItem(item, `${path}.${itemIndex}`, fail));
    return;
  }
  checkValue(value, path, PAGE_PARAM_MAX[param] ?? VALUE_MAX, fail);
}

function checkItem(item: unknown, path: string, fail: Fail) {
  if (!isObject(item)) {
    fail('param_value', 'VALUE_INVALID', path, 'An item is an object');
    return;
  }
  const STANDARD =
    /^(item_(id|name|brand|category[2-5]?|list_id|list_name|variant)|affiliation|coupon|creative_(name|slot)|discount|index|location_id|price|promotion_(id|name)|quantity)$/;
  let custom = 0;
  for (const [name, value] of Object.entries(item)) {
    if (!NAME.test(name) || startsWithAny(name, RESERVED_PARAM_PREFIXES)) {
      fail('param_name', 'NAME_INVALID', path, `Item param [${name}] is invalid`);
    }
    if (!STANDARD.test(name)) custom++;
    checkValue(value, `${path}.${name}`, VALUE_MAX, fail);
  }
  if (custom > ITEM_CUSTOM_PARAMS_MAX) {
    fail('params_count', 'EXCEEDED_MAX_ENTITIES', path, `${custom} custom item params; at most 10`);
  }
}

function checkValue(value: unknown, path: string, max: number, fail: Fail) {
  if (typeof value === 'string') {
    if (value.length > max)
      fail('param_value', 'VALUE_OUT_OF_BOUNDS', path, `${value.length} characters; at most ${max}`);
  } else if (!(typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value)))) {
    fail('param_value', 'VALUE_INVALID', path, 'A param value is a string, number or boolean');
  }
}

/** Failures GA4 drops a whole request for, rather than some of its events. */
const REQUEST_CHECKS: ReadonlySet<Ga4Check> = new Set([
  'method',
  'json_body',
  'credentials',
  'client_id',
  'body_size',
  'events_count',
]);

/** Starts the fake on a free loopback port. `now` is its clock (ms), for the 72 h window. */
export async function startFakeGa4(
  options: { now?: () => number; measurementId?: string; apiSecret?: string } = {},
): Promise<FakeGa4> {
  const now = options.now ?? Date.now;
  const expected = {
    measurementId: options.measurementId ?? FAKE_GA4_MEASUREMENT_ID,
    apiSecret: options.apiSecret ?? FAKE_GA4_API_SECRET,
  };
  const requests: FakeGa4Request[] = [];
  const events: FakeGa4Event[] = [];
  const violations: Ga4Violation[] = [];
  let mode: FakeGa4Mode = 'normal';
  let retryAfterSeconds = 2;

  const sendJson = (response: ServerResponse, status: number, body: unknown, headers = {}) => {
    response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    response.end(JSON.stringify(body));
  };

  const answer = (request: IncomingMessage, response: ServerResponse, rawBody: string) => {
    const url = new URL(request.url ?? '/', 'http://fake.invalid');
    const debug = url.pathname === '/debug/mp/collect';
    if (!debug && url.pathname !== '/mp/collect') {
      sendJson(response, 404, { error: 'not found' });
      return;
    }
    const query = Object.fromEntries(url.searchParams);
    const nowMicros = now() * 1000;
    const found = checkGa4Request({
      method: request.method ?? '',
      query,
      contentType: request.headers['content-type'],
      rawBody,
      nowMicros,
      debug,
      expected,
    });
    const body = parseJson(rawBody);
    const record: FakeGa4Request = {
      method: request.method ?? '',
      path: url.pathname,
      query,
      contentType: request.headers['content-type'],
      bytes: Buffer.byteLength(rawBody, 'utf8'),
      body,
      violations: found,
    };
    requests.push(record);
    response.on('finish', () => {
      record.answered = response.statusCode;
    });
    if (!debug) violations.push(...found);
    if (request.method !== 'POST') {
      response.writeHead(405, { Allow: 'POST' });
      response.end();
      return;
    }
    switch (mode) {
      case 'hang':
        return;
      case 'server_error':
        sendJson(response, 500, { error: 'internal error' });
        return;
      case 'rate_limited':
        sendJson(response, 429, { error: 'rate limited' }, { 'Retry-After': String(retryAfterSeconds) });
        return;
      case 'bad_request':
        sendJson(response, 400, { error: 'bad request' });
        return;
      case 'normal':
        if (debug) {
          sendJson(response, 200, {
            validationMessages: found.map(({ fieldPath, description, validationCode }) => ({
              fieldPath,
              description,
              validationCode,
            })),
          });
          return;
        }
        if (!found.some((violation) => REQUEST_CHECKS.has(violation.check))) {
          events.push(...keptEvents(body, found, nowMicros));
        }
        response.writeHead(204);
        response.end();
    }
  };

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => answer(request, response, Buffer.concat(chunks).toString('utf8')));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the fake GA4 has no port');

  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    events,
    violations,
    setMode(next, { retryAfterSeconds: seconds = 2 } = {}) {
      mode = next;
      retryAfterSeconds = seconds;
    },
    reset() {
      mode = 'normal';
      requests.length = 0;
      events.length = 0;
      violations.length = 0;
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** The events of a request GA4 keeps: those whose own checks all passed, with the request's fields. */
function keptEvents(body: unknown, found: Ga4Violation[], nowMicros: number): FakeGa4Event[] {
  if (!isObject(body) || !Array.isArray(body.events)) return [];
  // Events without what Realtime needs are still kept; they only miss the session reports.
  const badIndexes = new Set(
    found.flatMap(({ eventIndex, check }) =>
      eventIndex === undefined || check === 'session' ? [] : [eventIndex],
    ),
  );
  const requestTime = typeof body.timestamp_micros === 'number' ? body.timestamp_micros : nowMicros;
  return body.events.flatMap((event: unknown, index): FakeGa4Event[] => {
    if (!isObject(event) || badIndexes.has(index)) return [];
    return [
      {
        client_id: body.client_id as string,
        ...(body.user_id === undefined ? {} : { user_id: body.user_id as string }),
        ...(body.consent === undefined ? {} : { consent: body.consent }),
        ...(body.user_location === undefined ? {} : { user_location: body.user_location }),
        name: event.name as string,
        params: isObject(event.params) ? event.params : {},
        timestamp_micros: typeof event.timestamp_micros === 'number' ? event.timestamp_micros : requestTime,
      },
    ];
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
