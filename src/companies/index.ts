import type { Pool } from '../db/pool.ts';
import type { JobContext } from '../jobs/definitions.ts';
import type { PubSub } from '../state/interface.ts';
import { rescoreCompanies } from './rescore-companies.ts';

const PAGE = 200;
const MAX_PAGES_PER_RUN = 20;

/**
 * The rescoring job (src/jobs/catalog.ts runs it every 15 s on one instance at a time): rescores
 * what changed and, once a day, everything, for decay, a page at a time while full pages come
 * back (after a restart or the daily decay there is a backlog). Stops between pages when told to.
 */
export async function rescoreChangedCompanies({
  db,
  pubsub,
  log,
  now,
  signal,
}: JobContext & {
  db: Pool;
  pubsub: Pick<PubSub, 'publish'>;
  log: { error(object: object, message: string): void };
}): Promise<void> {
  for (let pages = 0; pages < MAX_PAGES_PER_RUN && !signal.aborted; pages++) {
    const result = await rescoreCompanies({ db, pubsub, limit: PAGE, log, now });
    if (result.scored < PAGE) return;
  }
}
