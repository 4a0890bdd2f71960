import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';

/**
 * A local Meta Conversions API (`POST /{version}/{pixel_id}/events`) that checks requests the way
 * the real one does (external-apis.md, "2. Meta", conformance checks), answers like it (Graph error
 * envelopes, one invalid event refusing the whole request), records what it accepted, and can be
 * told to fail: 500, 429 or Graph's own throttling codes with Retry-After, or hang.
 */

export const FAKE_META_PIXEL_ID = '1234567890123456';
export const FAKE_META_TOKEN = 'EAAfakeMetaToken0123456789';
/** A token the fake treats as expired (code 190, subcode 463), as Meta does after 60 days or a password change. */
export const FAKE_META_EXPIRED_TOKEN = 'EAAexpiredMetaToken0123456789';

/** Versions served; older ones are retired (v24.0 on 2026-10-06), newer ones do not exist yet. */
export const FAKE_META_VERSIONS = ['v25.0', 'v26.0', 'v27.0'] as const;
const LATEST_VERSION = FAKE_META_VERSIONS[FAKE_META_VERSIONS.length - 1];

const MAX_EVENTS = 1000;
const MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;
const ACTION_SOURCES = new Set([
  'email',
  'website',
  'app',
  'phone_call',
  'chat',
  'physical_store',
  'system_generated',
  'business_messaging',
  'other',
]);
const HASHED_KEYS = ['em', 'ph', 'fn', 'ln', 'ge', 'db', 'ct', 'st', 'zp', 'country'] as const;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const COOKIE_FORMAT = /^fb\.\d+\.\d+\..+$/;

export type FakeMetaFailure =
  /** 500 with Graph's transient error (code 2). */
  | { kind: 'server_error' }
  /** 429 with Retry-After, as a proxy or Meta's edge answers. */
  | { kind: 'rate_limited'; retryAfterSeconds: number }
  /** Graph's own rate limits: 400 with code 4, 17, 32, 341 or 613 (and Retry-After when given). */
  | { kind: 'throttled'; code: 4 | 17 | 32 | 341 | 613; retryAfterSeconds?: number }
  /** Reads the request and never answers. */
  | { kind: 'hang' };

export interface FakeMetaRequest {
  method: string;
  /** The path without the query string (which carries the token). */
  path: string;
  /** Where the access token came: the query string, the body, or nowhere. */
  tokenIn: 'query' | 'body' | 'none';
  /** The body parsed (JSON, or a form's fields with `data` parsed), or the raw text. */
  body: unknown;
  status: number;
}

export interface FakeMetaEvent {
  version: string;
  pixelId: string;
  testEventCode: string | undefined;
  event: Record<string, unknown>;
}

export interface FakeMeta {
  url: string;
  requests: FakeMetaRequest[];
  /** Events accepted without a test code. */
  accepted: FakeMetaEvent[];
  /** Events accepted with a `test_event_code` (Events Manager's Test events). */
  testEvents: FakeMetaEvent[];
  /** Fails the next `times` requests (every request when omitted) the given way. */
  fail(failure: FakeMetaFailure, times?: number): void;
  /** Answers normally again. */
  recover(): void;
  /** Whether a refusal's message names the event (`$['data'][3]`), as Meta's do; true at first. */
  nameInvalidEvents(name: boolean): void;
  /**
   * Refuses events that pass every check but match `refuse`, as Meta does for rules a client cannot
   * check beforehand (a new version's, a policy's): the whole request, naming the event.
   */
  refuseEvents(refuse: ((event: Record<string, unknown>) => boolean) | undefined): void;
  reset(): void;
  close(): Promise<void>;
}

export interface FakeMetaOptions {
  /** The fake's clock for the 7-day rule (ms since epoch). */
  now?: () => number;
}

interface GraphError {
  status: number;
  message: string;
  type?: string;
  code: number;
  error_subcode?: number;
  is_transient?: boolean;
  error_user_title?: string;
  error_user_msg?: string;
}

/** One event's first problem: Meta's title for it and what to fix. */
interface EventProblem {
  title: string;
  message: string;
}

const invalidParameter = (message: string): GraphError => ({
  status: 400,
  message: `(#100) ${message}`,
  code: 100,
});

