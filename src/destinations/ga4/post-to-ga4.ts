import type { SendContext } from '../destination-type.ts';
import type { Ga4Config } from './ga4-config.ts';

/** How long one request to GA4 may take, answer included, unless the destination is told otherwise. */
export const GA4_REQUEST_TIMEOUT_MS = 10_000;

const ANSWER_TEXT_MAX = 2_000;

export type Ga4Answer =
  | { kind: 'answered'; status: number; text: string; retryAfter: string | null }
  | { kind: 'failed'; error: string };

/**
 * POSTs a JSON body to a Measurement Protocol path (`/mp/collect`, `/debug/mp/collect`) of
 * `urls.ga4`. Never throws: a network error, the request bound or the engine's signal is a
 * `failed` answer. Error texts never carry the URL, whose query holds the API secret.
 */
export async function postToGa4({
  path,
  body,
  context,
  timeoutMs,
}: {
  path: '/mp/collect' | '/debug/mp/collect';
  body: unknown;
  context: SendContext<Ga4Config>;
  timeoutMs: number;
}): Promise<Ga4Answer> {
  const query = new URLSearchParams({
    measurement_id: context.config.measurementId,
    api_secret: context.config.apiSecret,
  });
  const url = `${context.urls.ga4.replace(/\/+$/, '')}${path}?${query}`;
  const signal = AbortSignal.any([context.signal, AbortSignal.timeout(timeoutMs)]);
  try {
    const response = await context.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      redirect: 'manual',
      signal,
    });
    const text = await response.text();
    return {
      kind: 'answered',
      status: response.status,
      text: text.slice(0, ANSWER_TEXT_MAX),
      retryAfter: response.headers.get('retry-after'),
    };
  } catch (error) {
    if (context.signal.aborted) return { kind: 'failed', error: 'sending was stopped before GA4 answered' };
    if (signal.aborted) return { kind: 'failed', error: `GA4 did not answer within ${timeoutMs} ms` };
    const cause = (error as { cause?: { message?: unknown } }).cause?.message;
    const message = typeof cause === 'string' && cause ? cause : (error as Error).message;
    return { kind: 'failed', error: `GA4 could not be reached: ${String(message).slice(0, 200)}` };
  }
}
