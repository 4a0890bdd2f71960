import { deliverWebhooks, WEBHOOK_JOB_COLUMNS, type WebhookJob } from '../companies/deliver-webhooks.ts';
import { rescoreChangedCompanies } from '../companies/index.ts';
import type { WebhookUrlSealer } from '../companies/webhook-urls.ts';
import { ensureEventPartitions } from '../db/partitions.ts';
import type { Pool } from '../db/pool.ts';
import type { Enrichment } from '../enrich/index.ts';
import { EVENT_ID_DEDUP_DAYS, pruneEventIds } from '../ingest/prune-event-ids.ts';
import type { CookielessVisitorIds } from '../ingest/visitor-ids.ts';
import type { PubSub } from '../state/interface.ts';
import { pruneExpiredCredentials } from '../tenancy/prune-expired-credentials.ts';
import type { Backoff, RetryPolicy } from './backoff.ts';
import type { JobCatalog, PeriodicJob, Queue } from './definitions.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Hourly maintenance that failed is tried again after a minute, doubling, never later than the next hour. */
const MAINTENANCE_RETRY: Backoff = { baseDelayMs: MINUTE, maxDelayMs: HOUR, jitter: 0.2 };
/** Jobs of a few seconds' interval back off from 5 s to their interval while they fail. */
const FREQUENT_RETRY: Backoff = { baseDelayMs: 5 * SECOND, maxDelayMs: MINUTE, jitter: 0.2 };
/** Hot-lead webhooks: 30 s doubling to 6 h, 10 attempts, about a day in all. */
export const WEBHOOK_RETRY: RetryPolicy = {
  maxAttempts: 10,
  baseDelayMs: 30 * SECOND,
  maxDelayMs: 6 * HOUR,
  jitter: 0.2,
};

/** Database upkeep, once an hour on one instance; an entry is one line. */
const hourly = (name: string, run: PeriodicJob['run']): PeriodicJob => ({
  name,
  everyMs: HOUR,
  exclusive: true,
  retry: MAINTENANCE_RETRY,
  run,
});

/** The hot-lead webhook outbox (webhook_deliveries) as a queue of the runner. */
export function webhookDeliveryQueue({
  db,
  fetch,
  webhookUrls,
  siteId,
}: {
  db: Pool;
  fetch: typeof globalThis.fetch;
  webhookUrls?: WebhookUrlSealer;
  /** Only this site's deliveries (tests). */
  siteId?: string;
}): Queue<WebhookJob> {
  return {
    name: 'webhook_deliveries',
    table: 'webhook_deliveries',
    columns: WEBHOOK_JOB_COLUMNS,
    filter: siteId === undefined ? undefined : { column: 'site_id', value: siteId },
    recordColumns: { last_status: 'integer' },
    batchSize: 20,
    pollMs: 5 * SECOND,
    leaseMs: 2 * MINUTE,
    retry: WEBHOOK_RETRY,
    handle: (jobs, { now }) => deliverWebhooks(jobs, { db, fetch, webhookUrls, now }),
  };
}

/**
 * Everything Beacon runs in the background: names, intervals, which run on one instance at a time
 * (all of them: each works on the shared database), and the retry budgets.
 */
export function beaconJobs(deps: {
  db: Pool;
  enrichment: Pick<Enrichment, 'backfill'>;
  visitorIds: Pick<CookielessVisitorIds, 'pruneSalts'>;
  pubsub: Pick<PubSub, 'publish'>;
  fetch: typeof globalThis.fetch;
  webhookUrls: WebhookUrlSealer;
  log: { error(object: object, message: string): void };
}): JobCatalog {
  const { db } = deps;
  return {
    periodic: [
      hourly('event_partitions', ({ now }) => ensureEventPartitions(db, now())),
      hourly('prune_salts', () => deps.visitorIds.pruneSalts()),
      hourly('prune_event_ids', ({ now }) =>
        pruneEventIds(db, new Date(now().getTime() - EVENT_ID_DEDUP_DAYS * DAY)),
      ),
      hourly('prune_expired_credentials', ({ now }) => pruneExpiredCredentials({ db, now: now().getTime() })),
      {
        name: 'enrichment_backfill',
        everyMs: 5 * SECOND,
        exclusive: true,
        retry: FREQUENT_RETRY,
        run: (context) => deps.enrichment.backfill({ db, ...context }),
      },
      {
        name: 'rescore_companies',
        everyMs: 15 * SECOND,
        exclusive: true,
        retry: FREQUENT_RETRY,
        run: (context) =>
          rescoreChangedCompanies({
            db,
            pubsub: deps.pubsub,
            log: deps.log,
            webhookUrls: deps.webhookUrls,
            ...context,
          }),
      },
    ],
    queues: [webhookDeliveryQueue(deps)],
  };
}
