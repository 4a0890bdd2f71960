import { describe, expect, it } from 'vitest';
import type { Pool } from '../db/pool.ts';
import { beaconJobs } from './catalog.ts';
import { assertValidQueue } from './definitions.ts';

const SECOND = 1000;
const HOUR = 60 * 60 * SECOND;

describe("Beacon's job catalog", () => {
  const catalog = beaconJobs({
    db: {} as Pool,
    enrichment: { backfill: async () => undefined },
    visitorIds: { pruneSalts: async () => undefined },
    pubsub: { publish: async () => undefined },
    destinations: {
      db: {} as Pool,
      fetch,
      webhookFetch: fetch,
      sealer: { open: (sealed) => sealed },
      urls: { ga4: '', metaGraph: '', googleDataManager: '', googleAds: '', googleOauthToken: '' },
      log: { warn: () => undefined },
    },
    reports: {
      mailer: { delivers: false, send: async () => undefined },
      publicUrl: 'https://beacon.test.example',
      log: { warn: () => undefined },
    },
    erasure: { db: {} as Pool, openSealedIp: () => undefined, forgetAddresses: async () => undefined },
    log: { error: () => undefined },
  });

  it.each([
    ['event_partitions', HOUR],
    ['prune_salts', HOUR],
    ['prune_event_ids', HOUR],
    ['prune_expired_credentials', HOUR],
    ['enrichment_backfill', 5 * SECOND],
    ['rescore_companies', 15 * SECOND],
    ['rollups', 30 * SECOND],
    ['queue_client_reports', 5 * 60 * SECOND],
    ['retention', 24 * HOUR],
  ])('runs %s every %i ms, on one instance at a time', (name, everyMs) => {
    expect(catalog.periodic.find((job) => job.name === name)).toMatchObject({ everyMs, exclusive: true });
  });

  it('sends each destination platform from the deliveries outbox, webhooks with the hot-lead budget', () => {
    const webhooks = catalog.queues.find((queue) => queue.name === 'deliveries_webhook');
    expect(webhooks).toMatchObject({
      table: 'deliveries',
      filters: [{ column: 'destination_type', value: 'webhook' }],
      retry: { maxAttempts: 10, baseDelayMs: 30 * SECOND, maxDelayMs: 6 * HOUR, jitter: 0.2 },
    });
    for (const queue of catalog.queues) expect(() => assertValidQueue(queue)).not.toThrow();
  });

  it('erases data subjects from the erasures outbox, wiping the subject when an erasure is done', () => {
    expect(catalog.queues.find((queue) => queue.name === 'erasures')).toMatchObject({
      table: 'erasures',
      filters: [],
      recordColumns: { visitor_id: 'text', user_id: 'text', email_hash: 'text', erased: 'jsonb' },
    });
  });
});
