/** The Graph API's error envelope (`{"error": {...}}`), as far as Beacon reads it. */
export interface GraphError {
  message?: string;
  type?: string;
  code?: number;
  error_subcode?: number;
  is_transient?: boolean;
  error_user_title?: string;
  error_user_msg?: string;
  fbtrace_id?: string;
}

/** What one answer of `POST /{version}/{pixel}/events` means for the events it carried. */
export type GraphOutcome =
  | { kind: 'accepted'; eventsReceived: number | undefined; messages: string[] }
  /** Passing trouble: the same request may succeed later (not before `retryAfterMs`, when Meta said). */
  | { kind: 'retry'; error: string; status?: number; retryAfterMs?: number }
  /** The request can never succeed as configured (token, permissions, pixel, version): no event in it will. */
  | { kind: 'refused'; error: string; status: number }
  /**
   * Meta refused the request for an invalid event (and then processes none of them). `index` is the
   * event's position in `data` when Meta named it.
   */
  | { kind: 'invalid_event'; error: string; status: number; index?: number };

/** Rate limits: application (4), user (17), page (32), custom (613), and the app's quota (341). */
const THROTTLING_CODES = new Set([4, 17, 32, 341, 613]);
/** An unknown error (1) and a temporarily unavailable service (2): Meta's "retry later". */
const TRANSIENT_CODES = new Set([1, 2]);
const INVALID_PARAMETER = 100;
/** Code 100 with this subcode: the pixel does not exist or the token cannot reach it. */
const UNKNOWN_OBJECT_SUBCODE = 33;
const EXPIRED_TOKEN = 190;
const RETIRED_VERSION = 2635;

function readGraphError(body: unknown): GraphError | undefined {
  if (typeof body !== 'object' || body === null || !('error' in body)) return undefined;
  const error = (body as { error: unknown }).error;
  return typeof error === 'object' && error !== null ? (error as GraphError) : undefined;
}

/** Meta's words for the problem, the user-facing ones first, with the codes support asks for. */
export function describeGraphError(error: GraphError | undefined, status: number): string {
  if (error === undefined) return `HTTP ${status}`;
  const words = [error.error_user_title, error.error_user_msg ?? error.message]
    .filter((part): part is string => typeof part === 'string' && part.trim() !== '')
    .join(': ');
  const codes = [
    typeof error.code === 'number' ? `code ${error.code}` : undefined,
    typeof error.error_subcode === 'number' ? `subcode ${error.error_subcode}` : undefined,
    typeof error.fbtrace_id === 'string' ? `fbtrace_id ${error.fbtrace_id}` : undefined,
  ].filter((part) => part !== undefined);
  return `${words || `HTTP ${status}`}${codes.length > 0 ? ` (${codes.join(', ')})` : ''}`;
}

/**
 * Which event Meta blamed: its messages name an event by its JSON path in the request,
 * `$['data'][3]` (or `data[3]`). Undefined when no message does.
 */
export function blamedEventIndex(error: GraphError | undefined): number | undefined {
  for (const text of [error?.error_user_msg, error?.message]) {
    const match = typeof text === 'string' ? /data'?\]?\[(\d{1,4})\]/.exec(text) : null;
    if (match) return Number(match[1]);
  }
  return undefined;
}

/**
 * Classifies an answer of the events edge by HTTP status and the Graph error code. Graph answers
 * rate limits with 400/403 and a code (4, 17, …), not always 429, so the code decides; 5xx, 408,
 * 429 and `is_transient` are passing. An expired token, missing permissions, an unknown pixel or a
 * retired version fail every event alike; only an invalid parameter (100) concerns single events.
 */
export function classifyGraphResponse(status: number, body: unknown): GraphOutcome {
  if (status >= 200 && status < 300) {
    const answer = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const received = answer.events_received;
    const messages = Array.isArray(answer.messages)
      ? answer.messages.filter((message): message is string => typeof message === 'string')
      : [];
    return {
      kind: 'accepted',
      eventsReceived: typeof received === 'number' ? received : undefined,
      messages,
    };
  }
  const error = readGraphError(body);
  const described = describeGraphError(error, status);
  const code = error?.code;
  if (
    status >= 500 ||
    status === 408 ||
    status === 429 ||
    error?.is_transient === true ||
    (code !== undefined && (THROTTLING_CODES.has(code) || TRANSIENT_CODES.has(code)))
  ) {
    return { kind: 'retry', error: `Meta: ${described}`, status };
  }
  if (code === EXPIRED_TOKEN) {
    return {
      kind: 'refused',
      status,
      error: `Meta refused the access token; renew it (Events Manager → the pixel → Settings → Conversions API → Generate access token) and set it as the destination's accessToken, then replay. Meta: ${described}`,
    };
  }
  if (code === RETIRED_VERSION) {
    return {
      kind: 'refused',
      status,
      error: `Meta no longer serves this Graph API version; set the destination's apiVersion to a current one, then replay. Meta: ${described}`,
    };
  }
  if (code === INVALID_PARAMETER && error?.error_subcode !== UNKNOWN_OBJECT_SUBCODE) {
    const index = blamedEventIndex(error);
    return {
      kind: 'invalid_event',
      status,
      error: `Meta: ${described}`,
      ...(index === undefined ? {} : { index }),
    };
  }
  return { kind: 'refused', status, error: `Meta: ${described}` };
}
