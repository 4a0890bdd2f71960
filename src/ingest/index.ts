import type { Pool } from '../db/pool.ts';
import { noIpEnrichment, type IpEnricher } from '../enrich/ip-enricher.ts';
import { createTrackedConsent } from '../privacy/tracked-consent.ts';
import { createEventWriter } from './event-writer.ts';
import { createPipeline } from './pipeline.ts';
import { createSiteResolver } from './site-resolver.ts';
import type { Ingestion } from './accept-events.ts';
import { createCookielessVisitorIds, type CookielessVisitorIds } from './visitor-ids.ts';

export type { Ingestion } from './accept-events.ts';

/** Wires the ingestion path: site cache → pipeline steps → group-commit writer. */
export function createIngestion(deps: {
  db: Pool;
  /** Connections for the group-commit writer; the main pool when not given. */
  writerDb?: Pool;
  ipEnricher?: IpEnricher;
  log?: { error(object: object, message: string): void };
  maxBufferedRows?: number;
}): Ingestion & { visitorIds: CookielessVisitorIds } {
  const visitorIds = createCookielessVisitorIds({ db: deps.db });
  return {
    sites: createSiteResolver({ db: deps.db }),
    pipeline: createPipeline({ visitorIds, ipEnricher: deps.ipEnricher ?? noIpEnrichment }),
    writer: createEventWriter({
      db: deps.writerDb ?? deps.db,
      log: deps.log,
      maxBufferedRows: deps.maxBufferedRows,
    }),
    consent: createTrackedConsent({ db: deps.db, visitorIds }),
    visitorIds,
  };
}
