import { refreshRollups } from '../analytics/rollups/index.ts';
import { rescoreChangedCompanies } from '../companies/index.ts';
import { ensureEventPartitions } from '../db/partitions.ts';
import type { Pool } from '../db/pool.ts';
import { deliveryQueue, type DeliverDeps } from '../destinations/deliver.ts';
import { DESTINATION_TYPES } from '../destinations/registry.ts';
import type { Enrichment } from '../enrich/index.ts';
import { EVENT_ID_DEDUP_DAYS, pruneEventIds } from '../ingest/prune-event-ids.ts';
import type { CookielessVisitorIds } from '../ingest/visitor-ids.ts';
import { clientReportJobs, type ReportMailDeps } from '../reports/send-report-mails.ts';
import { enforceRetention } from '../privacy/retention/enforce-retention.ts';
import { erasureQueue } from '../privacy/erasure-queue.ts';
import type { EraseDeps } from '../privacy/erase-from-site.ts';
import type { PubSub } from '../state/interface.ts';
import { pruneExpiredCredentials } from '../tenancy/prune-expired-credentials.ts';
import type { Backoff } from './backoff.ts';
import type { JobCatalog, PeriodicJob } from './definitions.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Hourly maintenance that failed is tried again after a minute, doubling, never later than the next hour. */
const MAINTENANCE_RETRY: Backoff = { baseDelayMs: MINUTE, maxDelayMs: HOUR, jitter: 0.2 };
/** Jobs of a few seconds' interval back off from 5 s to their interval while they fail. */
const FREQUENT_RETRY: Backoff = { baseDelayMs: 5 * SECOND, maxDelayMs: MINUTE, jitter: 0.2 };
/** Database upkeep, once an hour on one instance; an entry is one line. */
const hourly = (name: string, run: PeriodicJob['run']): PeriodicJob => ({
  name,
  everyMs: HOUR,
  exclusive: true,
  retry: MAINTENANCE_RETRY,
  run,
});

/**
 * Everything Beacon runs in the background: names, intervals, which run on one instance at a time
 * (all of them: each works on the shared database), and the retry budgets.
 */
export function beaconJobs(deps: {
  db: Pool;
  enrichment: Pick<Enrichment, 'backfill'>;
  visitorIds: Pick<CookielessVisitorIds, 'pruneSalts'>;
  pubsub: Pick<PubSub, 'publish'>;
  /** What the destinations' queues send with (fetch, sealer, platform URLs, log). */
  destinations: DeliverDeps;
  /** What client report mails are built and sent with (mailer, BEACON_PUBLIC_URL, log). */
  reports: Omit<ReportMailDeps, 'db'>;
  /** What erasures delete with: the database, the sealer of delivery addresses, the IP caches. */
  erasure: EraseDeps;
  log: { error(object: object, message: string): void };
}): JobCatalog {
  const { db } = deps;
  const reports = clientReportJobs({ ...deps.reports, db });
  return {
    periodic: [
      hourly('event_partitions', ({ now }) => ensureEventPartitions(db, now())),
      hourly('prune_salts', () => deps.visitorIds.pruneSalts()),
      hourly('prune_event_ids', ({ now }) =>
        pruneEventIds(db, new Date(now().getTime() - EVENT_ID_DEDUP_DAYS * DAY)),
      ),
      hourly('prune_expired_credentials', ({ now }) => pruneExpiredCredentials({ db, now: now().getTime() })),
      {
        // Deletes what is past each site's retention, and sites past their grace period (src/privacy/retention/).
        name: 'retention',
        everyMs: DAY,
        exclusive: true,
        retry: MAINTENANCE_RETRY,
        run: (context) => enforceRetention({ db, ...context }),
      },
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
            ...context,
          }),
      },
      {
        name: 'rollups',
        everyMs: 30 * SECOND,
        exclusive: true,
        retry: FREQUENT_RETRY,
        run: (context) => refreshRollups({ db, log: deps.log, ...context }),
      },
      reports.periodic,
    ],
    queues: [
      ...Object.values(DESTINATION_TYPES).map((type) => deliveryQueue(type, deps.destinations)),
      reports.queue,
      erasureQueue(deps.erasure),
    ],
  };
}
