import type { JobOutcome, Queue, QueuedJob } from '../jobs/definitions.ts';
import { sitesOfPerson } from './data-subject.ts';
import {
  addCounts,
  eraseFromSite,
  noneErased,
  type EraseDeps,
  type ErasureScope,
} from './erase-from-site.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** A claimed erasure: the subject as requested (see migration 019). */
export interface ErasureJob extends QueuedJob {
  agency_id: string;
  site_id: string | null;
  subject_kind: 'visitor' | 'user' | 'email';
  visitor_id: string | null;
  user_id: string | null;
  email_hash: string | null;
}

/** The sites and visitor ids the job erases; a person's are looked up anew at every attempt. */
async function subjectSites(deps: EraseDeps, job: ErasureJob): Promise<ErasureScope[]> {
  if (job.subject_kind === 'visitor') {
    return [{ siteId: job.site_id!, visitorIds: [job.visitor_id!], userId: null }];
  }
  return sitesOfPerson(
    deps.db,
    job.agency_id,
    job.subject_kind === 'user'
      ? { kind: 'user', userId: job.user_id! }
      : { kind: 'email', emailHash: job.email_hash! },
  );
}

async function runErasure(deps: EraseDeps, job: ErasureJob): Promise<JobOutcome> {
  // A retry writes the subject back (an outcome's record columns left out are written as null); a
  // finished erasure keeps only its counts.
  const subject = { visitor_id: job.visitor_id, user_id: job.user_id, email_hash: job.email_hash };
  try {
    let erased = noneErased();
    for (const site of await subjectSites(deps, job))
      erased = addCounts(erased, await eraseFromSite(deps, site));
    return { kind: 'done', record: { erased } };
  } catch (error) {
    return { kind: 'retry', error: error instanceof Error ? error.message : String(error), record: subject };
  }
}

/**
 * Erasures run as a queue of the job runner on the `erasures` outbox (migration 019): durable from
 * the request's commit, so one survives a restart, and at least once, which erasure tolerates (a
 * repeat finds less to delete). One at a time per instance: an erasure of a person reads every
 * site of the agency, and nothing about it is urgent to the second.
 */
export function erasureQueue(deps: EraseDeps, options: { agencyId?: string } = {}): Queue<ErasureJob> {
  return {
    name: 'erasures',
    table: 'erasures',
    columns: ['agency_id', 'site_id', 'subject_kind', 'visitor_id', 'user_id', 'email_hash'],
    filters: options.agencyId === undefined ? [] : [{ column: 'agency_id', value: options.agencyId }],
    recordColumns: { visitor_id: 'text', user_id: 'text', email_hash: 'text', erased: 'jsonb' },
    batchSize: 1,
    pollMs: SECOND,
    // Deleting a big visitor's rows a batch at a time may take minutes; a job whose worker died
    // comes back after this.
    leaseMs: 15 * MINUTE,
    retry: { maxAttempts: 20, baseDelayMs: 30 * SECOND, maxDelayMs: 6 * HOUR, jitter: 0.2 },
    async handle(jobs) {
      const outcomes = new Map<number, JobOutcome>();
      for (const job of jobs) outcomes.set(job.id, await runErasure(deps, job));
      return outcomes;
    },
  };
}
