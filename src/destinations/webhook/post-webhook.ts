import { parseRetryAfter } from '../../jobs/backoff.ts';

const TIMEOUT_MS = 5_000;

export type WebhookOutcome =
  | { kind: 'delivered'; status: number }
  | { kind: 'retry'; status: number | null; error: string; retryAfterMs?: number }
  | { kind: 'failed'; status: number | null; error: string };

/**
 * Whether a retry can help: 2xx is delivered; 408, 425, 429 and 5xx are passing trouble; any other
 * answer (Slack's 400 invalid_payload, 403 action_prohibited, 404 no_service, 410 channel_is_archived,
 * or a redirect, which is not followed) will not change by trying again.
 */
export function classifyWebhookResponse(status: number): WebhookOutcome['kind'] {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 408 || status === 425 || status === 429 || status >= 500) return 'retry';
  return 'failed';
}

/**
 * Posts one payload; network errors and timeouts are outcomes (retry), not exceptions. A
 * `Retry-After` on a retryable answer (Slack's 429) is passed on for the runner to honour.
 */
export async function postWebhook(
  url: string,
  payload: unknown,
  fetchFn: typeof fetch,
  timeoutMs = TIMEOUT_MS,
  now: () => Date = () => new Date(),
): Promise<WebhookOutcome> {
  try {
    const response = await fetchFn(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Beacon-Webhooks/1' },
      body: JSON.stringify(payload),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await response.text().catch(() => '')).slice(0, 200);
    const kind = classifyWebhookResponse(response.status);
    if (kind === 'delivered') return { kind, status: response.status };
    const error = `HTTP ${response.status}${body ? `: ${body}` : ''}`;
    if (kind === 'failed') return { kind, status: response.status, error };
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), now());
    return { kind, status: response.status, error, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  } catch (error) {
    return { kind: 'retry', status: null, error: (error as Error).message.slice(0, 200) || 'request failed' };
  }
}
