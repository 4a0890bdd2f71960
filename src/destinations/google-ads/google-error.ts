import { parseRetryAfter } from '../../jobs/backoff.ts';
import type { SendResult } from '../destination-type.ts';

/** Google's REST error envelope (`google.rpc.Status`): `{error: {code, message, status, details[]}}`. */
export interface GoogleError {
  /** The canonical code name (`INVALID_ARGUMENT`, `RESOURCE_EXHAUSTED`, …), when Google sent one. */
  status: string | undefined;
  message: string | undefined;
  details: Record<string, unknown>[];
}

/** An HTTP answer as the interpreters need it. */
export interface GoogleAnswer {
  status: number;
  /** The JSON body, or the text (cut short) when it is not JSON. */
  body: unknown;
  retryAfter: string | null;
}

const MAX_MESSAGE = 1000;

export const clip = (text: string) =>
  text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 1)}…` : text;

export function googleErrorOf(body: unknown): GoogleError {
  const error =
    typeof body === 'object' && body !== null && typeof (body as { error?: unknown }).error === 'object'
      ? ((body as { error: Record<string, unknown> }).error ?? {})
      : {};
  const details = Array.isArray(error.details)
    ? error.details.filter(
        (detail): detail is Record<string, unknown> => typeof detail === 'object' && detail !== null,
      )
    : [];
  return {
    status: typeof error.status === 'string' ? error.status : undefined,
    message:
      typeof error.message === 'string' ? error.message : typeof body === 'string' && body ? body : undefined,
    details,
  };
}

/** The details of one type, matched by the end of `@type` (`google.rpc.BadRequest`, `….GoogleAdsFailure`). */
export function detailsOfType(error: GoogleError, type: string): Record<string, unknown>[] {
  return error.details.filter(
    (detail) => typeof detail['@type'] === 'string' && detail['@type'].endsWith(type),
  );
}

/** `HTTP 400 INVALID_ARGUMENT: Request contains an invalid argument.` */
export function describeAnswer(answer: GoogleAnswer, error: GoogleError): string {
  return `HTTP ${answer.status}${error.status ? ` ${error.status}` : ''}${error.message ? `: ${error.message}` : ''}`;
}

/**
 * The outcome of an answer that is the same for every event whatever the API: 2xx is handled by the
 * caller; 408, 409 (ABORTED), 429 and 5xx are passing trouble (with `Retry-After` when sent); other
 * 4xx are permanent. Redirects, which are never followed, and other oddities are retried.
 */
export function outcomeByStatus(answer: GoogleAnswer, description: string, now: Date): SendResult {
  const { status } = answer;
  if (status >= 400 && status < 500 && status !== 408 && status !== 409 && status !== 429) {
    return { kind: 'permanent', status, error: clip(description) };
  }
  const retryAfterMs = parseRetryAfter(answer.retryAfter, now);
  return {
    kind: 'retry',
    status,
    error: clip(description),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
}
