import type { SendResult } from '../destination-type.ts';
import type { IngestRequest } from './datamanager-request.ts';
import {
  clip,
  describeAnswer,
  detailsOfType,
  googleErrorOf,
  outcomeByStatus,
  type GoogleAnswer,
  type GoogleError,
} from './google-error.ts';
import type { Verdict } from './send-rounds.ts';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/**
 * Milliseconds until the next midnight in Google's time zone (America/Los_Angeles), when daily API
 * quotas reset.
 */
export function msUntilPacificMidnight(now: Date): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: 'America/Los_Angeles',
    hourCycle: 'h23',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(now);
  const part = (type: string) => Number(parts.find((entry) => entry.type === type)?.value ?? 0);
  const elapsed =
    ((part('hour') % 24) * 3600 + part('minute') * 60 + part('second')) * 1000 + now.getUTCMilliseconds();
  return Math.max(1000, DAY_MS - elapsed);
}

/**
 * A 429's wait: `ErrorInfo.metadata.quota_limit` says which quota ran out (google-data-manager.md §5);
 * a per-day one lasts until the quota resets, a per-minute one a minute. `Retry-After`, when longer, wins.
 */
function quotaWaitMs(error: GoogleError, fallbackMs: number | undefined, now: Date): number | undefined {
  const limit = detailsOfType(error, 'google.rpc.ErrorInfo')
    .map((info) => (info.metadata as Record<string, unknown> | undefined)?.quota_limit)
    .find((value): value is string => typeof value === 'string');
  const byQuota =
    limit === undefined ? undefined : /PerDay/i.test(limit) ? msUntilPacificMidnight(now) : MINUTE_MS;
  if (byQuota === undefined) return fallbackMs;
  return Math.max(byQuota, fallbackMs ?? 0);
}

function errorInfoReasons(error: GoogleError): string[] {
  return detailsOfType(error, 'google.rpc.ErrorInfo')
    .map((info) => info.reason)
    .filter((reason): reason is string => typeof reason === 'string');
}

/** What to do about a 403, which Data Manager answers for several different mistakes. */
function forbiddenRemedy(error: GoogleError, customerId: string): string {
  const reasons = errorInfoReasons(error);
  if (reasons.includes('SERVICE_DISABLED')) {
    return "enable the Data Manager API in the Google Cloud project of the destination's OAuth client or service account";
  }
  if (reasons.includes('ACCESS_TOKEN_SCOPE_INSUFFICIENT')) {
    return 'the credential was not granted https://www.googleapis.com/auth/datamanager: authorise again with that scope';
  }
  return `the credential's Google account (or service account) needs access to Google Ads account ${customerId}, directly or through the manager account set as loginCustomerId`;
}

interface Violation {
  field: string;
  description: string;
  reason: string | undefined;
}

function violationsOf(error: GoogleError): Violation[] {
  return detailsOfType(error, 'google.rpc.BadRequest').flatMap((badRequest) =>
    (Array.isArray(badRequest.fieldViolations) ? badRequest.fieldViolations : []).map(
      (violation: unknown) => {
        const record = (typeof violation === 'object' && violation !== null ? violation : {}) as Record<
          string,
          unknown
        >;
        return {
          field: typeof record.field === 'string' ? record.field : '',
          description: typeof record.description === 'string' ? record.description : '',
          reason: typeof record.reason === 'string' ? record.reason : undefined,
        };
      },
    ),
  );
}

const describeViolation = (violation: Violation) =>
  `${violation.reason ?? 'INVALID_ARGUMENT'}${violation.field ? ` at ${violation.field}` : ''}${violation.description ? `: ${violation.description}` : ''}`;

/**
 * The events a violation is about: `events.events[3]…` (Google's paths; `events[3]…` is read as well)
 * is the fourth event; `destinations[1]…` is every event of that conversion action. Undefined when
 * the violation names neither (the encoding, the request as a whole).
 */