function parseVersion(version: string): [number, number] | undefined {
  const match = /^v(\d+)\.(\d+)$/.exec(version);
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

function checkVersion(version: string): GraphError | undefined {
  if ((FAKE_META_VERSIONS as readonly string[]).includes(version)) return undefined;
  const parsed = parseVersion(version);
  const oldest = parseVersion(FAKE_META_VERSIONS[0])!;
  if (parsed && (parsed[0] < oldest[0] || (parsed[0] === oldest[0] && parsed[1] < oldest[1]))) {
    return {
      status: 400,
      message: `(#2635) You are calling a deprecated version of the Ads API. Please update to the latest version: ${LATEST_VERSION}.`,
      code: 2635,
    };
  }
  return { status: 400, message: `Unknown path components: /${version}`, code: 2500 };
}

function checkToken(token: string | undefined): GraphError | undefined {
  if (token === undefined || token === '') {
    return { status: 400, message: 'An access token is required to request this resource.', code: 104 };
  }
  if (token === FAKE_META_EXPIRED_TOKEN) {
    return {
      status: 400,
      message:
        'Error validating access token: Session has expired on Tuesday, 01-Dec-26 10:00:00 PST. The current time is Saturday, 05-Dec-26 01:00:00 PST.',
      code: 190,
      error_subcode: 463,
    };
  }
  if (token !== FAKE_META_TOKEN) {
    return { status: 400, message: 'Invalid OAuth access token - Cannot parse access token', code: 190 };
  }
  return undefined;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A hashed key's value: one string or a list of them, each 64 lower-case hex digits. */
function isHashed(value: unknown): boolean {
  const values = Array.isArray(value) ? value : [value];
  return values.length > 0 && values.every((entry) => typeof entry === 'string' && SHA256_HEX.test(entry));
}

/** Conformance checks 3-6 and 10 of the spec for one event; the first problem found. */
function checkEvent(event: unknown, now: number): EventProblem | undefined {
  if (!isObject(event)) return { title: 'Invalid event', message: 'Each event must be an object.' };
  if (typeof event.event_name !== 'string' || event.event_name.trim() === '') {
    return { title: 'Missing event_name', message: 'The parameter event_name is required.' };
  }
  const time = event.event_time;
  if (typeof time !== 'number' || !Number.isInteger(time) || time <= 0) {
    return { title: 'Invalid event_time', message: 'event_time must be a Unix timestamp in seconds.' };
  }
  if (time > 1e10) {
    return {
      title: 'Invalid event_time',
      message: 'event_time looks like milliseconds; send Unix time in seconds.',
    };
  }
  if (now - time * 1000 > MAX_AGE_MS) {
    return {
      title: 'Event Timestamp Too Old',
      message:
        'The timestamp for this event is too far in the past. Events need to be sent from your server within 7 days of when they occurred.',
    };
  }
  if (typeof event.action_source !== 'string' || !ACTION_SOURCES.has(event.action_source)) {
    return {
      title: 'Invalid action_source',
      message: `action_source must be one of ${[...ACTION_SOURCES].join(', ')}.`,
    };
  }
  const user = event.user_data;
  if (!isObject(user) || Object.keys(user).length === 0) {
    return { title: 'Missing user_data', message: 'At least one user_data parameter is required.' };
  }
  if (event.action_source === 'website') {
    if (typeof event.event_source_url !== 'string' || event.event_source_url === '') {
      return { title: 'Missing event_source_url', message: 'Website events require event_source_url.' };
    }
    if (typeof user.client_user_agent !== 'string' || user.client_user_agent === '') {
      return {
        title: 'Missing client_user_agent',
        message: 'Website events require user_data.client_user_agent.',
      };
    }
  }
  for (const key of HASHED_KEYS) {
    if (key in user && !isHashed(user[key])) {
      return {
        title: 'Unhashed customer information',
        message: `user_data.${key} must be a SHA-256 hash (64 lower-case hexadecimal characters).`,
      };
    }
  }
  if ('external_id' in user) {
    const ids = Array.isArray(user.external_id) ? user.external_id : [user.external_id];
    if (ids.length === 0 || !ids.every((id) => typeof id === 'string' && id !== '')) {
      return {
        title: 'Invalid external_id',
        message: 'user_data.external_id must be a string or a list of strings.',
      };
    }
  }
  if ('client_ip_address' in user) {
    const ip = user.client_ip_address;
    if (typeof ip !== 'string' || isIP(ip) === 0) {
      return {
        title: 'Invalid client_ip_address',
        message: 'user_data.client_ip_address must be a valid IPv4 or IPv6 address, never hashed.',
      };
    }
  }
  if (typeof user.client_user_agent === 'string' && SHA256_HEX.test(user.client_user_agent)) {
    return { title: 'Hashed client_user_agent', message: 'user_data.client_user_agent must not be hashed.' };
  }
  for (const key of ['fbc', 'fbp'] as const) {
    if (key in user && (typeof user[key] !== 'string' || !COOKIE_FORMAT.test(user[key]))) {
      return {
        title: `Invalid ${key}`,
        message: `user_data.${key} must be the unhashed _${key} cookie, fb.<subdomain index>.<creation time>.<value>.`,
      };
    }
  }
  if ('event_id' in event && (typeof event.event_id !== 'string' || event.event_id === '')) {
    return { title: 'Invalid event_id', message: 'event_id must be a non-empty string.' };
  }
  if ('custom_data' in event) {
    const custom = event.custom_data;
    if (!isObject(custom)) return { title: 'Invalid custom_data', message: 'custom_data must be an object.' };
    if ('value' in custom && (typeof custom.value !== 'number' || !Number.isFinite(custom.value))) {
      return { title: 'Invalid value', message: 'custom_data.value must be a number.' };
    }
    if (
      'currency' in custom &&
      (typeof custom.currency !== 'string' || !/^[A-Za-z]{3}$/.test(custom.currency))
    ) {
      return { title: 'Invalid currency', message: 'custom_data.currency must be an ISO 4217 code.' };
    }
  }
  return undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The request's parameters: a JSON body, or a form whose `data` is a JSON-encoded string. */
function readBody(request: IncomingMessage, raw: string): Record<string, unknown> | undefined {
  const type = request.headers['content-type'] ?? '';
  if (type.startsWith('application/x-www-form-urlencoded')) {
    const form = Object.fromEntries(new URLSearchParams(raw));
    return { ...form, ...(form.data === undefined ? {} : { data: parseJson(form.data) }) };
  }
  const parsed = parseJson(raw);
  return isObject(parsed) ? parsed : undefined;
}

export async function startFakeMeta({ now = Date.now }: FakeMetaOptions = {}): Promise<FakeMeta> {
  const requests: FakeMetaRequest[] = [];
  const accepted: FakeMetaEvent[] = [];
  const testEvents: FakeMetaEvent[] = [];
  let failure: FakeMetaFailure | undefined;
  let failuresLeft = 0;
  let nameEvents = true;
  let refuse: ((event: Record<string, unknown>) => boolean) | undefined;

  const traceId = () => randomBytes(12).toString('base64url');
  const sendJson = (
    response: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    response.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
    response.end(JSON.stringify(body));
  };
  const sendError = (response: ServerResponse, error: GraphError, headers: Record<string, string> = {}) => {
    const { status, ...fields } = error;
    sendJson(
      response,
      status,
      { error: { type: 'OAuthException', is_transient: false, ...fields, fbtrace_id: traceId() } },
      headers,
    );
    return status;
  };

  /** Answers one request; returns the status sent (0 while hanging). */
  const answer = (
    request: IncomingMessage,
    response: ServerResponse,
    raw: string,
    record: FakeMetaRequest,
  ) => {
    if (failure !== undefined) {
      const current = failure;
      failuresLeft -= 1;
      if (failuresLeft <= 0) failure = undefined;
      switch (current.kind) {
        case 'hang':
          return 0;
        case 'server_error':
          return sendError(response, {
            status: 500,
            message: 'An unexpected error has occurred. Please retry your request later.',
            code: 2,
            is_transient: true,
          });
        case 'rate_limited':
          return sendError(
            response,
            { status: 429, message: 'Too many requests', code: 4, is_transient: true },
            { 'retry-after': String(current.retryAfterSeconds) },
          );
        case 'throttled':
          return sendError(
            response,
            {
              status: 400,
              message: `(#${current.code}) ${current.code === 17 ? 'User request limit reached' : 'Application request limit reached'}`,
              code: current.code,
              is_transient: true,
            },
            current.retryAfterSeconds === undefined
              ? {}
              : { 'retry-after': String(current.retryAfterSeconds) },
          );
      }
    }

    const url = new URL(request.url ?? '/', 'http://fake.invalid');
    const path = /^\/(v[^/]+)\/([^/]+)\/events\/?$/.exec(url.pathname);
    if (!path)
      return sendError(response, {
        status: 400,
        message: `Unknown path components: ${url.pathname}`,
        code: 2500,
      });
    if (request.method !== 'POST')
      return sendError(response, invalidParameter(`Unsupported ${request.method?.toLowerCase()} request.`));
    const [, version, pixelId] = path as unknown as [string, string, string];
    const versionError = checkVersion(version);
    if (versionError) return sendError(response, versionError);

    const body = readBody(request, raw);
    const queryToken = url.searchParams.get('access_token') ?? undefined;
    const bodyToken = typeof body?.access_token === 'string' ? body.access_token : undefined;
    record.tokenIn = queryToken !== undefined ? 'query' : bodyToken !== undefined ? 'body' : 'none';
    const tokenError = checkToken(queryToken ?? bodyToken);
    if (tokenError) return sendError(response, tokenError);
    if (pixelId !== FAKE_META_PIXEL_ID) {
      return sendError(response, {
        status: 400,
        message: `Unsupported post request. Object with ID '${pixelId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
        code: 100,
        error_subcode: 33,
      });
    }
    if (body === undefined)
      return sendError(response, invalidParameter('The request body must be JSON or a form.'));

    const data = body.data;
    if (!Array.isArray(data) || data.length === 0) {
      return sendError(response, invalidParameter('param data must be a non-empty array of events.'));
    }
    if (data.length > MAX_EVENTS) {
      return sendError(
        response,
        invalidParameter(`param data holds ${data.length} events; at most ${MAX_EVENTS} per request.`),
      );
    }
    const code = body.test_event_code;
    if (code !== undefined && (typeof code !== 'string' || code === '')) {
      return sendError(response, invalidParameter('param test_event_code must be a string.'));
    }
    const time = now();
    for (const [index, event] of data.entries()) {
      const problem =
        checkEvent(event, time) ??
        (refuse?.(event as Record<string, unknown>)
          ? { title: 'Event refused', message: 'This event cannot be processed.' }
          : undefined);
      if (problem) {
        return sendError(response, {
          status: 400,
          message: 'Invalid parameter',
          code: 100,
          error_user_title: problem.title,
          error_user_msg: nameEvents ? `${problem.message} Event: $['data'][${index}].` : problem.message,
        });
      }
    }
    const into = code === undefined ? accepted : testEvents;
    for (const event of data as Record<string, unknown>[]) {
      into.push({ version, pixelId, testEventCode: code, event });
    }
    sendJson(response, 200, { events_received: data.length, messages: [], fbtrace_id: traceId() });
    return 200;
  };

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const url = new URL(request.url ?? '/', 'http://fake.invalid');
      const record: FakeMetaRequest = {
        method: request.method ?? '',
        path: url.pathname,
        tokenIn: 'none',
        body: readBody(request, raw) ?? raw,
        status: 0,
      };
      requests.push(record);
      record.status = answer(request, response, raw, record);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the fake Meta has no port');

  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    accepted,
    testEvents,
    fail(next, times = Number.POSITIVE_INFINITY) {
      failure = next;
      failuresLeft = times;
    },
    recover() {
      failure = undefined;
    },
    nameInvalidEvents(name) {
      nameEvents = name;
    },
    refuseEvents(next) {
      refuse = next;
    },
    reset() {
      failure = undefined;
      nameEvents = true;
      refuse = undefined;
      requests.length = 0;
      accepted.length = 0;
      testEvents.length = 0;
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
