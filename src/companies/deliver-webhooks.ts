import type { Queryable } from '../db/pool.ts';
import { parseRetryAfter } from '../jobs/backoff.ts';
import type { JobContext, JobOutcome, QueuedJob } from '../jobs/definitions.ts';
import { parseWebhookUrls } from './hot-lead-notification.ts';
import { plainWebhookUrls, type WebhookUrlSealer } from './webhook-urls.ts';

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

/** A hot-lead webhook as the job runner hands it over: a row of webhook_deliveries. */
export interface WebhookJob extends QueuedJob {
  site_id: string;
  url: string;
  payload: unknown;
}

/** The columns of webhook_deliveries a WebhookJob carries. */
export const WEBHOOK_JOB_COLUMNS = ['site_id', 'url', 'payload'] as const;

/**
 * The handler of the webhook_deliveries queue: posts a batch of hot-lead webhooks. It reloads the
 * sites' settings first: a URL no longer among the site's webhooks, or a deleted site, cancels its
 * deliveries without a call. Retries, their backoff and the final failure are the runner's
 * (src/jobs/catalog.ts holds the budget).
 */
export async function deliverWebhooks(
  jobs: readonly WebhookJob[],
  {
    db,
    fetch: fetchFn,
    now,
    webhookUrls = plainWebhookUrls,
    timeoutMs,
  }: Pick<JobContext, 'now'> & {
    db: Queryable;
    fetch: typeof fetch;
    /** How webhook URLs are stored (sealed in production). */
    webhookUrls?: WebhookUrlSealer;
    timeoutMs?: number;
  },
): Promise<Map<number, JobOutcome>> {
  const { rows: sites } = await db.query<{ id: string; webhooks: unknown; deleted: boolean }>(
    'SELECT id, webhooks, deleted_at IS NOT NULL AS deleted FROM sites WHERE id = ANY($1::text[])',
    [[...new Set(jobs.map((job) => job.site_id))]],
  );
  const configured = new Map(
    sites.map((site) => [site.id, site.deleted ? [] : parseWebhookUrls(site.webhooks, webhookUrls.open)]),
  );
  const outcomes = await Promise.all(
    jobs.map(async (job): Promise<[number, JobOutcome]> => {
      let target: string | undefined;
      try {
        target = webhookUrls.open(job.url);
      } catch {
        target = undefined;
      }
      if (target === undefined || !(configured.get(job.site_id) ?? []).includes(target)) {
        return [job.id, { kind: 'cancelled', reason: 'webhook no longer configured' }];
      }
      const outcome = await postWebhook(target, job.payload, fetchFn, timeoutMs, now);
      const record = { last_status: outcome.status };
      switch (outcome.kind) {
        case 'delivered':
          return [job.id, { kind: 'done', record }];
        case 'failed':
          return [job.id, { kind: 'failed', error: outcome.error, record }];
        case 'retry':
          return [
            job.id,
            { kind: 'retry', error: outcome.error, retryAfterMs: outcome.retryAfterMs, record },
          ];
      }
    }),
  );
  return new Map(outcomes);
}
