import { parseRetryAfter } from '../../jobs/backoff.ts';
import type { SendResult } from '../destination-type.ts';
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

/** Google Ads imports a click only once it is 6 hours old, and a new conversion action after 6 hours. */
export const TOO_RECENT_WAIT_MS = 6 * 3600_000;
const TOO_RECENT = new Set(['TOO_RECENT_EVENT', 'TOO_RECENT_CONVERSION_ACTION']);
/**
 * Already recorded by an earlier attempt whose answer was lost (or the same order sent again): the
 * conversion is there, as Data Manager's silent deduplication would have it.
 */
const ALREADY_RECORDED = new Set(['CLICK_CONVERSION_ALREADY_EXISTS', 'ORDER_ID_ALREADY_IN_USE']);

/** One `GoogleAdsError`: its code (`TOO_RECENT_EVENT`), message, and the conversion it is about. */
export interface AdsError {
  code: string;
  message: string;
  index: number | undefined;
}

const asRecord = (value: unknown) =>
  (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;

/** `{errorCode: {conversionUploadError: 'TOO_RECENT_EVENT'}, message, location: {fieldPathElements: [{fieldName: 'conversions', index: 2}]}}` */
function adsError(raw: unknown): AdsError {
  const record = asRecord(raw);
  const code = Object.values(asRecord(record.errorCode)).find(
    (value): value is string => typeof value === 'string',
  );
  const elements = asRecord(record.location).fieldPathElements;
  const conversion = (Array.isArray(elements) ? elements : [])
    .map(asRecord)
    .find((element) => element.fieldName === 'conversions' && Number.isInteger(element.index));
  return {
    code: code ?? 'UNKNOWN',
    message: typeof record.message === 'string' ? record.message : '',
    index: conversion ? (conversion.index as number) : undefined,
  };
}

/** Every `GoogleAdsError` of a `google.rpc.Status` (an HTTP error or the 200's `partialFailureError`). */
export function adsErrorsOf(error: GoogleError): AdsError[] {
  return detailsOfType(error, 'GoogleAdsFailure').flatMap((failure) =>
    (Array.isArray(failure.errors) ? failure.errors : []).map(adsError),
  );
}

const describeErrors = (errors: readonly AdsError[]) =>
  errors.map((error) => `${error.code}${error.message ? `: ${error.message}` : ''}`).join('; ');

function outcomeOfErrors(errors: readonly AdsError[]): SendResult {
  if (errors.every((error) => ALREADY_RECORDED.has(error.code))) return { kind: 'delivered' };
  const said = clip(`Google Ads refused it: ${describeErrors(errors)}`);
  if (errors.every((error) => TOO_RECENT.has(error.code) || ALREADY_RECORDED.has(error.code))) {
    return { kind: 'retry', error: said, retryAfterMs: TOO_RECENT_WAIT_MS };
  }
  return { kind: 'permanent', error: said };
}

const isEmptyResult = (result: unknown) =>
  typeof result !== 'object' || result === null || Object.keys(result).length === 0;

/**
 * A 200 with partial failures: `partialFailureError` lists errors by conversion index, and
 * `results[i]` is an empty object for every conversion that failed. A conversion with an error of
 * its own gets that error's outcome; one with an empty result and no error of its own shares the
 * errors that name no conversion.
 */
function partialOutcomes(body: unknown, count: number): SendResult[] {
  const record = asRecord(body);
  const failure =
    record.partialFailureError === undefined
      ? undefined
      : googleErrorOf({ error: record.partialFailureError });
  const results = Array.isArray(record.results) ? record.results : [];
  const errors = failure ? adsErrorsOf(failure) : [];
  const unindexed = errors.filter((error) => error.index === undefined);
  return Array.from({ length: count }, (_, index): SendResult => {
    const own = errors.filter((error) => error.index === index);
    if (own.length > 0) return outcomeOfErrors(own);
    if (failure === undefined || !isEmptyResult(results[index])) return { kind: 'delivered' };
    if (unindexed.length > 0) return outcomeOfErrors(unindexed);
    return {
      kind: 'permanent',
      error: clip(`Google Ads refused it: ${failure.message ?? 'no reason given'}`),
    };
  });
}

function forbiddenRemedy(errors: readonly AdsError[]): string {
  const codes = new Set(errors.map((error) => error.code));
  if (codes.has('CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE')) {
    return 'Google no longer lets this account use uploadClickConversions: set the destination\'s api to "datamanager"';
  }
  if (codes.has('DEVELOPER_TOKEN_NOT_APPROVED')) {
    return 'the developer token is approved for test accounts only: apply for Basic access in the Google Ads API Center';
  }
  return "the credential's Google account needs access to the customer, directly or through the manager account set as loginCustomerId";
}

/** `quotaErrorDetails.retryDelay` (`"30s"`) of a RESOURCE_EXHAUSTED, as milliseconds. */
function quotaRetryDelayMs(error: GoogleError): number | undefined {
  for (const failure of detailsOfType(error, 'GoogleAdsFailure')) {
    for (const raw of Array.isArray(failure.errors) ? failure.errors : []) {
      const delay = asRecord(asRecord(asRecord(raw).details).quotaErrorDetails).retryDelay;
      const seconds = typeof delay === 'string' ? /^(\d+(?:\.\d+)?)s$/.exec(delay)?.[1] : undefined;
      if (seconds !== undefined) return Math.round(Number(seconds) * 1000);
    }
  }
  return undefined;
}

/** What an `uploadClickConversions` answer means for the `count` conversions it carried. */
export function interpretUploadAnswer(answer: GoogleAnswer, count: number, now: Date): Verdict {
  if (answer.status >= 200 && answer.status < 300)
    return { kind: 'each', results: partialOutcomes(answer.body, count) };
  const error = googleErrorOf(answer.body);
  const errors = adsErrorsOf(error);
  const said = `${describeAnswer(answer, error)}${errors.length > 0 ? ` (${describeErrors(errors)})` : ''}`;
  if (answer.status === 401) {
    const message = `Google Ads refused the access token or developer token (${said}): renew the destination's oauth credential or developerToken`;
    return { kind: 'unauthenticated', result: { kind: 'permanent', status: 401, error: clip(message) } };
  }
  if (answer.status === 403) {
    const message = `Google Ads refused access (${said}): ${forbiddenRemedy(errors)}`;
    return { kind: 'all', result: { kind: 'permanent', status: 403, error: clip(message) } };
  }
  if (
    answer.status === 400 &&
    errors.length > 0 &&
    errors.every((adsError) => adsError.index !== undefined)
  ) {
    const atFault = new Map<number, SendResult>();
    for (const index of new Set(errors.map((adsError) => adsError.index as number))) {
      if (index >= count) continue;
      const outcome = outcomeOfErrors(errors.filter((adsError) => adsError.index === index));
      atFault.set(index, outcome.kind === 'permanent' ? { ...outcome, status: 400 } : outcome);
    }
    if (atFault.size > 0) return { kind: 'refused', atFault };
  }
  const result = outcomeByStatus(answer, `Google Ads answered ${said}`, now);
  if (answer.status === 429 && result.kind === 'retry') {
    const fromHeader = parseRetryAfter(answer.retryAfter, now);
    const wait = Math.max(quotaRetryDelayMs(error) ?? 0, fromHeader ?? 0);
    return { kind: 'all', result: { ...result, ...(wait > 0 ? { retryAfterMs: wait } : {}) } };
  }
  return { kind: 'all', result };
}
