import { describe, expect, it } from 'vitest';
import type { Pool } from '../db/pool.ts';
import { plainWebhookUrls } from '../companies/webhook-urls.ts';
import { beaconJobs, WEBHOOK_RETRY } from './catalog.ts';
import { assertValidQueue } from './definitions.ts';

const SECOND = 1000;
const HOUR = 60 * 60 * SECOND;

describe("Beacon's job catalog", () => {
  const catalog = beaconJobs({
    db: {} as Pool,
    enrichment: { backfill: async () => undefined },
    visitorIds: { pruneSalts: async () => undefined },
    pubsub: { publish: async () => undefined },
    fetch,
    webhookUrls: plainWebhookUrls,
    log: { error: () => undefined },
  });

  it.each([
    ['event_partitions', HOUR],
    ['prune_salts', HOUR],
    ['prune_event_ids', HOUR],
    ['prune_expired_credentials', HOUR],
    ['enrichment_backfill', 5 * SECOND],
    ['rescore_companies', 15 * SECOND],
  ])('runs %s every %i ms, on one instance at a time', (name, everyMs) => {
    expect(catalog.periodic.find((job) => job.name === name)).toMatchObject({ everyMs, exclusive: true });
  });

  it('sends hot-lead webhooks from their outbox: 10 attempts, 30 s doubling to 6 h with jitter', () => {
    expect(WEBHOOK_RETRY).toEqual({
      maxAttempts: 10,
      baseDelayMs: 30 * SECOND,
      maxDelayMs: 6 * HOUR,
      jitter: 0.2,
    });
    expect(catalog.queues.map((queue) => [queue.name, queue.table, queue.retry])).toEqual([
      ['webhook_deliveries', 'webhook_deliveries', WEBHOOK_RETRY],
    ]);
    for (const queue of catalog.queues) expect(() => assertValidQueue(queue)).not.toThrow();
  });
});
