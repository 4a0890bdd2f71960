import type { Pool } from '../db/pool.ts';
import type { PubSub } from '../state/interface.ts';
import { deliverWebhooks } from './deliver-webhooks.ts';
import type { WebhookUrlSealer } from './webhook-urls.ts';
import { rescoreCompanies } from './rescore-companies.ts';

const PAGE = 200;
const WEBHOOK_PAGE = 20;
const MAX_PAGES_PER_TICK = 20;

/**
 * The companies' scheduled work, every `intervalMs` (15 s): rescore what changed (and, once a day,
 * everything, for decay), then send due hot-lead webhooks. Safe on several instances (see each job).
 * Returns a function that stops the timer and waits for a running tick.
 */
export function startCompanyJobs(options: {
  db: Pool;
  pubsub: Pick<PubSub, 'publish'>;
  fetch: typeof fetch;
  log: { error(object: object, message: string): void };
  intervalMs?: number;
  webhookUrls?: WebhookUrlSealer;
}): () => Promise<void> {
  const { db, pubsub, log } = options;
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();
  const tick = async () => {
    // Keep going while full pages come back: after a restart or the daily decay there is a backlog.
    for (let pages = 0; pages < MAX_PAGES_PER_TICK && !stopped; pages++) {
      const result = await rescoreCompanies({
        db,
        pubsub,
        limit: PAGE,
        log,
        webhookUrls: options.webhookUrls,
      });
      if (result.kind === 'busy' || result.scored < PAGE) break;
    }
    for (let pages = 0; pages < MAX_PAGES_PER_TICK && !stopped; pages++) {
      const sent = await deliverWebhooks({
        db,
        fetch: options.fetch,
        limit: WEBHOOK_PAGE,
        webhookUrls: options.webhookUrls,
      });
      if (sent.delivered + sent.retried + sent.failed + sent.cancelled < WEBHOOK_PAGE) break;
    }
  };
  const timer = setInterval(() => {
    running = running.then(tick).catch((error: unknown) => log.error({ err: error }, 'company jobs failed'));
  }, options.intervalMs ?? 15_000);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
