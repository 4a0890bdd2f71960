import { parseRetryAfter } from '../../jobs/backoff.ts';
import type { OutgoingEvent, SendContext, SendResult } from '../destination-type.ts';
import { buildGa4Requests } from './build-requests.ts';
import type { Ga4Config } from './ga4-config.ts';
import { mapGa4Event, type Ga4Event, type Ga4RequestFields } from './map-event.ts';
import { postToGa4, type Ga4Answer } from './post-to-ga4.ts';

/**
 * Sends a batch to GA4's `/mp/collect`: each event mapped (or skipped, or refused as too old), the
 * rest grouped into requests per client, the requests sent side by side, each bounded by
 * `timeoutMs`. Every event of a request shares its outcome.
 */
export async function sendGa4Events(
  batch: readonly OutgoingEvent[],
  context: SendContext<Ga4Config>,
  { timeoutMs }: { timeoutMs: number },
): Promise<Map<number, SendResult>> {
  const results = new Map<number, SendResult>();
  const mapped: Array<{ id: number; request: Ga4RequestFields; event: Ga4Event }> = [];
  const now = context.now();
  for (const { id, event, rule } of batch) {
    const result = mapGa4Event(event, rule, now);
    if (result.kind === 'mapped') mapped.push({ id, request: result.request, event: result.event });
    else if (result.kind === 'skipped') results.set(id, { kind: 'skipped', reason: result.reason });
    else results.set(id, { kind: 'permanent', error: result.error });
  }

  const { requests, tooLarge } = buildGa4Requests(mapped);
  for (const id of tooLarge) {
    results.set(id, {
      kind: 'permanent',
      error: "the event alone is larger than GA4's 130 kB request limit",
    });
  }
  await Promise.all(
    requests.map(async ({ body, ids }) => {
      const answer = await postToGa4({ path: '/mp/collect', body, context, timeoutMs });
      const result = ga4SendResult(answer, context.now());
      for (const id of ids) results.set(id, result);
    }),
  );
  return results;
}

/**
 * What an answer of `/mp/collect` means. GA4 answers 2xx to every request it received, even one
 * whose events it then drops, so a 2xx is all there is to know. Timeouts, network errors, 408,
 * 425, 429 and 5xx are passing trouble (after `Retry-After` when GA4 sends one); any other status,
 * redirects included (not followed), says the request itself is wrong: retrying it cannot help.
 */
export function ga4SendResult(answer: Ga4Answer, now: Date): SendResult {
  if (answer.kind === 'failed') return { kind: 'retry', error: answer.error };
  const { status } = answer;
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  const error = `GA4 answered HTTP ${status}${answer.text ? `: ${answer.text.slice(0, 200)}` : ''}`;
  if (status === 408 || status === 425 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(answer.retryAfter, now);
    return { kind: 'retry', error, status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  }
  return { kind: 'permanent', error, status };
}
