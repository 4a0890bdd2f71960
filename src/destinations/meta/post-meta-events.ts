import { parseRetryAfter } from '../../jobs/backoff.ts';
import type { SendContext } from '../destination-type.ts';
import { classifyGraphResponse, type GraphOutcome } from './graph-response.ts';
import type { MetaServerEvent } from './map-meta-event.ts';
import { DEFAULT_META_API_VERSION, type MetaConfig } from './meta-config.ts';

/**
 * How long one request may take. Meta suggests a 1.5 s client timeout for single events and
 * typically answers within 0.6 s; a request of 1,000 events, a slow hop or a busy machine here
 * deserve more, and a hang must still end long before a delivery's lease does.
 */
export const META_REQUEST_TIMEOUT_MS = 5_000;

export type PostContext = Pick<SendContext<MetaConfig>, 'config' | 'fetch' | 'now' | 'urls' | 'signal'>;

/** The token must never reach a log or a delivery's error, even if Meta or a proxy echoes the URL. */
function redact(text: string, token: string): string {
  return token === '' ? text : text.replaceAll(token, '[access token]');
}

function redactOutcome(outcome: GraphOutcome, token: string): GraphOutcome {
  return outcome.kind === 'accepted'
    ? { ...outcome, messages: outcome.messages.map((message) => redact(message, token)) }
    : { ...outcome, error: redact(outcome.error, token) };
}

/**
 * One `POST {META_GRAPH_URL}/{version}/{pixel}/events` with `data` (at most 1,000 events) and the
 * test code, the access token as the `access_token` query parameter, as Meta documents it. Never
 * throws: network errors, timeouts and a stop (`signal`) are retry outcomes.
 */
export async function postMetaEvents(
  events: readonly MetaServerEvent[],
  { config, fetch: fetchFn, now, urls, signal }: PostContext,
  { testEventCode = config.testEventCode, timeoutMs = META_REQUEST_TIMEOUT_MS } = {},
): Promise<GraphOutcome> {
  const version = config.apiVersion ?? DEFAULT_META_API_VERSION;
  const url = new URL(
    `${urls.metaGraph.replace(/\/+$/, '')}/${version}/${encodeURIComponent(config.pixelId)}/events`,
  );
  url.searchParams.set('access_token', config.accessToken);
  const body = { data: events, ...(testEventCode === undefined ? {} : { test_event_code: testEventCode }) };
  const bound = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetchFn(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Beacon-Destinations/1' },
      body: JSON.stringify(body),
      redirect: 'manual',
      signal: AbortSignal.any([signal, bound]),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const outcome = classifyGraphResponse(response.status, parsed);
    if (outcome.kind === 'retry') {
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), now());
      if (retryAfterMs !== undefined) outcome.retryAfterMs = retryAfterMs;
    }
    return redactOutcome(outcome, config.accessToken);
  } catch (error) {
    if (signal.aborted) return { kind: 'retry', error: 'Not sent: the delivery was stopped' };
    if (bound.aborted) return { kind: 'retry', error: `Meta did not answer within ${timeoutMs} ms` };
    const { message, cause } = error as Error;
    const reason = cause instanceof Error ? `${message}: ${cause.message}` : message;
    const described = redact(`Meta could not be reached: ${reason}`, config.accessToken);
    return { kind: 'retry', error: described.slice(0, 300) };
  }
}