function eventsOfViolation(field: string, request: IngestRequest): number[] | undefined {
  const event = /events\[(\d+)\]/.exec(field);
  if (event) {
    const index = Number(event[1]);
    return index < request.conversions.length ? [index] : undefined;
  }
  const destination = /^destinations\[(\d+)\]/.exec(field);
  if (destination) {
    const actionId = request.actionIds[Number(destination[1])];
    if (actionId === undefined) return undefined;
    return request.conversions.flatMap((conversion, index) =>
      conversion.conversionActionId === actionId ? [index] : [],
    );
  }
  return undefined;
}

/**
 * A refused request (400): Data Manager fails fast, so one bad event refuses them all and nothing is
 * ingested. Each `fieldViolations[].field` is mapped back to the events it is about, which are dead
 * letters with Google's reasons; the rest can go again. A violation that names no event (or none at
 * all) refuses every event of the request.
 */
function refusedRequest(answer: GoogleAnswer, error: GoogleError, request: IngestRequest): Verdict {
  const violations = violationsOf(error);
  const byEvent = new Map<number, string[]>();
  const unattributed: Violation[] = [];
  for (const violation of violations) {
    const events = eventsOfViolation(violation.field, request);
    if (events === undefined || events.length === 0) {
      unattributed.push(violation);
      continue;
    }
    for (const index of events)
      byEvent.set(index, [...(byEvent.get(index) ?? []), describeViolation(violation)]);
  }
  if (violations.length === 0 || unattributed.length > 0) {
    const reasons = (unattributed.length > 0 ? unattributed : violations).map(describeViolation);
    const message = `Google Data Manager refused the request (${describeAnswer(answer, error)})${reasons.length ? `: ${reasons.join('; ')}` : ''}`;
    return { kind: 'all', result: { kind: 'permanent', status: answer.status, error: clip(message) } };
  }
  const atFault = new Map<number, SendResult>();
  for (const [index, reasons] of byEvent) {
    atFault.set(index, {
      kind: 'permanent',
      status: answer.status,
      error: clip(`Google Data Manager refused it: ${reasons.join('; ')}`),
    });
  }
  return { kind: 'refused', atFault };
}

function fieldWarningsOf(body: unknown): string[] {
  const warnings = (body as { fieldWarnings?: unknown } | null)?.fieldWarnings;
  if (!Array.isArray(warnings)) return [];
  return warnings.map((warning: unknown) => {
    const record = (typeof warning === 'object' && warning !== null ? warning : {}) as Record<
      string,
      unknown
    >;
    return [record.reason, record.field, record.description]
      .filter((part) => typeof part === 'string')
      .join(' ');
  });
}

/**
 * What an `events:ingest` answer means for the events of `request` (google-data-manager.md §6, §8).
 * 200 accepts them all (matching is asynchronous; per-event results exist only as counts in
 * diagnostics). Only UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL, ABORTED and quotas are worth a retry.
 */
export function interpretIngestAnswer(
  answer: GoogleAnswer,
  request: IngestRequest,
  customerId: string,
  now: Date,
): Verdict {
  if (answer.status >= 200 && answer.status < 300) {
    return { kind: 'all', result: { kind: 'delivered' }, warnings: fieldWarningsOf(answer.body) };
  }
  const error = googleErrorOf(answer.body);
  const said = describeAnswer(answer, error);
  if (answer.status === 400) return refusedRequest(answer, error, request);
  if (answer.status === 401) {
    const message = `Google refused the access token (${said}): the destination's oauth credential must be renewed`;
    return { kind: 'unauthenticated', result: { kind: 'permanent', status: 401, error: clip(message) } };
  }
  if (answer.status === 403) {
    const message = `Google Data Manager refused access (${said}): ${forbiddenRemedy(error, customerId)}`;
    return { kind: 'all', result: { kind: 'permanent', status: 403, error: clip(message) } };
  }
  const result = outcomeByStatus(answer, `Google Data Manager answered ${said}`, now);
  if (answer.status === 429 && result.kind === 'retry') {
    const retryAfterMs = quotaWaitMs(error, result.retryAfterMs, now);
    return { kind: 'all', result: { ...result, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) } };
  }
  return { kind: 'all', result };
}
