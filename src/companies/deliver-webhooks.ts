import type { Pool } from '../db/pool.ts';
import { parseWebhookUrls } from './hot-lead-notification.ts';
import { plainWebhookUrls, type WebhookUrlSealer } from './webhook-urls.ts';

/** Attempts per delivery, the first included; with the backoff below they span about a day. */
export const WEBHOOK_MAX_ATTEMPTS = 10;
const BASE_DELAY_MS = 30_000;
const MAX_DELAY_MS = 6 * 60 * 60 * 1000;
/** A claimed delivery is invisible to other instances this long; if this one dies, it comes back. */
const LEASE_MS = 2 * 60 * 1000;
const TIMEOUT_MS = 5_000;

export type WebhookOutcome =
  | { kind: 'delivered'; status: number }
  | { kind: 'retry'; status: number | null; error: string }
  | { kind: 'failed'; status: number | null; error: string };

export interface DeliveryStats {
  delivered: number;
  retried: number;
  failed: number;
  cancelled: number;
}

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

/** Exponential backoff with ±20 % jitter after `attempts` failures: 30 s, 1 min, 2 min, … up to 6 h. */
export function retryDelayMs(attempts: number, random: () => number = Math.random): number {
  const exponent = Number.isFinite(attempts) ? Math.min(Math.max(0, Math.floor(attempts) - 1), 20) : 0;
  const delay = Math.min(BASE_DELAY_MS * 2 ** exponent, MAX_DELAY_MS);
  const draw = random();
  const jitter = 0.8 + 0.4 * (Number.isFinite(draw) ? Math.min(Math.max(draw, 0), 1) : 0.5);
  return Math.round(delay * jitter);
}

/** Posts one payload; network errors and timeouts are outcomes (retry), not exceptions. */
export async function postWebhook(
  url: string,
  payload: unknown,
  fetchFn: typeof fetch,
  timeoutMs = TIMEOUT_MS,
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
    return kind === 'delivered'
      ? { kind, status: response.status }
      : { kind, status: response.status, error: `HTTP ${response.status}${body ? `: ${body}` : ''}` };
  } catch (error) {
    return { kind: 'retry', status: null, error: (error as Error).message.slice(0, 200) || 'request failed' };
  }
}

interface Claimed {
  id: number;
  url: string;
  payload: unknown;
  attempts: number;
  webhooks: unknown;
  site_deleted: boolean;
}

/**
 * Sends due hot-lead webhooks from the outbox. Rows are claimed with SKIP LOCKED and leased by
 * moving their next attempt ahead, so instances share the work without holding locks during HTTP
 * calls. A URL no longer in the site's settings (or a deleted site) cancels its deliveries. Each
 * outcome is written only while the row is still pending: the row is the truth.
 */
export async function deliverWebhooks({
  db,
  fetch: fetchFn,
  now = () => new Date(),
  limit = 20,
  siteId,
  random = Math.random,
  timeoutMs,
  webhookUrls = plainWebhookUrls,
}: {
  db: Pool;
  fetch: typeof fetch;
  /** How webhook URLs are stored (sealed in production). */
  webhookUrls?: WebhookUrlSealer;
  now?: () => Date;
  limit?: number;
  /** Deliver one site's webhooks only (tests). */
  siteId?: string;
  random?: () => number;
  timeoutMs?: number;
}): Promise<DeliveryStats> {
  const at = now();
  const { rows } = await db.query<Claimed>(
    `WITH due AS (
       SELECT id FROM webhook_deliveries
       WHERE status = 'pending' AND next_attempt_at <= $1 AND ($3::text IS NULL OR site_id = $3)
       ORDER BY next_attempt_at
       LIMIT $2
       FOR UPDATE SKIP LOCKED
     )
     UPDATE webhook_deliveries d SET next_attempt_at = $4
     FROM due, sites s
     WHERE d.id = due.id AND s.id = d.site_id
     RETURNING d.id, d.url, d.payload, d.attempts, s.webhooks, s.deleted_at IS NOT NULL AS site_deleted`,
    [at, limit, siteId ?? null, new Date(at.getTime() + LEASE_MS)],
  );
  const stats: DeliveryStats = { delivered: 0, retried: 0, failed: 0, cancelled: 0 };
  await Promise.all(
    rows.map(async (delivery) => {
      let target: string | undefined;
      try {
        target = webhookUrls.open(delivery.url);
      } catch {
        target = undefined;
      }
      if (
        delivery.site_deleted ||
        target === undefined ||
        !parseWebhookUrls(delivery.webhooks, webhookUrls.open).includes(target)
      ) {
        await db.query(
          `UPDATE webhook_deliveries SET status = 'cancelled', last_error = 'webhook no longer configured'
           WHERE id = $1 AND status = 'pending'`,
          [delivery.id],
        );
        stats.cancelled += 1;
        return;
      }
      const outcome = await postWebhook(target, delivery.payload, fetchFn, timeoutMs);
      const attempts = delivery.attempts + 1;
      const finalOutcome: WebhookOutcome =
        outcome.kind === 'retry' && attempts >= WEBHOOK_MAX_ATTEMPTS
          ? { ...outcome, kind: 'failed' }
          : outcome;
      const finishedAt = now();
      await db.query(
        `UPDATE webhook_deliveries SET attempts = $2, last_status = $3, last_error = $4,
           status = $5, next_attempt_at = $6, delivered_at = $7
         WHERE id = $1 AND status = 'pending'`,
        [
          delivery.id,
          attempts,
          finalOutcome.status,
          finalOutcome.kind === 'delivered' ? null : finalOutcome.error,
          finalOutcome.kind === 'retry' ? 'pending' : finalOutcome.kind,
          finalOutcome.kind === 'retry'
            ? new Date(finishedAt.getTime() + retryDelayMs(attempts, random))
            : finishedAt,
          finalOutcome.kind === 'delivered' ? finishedAt : null,
        ],
      );
      if (finalOutcome.kind === 'delivered') stats.delivered += 1;
      else if (finalOutcome.kind === 'retry') stats.retried += 1;
      else stats.failed += 1;
    }),
  );
  return stats;
}
