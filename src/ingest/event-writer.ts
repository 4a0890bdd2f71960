import { markDirtyHours } from '../analytics/rollups/dirty-hours.ts';
import { companyCredits, type SessionBefore, type SessionTotals } from '../companies/company-credits.ts';
import { upsertCompanies } from '../companies/upsert-companies.ts';
import { copyInto, runScript, sqlValues, type ScriptStatement, type SqlType } from '../db/copy.ts';
import type { Pool, PoolClient } from '../db/pool.ts';
import { ensureEventPartitions } from '../db/partitions.ts';
import { AppError } from '../errors.ts';
import { newId } from '../lib/ids.ts';
import { EVENT_COLUMNS, type EventRow } from './event-row.ts';
import { assignSessions, sessionKey, type SessionDelta, type SessionState } from './sessions.ts';

export type WriteOutcome = { status: 'accepted'; id: string } | { status: 'duplicate'; id: string | null };

export interface EventWriterOptions {
  db: Pool;
  /** Flush lanes. A visitor always maps to one lane, so its events are sessionised in order. */
  lanes?: number;
  /** Rows per transaction at most. */
  maxBatchRows?: number;
  /** Rows waiting in memory at most; beyond this, writes are refused with 503 (backpressure). */
  maxBufferedRows?: number;
  /**
   * Rows one site may always hold, however many sites share the buffer. Above it, a site may hold
   * its fair share: the buffer divided by the sites holding rows, plus one share kept for the next.
   */
  minSiteShare?: number;
  log?: { error(object: object, message: string): void };
}

export interface EventWriterStats {
  buffered: number;
  batches: number;
  rowsWritten: number;
  duplicates: number;
  failedBatches: number;
  /** Transactions retried after a deadlock or serialization failure. */
  lockRetries: number;
  rejectedFull: number;
  /** Requests refused because their site held more than its share of the buffer. */
  rejectedSiteShare: number;
}

export interface EventWriter {
  /** Resolves once the rows are committed (or found to be duplicates); rejects with a 503 AppError. */
  /**
   * `deliveries[i]` are the destination deliveries of `rows[i]`: written in the same transaction
   * as the row if it is stored, and not at all if it turns out to be a duplicate.
   */
  write(rows: EventRow[], deliveries?: ReadonlyArray<readonly DeliveryDraft[]>): Promise<WriteOutcome[]>;
  stats(): EventWriterStats;
  /**
   * Calls `listener` with the rows each transaction stored (duplicates left out), after its COMMIT
   * and before its requests are answered. It runs on the commit path: it must return at once and
   * leave any work for later. A listener that throws is logged, never fails the write.
   * Returns a function that removes the listener.
   */
  onCommitted(listener: CommittedListener): () => void;
  /** Stops taking writes and waits until everything buffered is committed. */
  close(): Promise<void>;
}

export type CommittedListener = (rows: readonly EventRow[]) => void;

/** One request: all its rows commit in one transaction, or none do. */
/** A row of `deliveries` (migration 012): one event for one destination, queued with the event. */
export interface DeliveryDraft {
  site_id: string;
  destination_id: string;
  destination_type: string;
  event_row_id: string;
  event_received_at: Date;
  /** The client's full address, sealed, for platforms that match on it; else null. */
  sealed_ip: string | null;
  /** Due when its event arrived. */
  next_attempt_at: Date;
}

const DELIVERY_COLUMNS = [
  'site_id',
  'destination_id',
  'destination_type',
  'event_row_id',
  'event_received_at',
  'sealed_ip',
  'next_attempt_at',
] as const satisfies ReadonlyArray<keyof DeliveryDraft>;

interface Pending {
  rows: EventRow[];
  deliveries: ReadonlyArray<readonly DeliveryDraft[]> | undefined;
  /** Index of each row in its request, so outcomes go back in order. */
  outcomes: WriteOutcome[];
  remaining: number;
  resolve(outcomes: WriteOutcome[]): void;
  reject(error: Error): void;
  /** Its rows per site, which count against each site's share of the buffer until they are taken. */
  rowsBySite: Map<string, number>;
  /** Set when its visitors map to several lanes (see crossLanes). */
  across?: AcrossLanes;
}

interface AcrossLanes {
  lanes: Lane[];
  /** Lanes that have reached the request at the head of their queue. */
  arrived: number;
  /** Committed in the batch of an earlier request across the same lanes: the lanes pass it by. */
  taken: boolean;
  /** Settles when the request's transaction is over, so the lanes go on. */
  done: Promise<void>;
  finish(): void;
}

interface Entry {
  row: EventRow;
  index: number;
  pending: Pending;
}

interface Lane {
  /** Whole requests, in arrival order; a request across lanes sits in the queue of each of its lanes. */
  queue: Pending[];
  flushing: Promise<void> | undefined;
}

const SESSION_COLUMNS = [
  ['id', 'text'],
  ['site_id', 'text'],
  ['visitor_id', 'text'],
  ['started_at', 'timestamptz'],
  ['last_seen_at', 'timestamptz'],
  ['entry_path', 'text'],
  ['exit_path', 'text'],
  ['pageviews', 'integer'],
  ['events', 'integer'],
  ['referrer', 'text'],
  ['referrer_host', 'text'],
  ['referrer_type', 'text'],
  ['utm_source', 'text'],
  ['utm_medium', 'text'],
  ['utm_campaign', 'text'],
  ['utm_term', 'text'],
  ['utm_content', 'text'],
  ['country', 'text'],
  ['device_type', 'text'],
  ['browser_name', 'text'],
  ['os_name', 'text'],
  ['company_domain', 'text'],
  ['is_bot', 'boolean'],
  ['campaign_key', 'text'],
] as const satisfies ReadonlyArray<readonly [keyof SessionDelta, SqlType]>;
const SESSION_COLUMN_NAMES = SESSION_COLUMNS.map(([name]) => name);

/**
 * Upserts a batch's session totals, given inline as VALUES: a temporary table to COPY them into
 * cost ~1.2 ms a transaction, mostly truncating its file at every commit. Returns the upserted
 * sessions as one JSON text value.
 */
const upsertSessions = (sessions: readonly SessionDelta[]) => `WITH upserted AS (
    INSERT INTO sessions (${SESSION_COLUMN_NAMES.join(', ')}, duration_s, is_bounce)
    SELECT s.*, GREATEST(0, EXTRACT(EPOCH FROM s.last_seen_at - s.started_at))::integer, s.pageviews + s.events <= 1
    FROM (${sqlValues(sessions, SESSION_COLUMNS)}) AS s (${SESSION_COLUMN_NAMES.join(', ')})
    ON CONFLICT (site_id, id) DO UPDATE SET
      last_seen_at = GREATEST(sessions.last_seen_at, EXCLUDED.last_seen_at),
      entry_path = COALESCE(sessions.entry_path, EXCLUDED.entry_path),
      exit_path = CASE WHEN EXCLUDED.last_seen_at >= sessions.last_seen_at AND EXCLUDED.exit_path IS NOT NULL
                       THEN EXCLUDED.exit_path ELSE sessions.exit_path END,
      pageviews = sessions.pageviews + EXCLUDED.pageviews,
      events = sessions.events + EXCLUDED.events,
      duration_s = GREATEST(0, EXTRACT(EPOCH FROM GREATEST(sessions.last_seen_at, EXCLUDED.last_seen_at) - sessions.started_at))::integer,
      is_bounce = sessions.pageviews + EXCLUDED.pageviews + sessions.events + EXCLUDED.events <= 1,
      company_domain = COALESCE(sessions.company_domain, EXCLUDED.company_domain)
    RETURNING site_id, id, company_domain, pageviews, duration_s, started_at, last_seen_at, is_bot
  )
  SELECT coalesce(json_agg(upserted), '[]')::text FROM upserted`;

const EVENT_ID_COLUMNS = ['site_id', 'event_id', 'received_at', 'row_id'] as const;

/** A visitor's latest session, as the lookup returns it (JSON, so the time is a string). */
type LatestSession = {
  site_id: string;
  visitor_id: string;
  id: string;
  last_seen_at: string;
  started_at: string;
  campaign: string | null;
} & SessionBefore;

/**
 * One read before the batch's rows are built, outside the write transaction: which eventIds are
 * stored already (with the stored event's id), and each visitor's latest session of the last day.
 * `= ANY` on both columns of each index, the near-unique one leading (migration 007), leaves the
 * planner one sensible plan, a probe per key, at any table size, in the generic plan of this
 * prepared statement and on PostgreSQL before 17, which may use only the leading column's `= ANY`
 * (it may match pairs from the cross product of sites and keys; the caller looks up only its own).
 * Earlier shapes degraded as the tables grew: a join on unnest scanned all of sessions or event_ids
 * (3.6 ms a batch of 13 at 5,000 sessions); LATERAL … LIMIT 1 let a cached plan walk a whole index
 * for each key (seconds); site_id leading read all of a site's entries on PostgreSQL 15.
 */
export const FIND_KNOWN_IDS_AND_SESSIONS = `SELECT
    (SELECT coalesce(json_agg(json_build_array(site_id, event_id, row_id)), '[]')
     FROM event_ids
     WHERE event_id = ANY($2::text[]) AND site_id = ANY($1::text[])) AS known,
    (SELECT coalesce(json_agg(latest), '[]') FROM (
       SELECT DISTINCT ON (site_id, visitor_id) site_id, visitor_id, id, last_seen_at, started_at,
              campaign_key AS campaign, company_domain, pageviews, duration_s
       FROM sessions
       WHERE visitor_id = ANY($4::text[]) AND site_id = ANY($3::text[])
         AND last_seen_at > now() - interval '1 day'
       ORDER BY site_id, visitor_id, last_seen_at DESC
     ) AS latest) AS latest`;

/** eventIds are unique per site: the key of one in the writer's maps. */
const eventIdKey = (siteId: string, eventId: string | null) => `${siteId}\u0000${eventId}`;

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function laneOf(row: EventRow, lanes: number): number {
  const key = row.visitor_id === null ? row.id : sessionKey(row.site_id, row.visitor_id);
  let hash = 0;
  for (let index = 0; index < key.length; index++) hash = (hash * 31 + key.charCodeAt(index)) | 0;
  return Math.abs(hash) % lanes;
}

/** SQLSTATE classes 22 (data exception) and 23 (integrity violation): the data is at fault, not the database. */
function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

/** Another writer stored one of the batch's eventIds between our lookup and our COPY. */
function isEventIdRace(error: unknown): boolean {
  const { code, constraint } = error as { code?: unknown; constraint?: unknown };
  return code === '23505' && constraint === 'event_ids_pkey';
}

/** How long, and up to twice as long, a batch waits before it runs again after a deadlock. */
const LOCK_RETRY_DELAY_MS = 25;

/** A deadlock (40P01) or serialization failure (40001): the transaction may succeed if run again. */
function isLockConflict(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === '40P01' || code === '40001';
}

function isMissingPartition(error: unknown): boolean {
  return (
    (error as { code?: unknown }).code === '23514' && /no partition/i.test(String((error as Error).message))
  );
}

/**
 * Group commit: each request's rows wait in a lane; a lane that is not busy flushes at the next tick,
 * and a busy lane's next batch gathers everything that arrived meanwhile. So latency stays at one
 * commit under light load and batches grow with load. A request's promise settles only when the
 * transaction holding its rows has committed: a 2xx never precedes durability. A request's rows are
 * never split between transactions: they commit together or not at all.
 */
export function createEventWriter(options: EventWriterOptions): EventWriter {
  // Two lanes: enough to overlap one commit's round trips with the next batch's, few enough that
  // batches grow under load (four lanes measured 6.6 rows a commit at 50 connections).
  const laneCount = options.lanes ?? 2;
  const maxBatchRows = options.maxBatchRows ?? 1000;
  const maxBufferedRows = options.maxBufferedRows ?? 50_000;
  const minSiteShare = options.minSiteShare ?? 1000;
  const lanes: Lane[] = Array.from({ length: laneCount }, () => ({ queue: [], flushing: undefined }));
  /** Rows each site holds in the lanes' queues; a site holding none has no entry. */
  const bufferedBySite = new Map<string, number>();
  const stats: EventWriterStats = {
    buffered: 0,
    batches: 0,
    rowsWritten: 0,
    duplicates: 0,
    failedBatches: 0,
    lockRetries: 0,
    rejectedFull: 0,
    rejectedSiteShare: 0,
  };
  let closed = false;
  const committedListeners = new Set<CommittedListener>();

  function announceCommitted(results: ReadonlyArray<[Entry, WriteOutcome]>) {
    const rows: EventRow[] = [];
    for (const [entry, outcome] of results) if (outcome.status === 'accepted') rows.push(entry.row);
    if (rows.length === 0) return;
    for (const listener of committedListeners) {
      try {
        listener(rows);
      } catch (error) {
        options.log?.error({ err: error }, 'a listener to committed events failed');
      }
    }
  }

  function settle(entry: Entry, outcome: WriteOutcome) {
    const { pending } = entry;
    pending.outcomes[entry.index] = outcome;
    pending.remaining -= 1;
    if (pending.remaining === 0) pending.resolve(pending.outcomes);
  }

  async function writeBatch(client: PoolClient, entries: Entry[]): Promise<Array<[Entry, WriteOutcome]>> {
    const results: Array<[Entry, WriteOutcome]> = [];
    // Deduplicate inside the batch first: the first row with a given (site, eventId) wins.
    const firstByKey = new Map<string, Entry>();
    const candidates: Entry[] = [];
    const sameBatchDuplicates: Array<[Entry, Entry]> = [];
    for (const entry of entries) {
      const { event_id: eventId, site_id: siteId } = entry.row;
      if (eventId === null) {
        candidates.push(entry);
        continue;
      }
      const key = eventIdKey(siteId, eventId);
      const first = firstByKey.get(key);
      if (first) sameBatchDuplicates.push([entry, first]);
      else {
        firstByKey.set(key, entry);
        candidates.push(entry);
      }
    }

    const keyed = candidates.filter((entry) => entry.row.event_id !== null);
    // Visitors of every candidate, duplicates included: a spare lookup costs less than a round trip.
    const visitors = [
      ...new Map(
        candidates
          .filter((entry) => entry.row.visitor_id !== null)
          .map(({ row }) => [sessionKey(row.site_id, row.visitor_id!), row]),
      ).values(),
    ];
    const {
      rows: [found],
    } = await client.query<{ known: Array<[string, string, string | null]>; latest: LatestSession[] }>({
      name: 'beacon-find-known-ids-and-sessions',
      text: FIND_KNOWN_IDS_AND_SESSIONS,
      values: [
        [...new Set(keyed.map((entry) => entry.row.site_id))],
        [...new Set(keyed.map((entry) => entry.row.event_id))],
        [...new Set(visitors.map((row) => row.site_id))],
        visitors.map((row) => row.visitor_id),
      ],
    });
    const known = new Map(
      found!.known.map(([siteId, eventId, rowId]) => [eventIdKey(siteId, eventId), rowId]),
    );

    const toInsert: Entry[] = [];
    for (const entry of candidates) {
      const key = eventIdKey(entry.row.site_id, entry.row.event_id);
      if (entry.row.event_id === null || !known.has(key)) toInsert.push(entry);
      else results.push([entry, { status: 'duplicate', id: known.get(key) ?? null }]);
    }
    for (const [entry, first] of sameBatchDuplicates) {
      const key = eventIdKey(first.row.site_id, first.row.event_id);
      const id = known.has(key) ? (known.get(key) ?? null) : first.row.id;
      results.push([entry, { status: 'duplicate', id }]);
    }
    if (toInsert.length === 0) return results;

    const rows = toInsert.map((entry) => entry.row);
    const previous = new Map<string, SessionState>();
    /** Each continued session as it was before this batch, for the companies' counters. */
    const before = new Map<string, LatestSession>();
    for (const session of found!.latest) {
      previous.set(sessionKey(session.site_id, session.visitor_id), {
        id: session.id,
        lastSeenAt: new Date(session.last_seen_at),
        campaignKey: session.campaign,
      });
      before.set(sessionKey(session.site_id, session.id), session);
    }
    // Rows that can meet another transaction's (an eventId sent twice, a visitor on two instances)
    // are written in key order, so any two transactions lock them in the same order: no deadlock.
    const sessions = assignSessions(rows, previous, () => newId('ses')).sort(
      (a, b) => compareText(a.site_id, b.site_id) || compareText(a.id, b.id),
    );
    // A session can earn its company credit only if it names a company, now or from before.
    const mayCreditCompanies = sessions.some(
      (session) =>
        session.company_domain !== null ||
        (before.get(sessionKey(session.site_id, session.id))?.company_domain ?? null) !== null,
    );
    // The write transaction as one script, so one round trip. A plain COPY into event_ids turns an
    // eventId stored since the lookup into a unique violation that aborts the whole transaction
    // (see isEventIdRace): nothing half-written. COMMIT waits when companies must be credited first.
    const fresh = rows
      .filter((row) => row.event_id !== null)
      .sort((a, b) => compareText(a.site_id, b.site_id) || compareText(a.event_id!, b.event_id!));
    const statements: ScriptStatement[] = [{ sql: 'BEGIN' }];
    if (fresh.length > 0) {
      statements.push(
        copyInto(
          'event_ids',
          EVENT_ID_COLUMNS,
          fresh.map(({ site_id, event_id, received_at, id }) => ({
            site_id,
            event_id,
            received_at,
            row_id: id,
          })),
        ),
      );
    }
    statements.push(copyInto('events', EVENT_COLUMNS, rows));
    // Deliveries commit with their events: a committed event reaches its destinations even if the
    // process dies right after the commit. Duplicates were left out above, and so are theirs.
    const deliveries = toInsert.flatMap((entry) => entry.pending.deliveries?.[entry.index] ?? []);
    if (deliveries.length > 0) statements.push(copyInto('deliveries', DELIVERY_COLUMNS, deliveries));
    if (sessions.length > 0) {
      statements.push({ sql: upsertSessions(sessions) });
    }
    // Roll-ups (src/analytics/rollups/): the hours of these events, and the starts of continued sessions.
    const dirty = markDirtyHours([
      ...rows.map((row) => ({ site_id: row.site_id, at: row.occurred_at })),
      ...sessions.flatMap((session) => {
        const continued = before.get(sessionKey(session.site_id, session.id));
        return continued ? [{ site_id: session.site_id, at: new Date(continued.started_at) }] : [];
      }),
    ]);
    if (dirty) statements.push(dirty);
    if (!mayCreditCompanies) statements.push({ sql: 'COMMIT' });
    const [upsertedJson] = await runScript(client, statements);
    const upserted = (JSON.parse(upsertedJson ?? '[]') as SessionTotals[]).map((session) => ({
      ...session,
      started_at: new Date(session.started_at),
      last_seen_at: new Date(session.last_seen_at),
    }));
    const credits = companyCredits(
      upserted.map((after) => ({ before: before.get(sessionKey(after.site_id, after.id)), after })),
      rows,
    );
    // Identification happens where events become durable: the companies' counters commit with them.
    // Only a session that another instance named a company since our lookup can surprise us after
    // COMMIT; its credit then follows in a statement of its own.
    await upsertCompanies(client, credits);
    if (mayCreditCompanies) await client.query('COMMIT');
    for (const entry of toInsert) results.push([entry, { status: 'accepted', id: entry.row.id }]);
    return results;
  }

  /**
   * Runs a batch's transaction, once more when it lost a race for an eventId (the lookup then
   * answers it as a duplicate) and once more after a deadlock or serialization failure: this
   * writer takes row locks in key order, but the enrichment backfill does not, nor may an instance
   * of an older version during an upgrade. After a deadlock it first waits a little, so the
   * transaction it lost to takes the locks it was waiting for, rather than meeting it again.
   */
  async function commit(entries: Entry[]): Promise<Array<[Entry, WriteOutcome]>> {
    let retriedRace = false;
    let retriedConflict = false;
    for (;;) {
      const client = await options.db.connect();
      let backOff = false;
      try {
        return await writeBatch(client, entries);
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        if (!retriedRace && isEventIdRace(error)) {
          retriedRace = true;
        } else if (!retriedConflict && isLockConflict(error)) {
          retriedConflict = true;
          backOff = true;
          stats.lockRetries += 1;
        } else {
          throw error;
        }
      } finally {
        client.release();
      }
      if (backOff)
        await new Promise((resolve) => setTimeout(resolve, LOCK_RETRY_DELAY_MS * (1 + Math.random())));
    }
  }

  function fail(batch: readonly Pending[], error: unknown) {
    options.log?.error({ err: error, requests: batch.length }, 'event batch failed to commit');
    const refusal = isDataError(error)
      ? new AppError('bad_request', 'The events could not be stored as sent')
      : new AppError('service_unavailable', 'Events could not be stored right now; retry later', {
          retryAfterSeconds: 5,
        });
    for (const pending of batch) pending.reject(refusal);
  }

  /** Commits whole requests; a data error in one must not fail the others, so it retries per request. */
  async function flushBatch(batch: readonly Pending[]): Promise<void> {
    stats.batches += 1;
    const entries = batch.flatMap((pending) => pending.rows.map((row, index) => ({ row, index, pending })));
    let results: Array<[Entry, WriteOutcome]>;
    try {
      try {
        results = await commit(entries);
      } catch (error) {
        if (!isMissingPartition(error)) throw error;
        await ensureEventPartitions(options.db);
        results = await commit(entries);
      }
    } catch (error) {
      stats.failedBatches += 1;
      if (isDataError(error) && batch.length > 1) {
        for (const pending of batch) await flushBatch([pending]);
      } else {
        fail(batch, error);
      }
      return;
    }
    if (committedListeners.size > 0) announceCommitted(results);
    for (const [entry, outcome] of results) {
      if (outcome.status === 'accepted') stats.rowsWritten += 1;
      else stats.duplicates += 1;
      settle(entry, outcome);
    }
  }

  function hold(pending: Pending) {
    stats.buffered += pending.rows.length;
    for (const [siteId, rows] of pending.rowsBySite) {
      bufferedBySite.set(siteId, (bufferedBySite.get(siteId) ?? 0) + rows);
    }
  }

  /** Its rows leave the buffer when their transaction starts. */
  function release(pending: Pending) {
    stats.buffered -= pending.rows.length;
    for (const [siteId, rows] of pending.rowsBySite) {
      const left = bufferedBySite.get(siteId)! - rows;
      if (left === 0) bufferedBySite.delete(siteId);
      else bufferedBySite.set(siteId, left);
    }
  }

  /**
   * Why a request cannot wait in the buffer now, if it cannot. Each site may hold its fair share:
   * the buffer divided among the sites holding rows and one more, so a site that starts sending
   * while others flood still finds room; never less than minSiteShare. A site above its share is
   * refused while others are still accepted, so one site cannot fill the buffer for all.
   */
  function refusal(rows: number, rowsBySite: Map<string, number>): AppError | undefined {
    let sites = bufferedBySite.size;
    for (const siteId of rowsBySite.keys()) if (!bufferedBySite.has(siteId)) sites += 1;
    const share = Math.max(minSiteShare, Math.floor(maxBufferedRows / (sites + 1)));
    for (const [siteId, count] of rowsBySite) {
      if ((bufferedBySite.get(siteId) ?? 0) + count > share) {
        stats.rejectedSiteShare += 1;
        return new AppError(
          'service_unavailable',
          'This site is sending events faster than they can be stored; retry shortly',
          { retryAfterSeconds: 1 },
        );
      }
    }
    if (stats.buffered + rows > maxBufferedRows) {
      stats.rejectedFull += 1;
      return new AppError('service_unavailable', 'Ingestion is over capacity; retry shortly', {
        retryAfterSeconds: 1,
      });
    }
    return undefined;
  }

  /**
   * Whole requests from the head of a lane's queue, up to maxBatchRows rows (a larger request goes
   * alone), stopping before a request across lanes.
   */
  function takeBatch(queue: Pending[]): Pending[] {
    let count = 0;
    let rows = 0;
    while (count < queue.length) {
      const next = queue[count]!;
      if (next.across !== undefined || (count > 0 && rows + next.rows.length > maxBatchRows)) break;
      rows += next.rows.length;
      count += 1;
    }
    return queue.splice(0, count);
  }

  /**
   * A request whose visitors map to several lanes commits once each of its lanes has reached it,
   * as a batch of its own, while those lanes wait: so its rows share one transaction, and each of
   * its visitors' events still commit in arrival order. Requests are queued in all their lanes at
   * once, so every lane meets them in the same order and no two wait for each other.
   */
  async function crossLanes(pending: Pending, across: AcrossLanes): Promise<void> {
    across.arrived += 1;
    if (across.arrived < across.lanes.length) return across.done;
    const batch = [pending, ...followersAcross(across.lanes, pending.rows.length)];
    for (const member of batch) release(member);
    try {
      await flushBatch(batch);
    } finally {
      for (const member of batch.slice(1)) member.across!.taken = true;
      across.finish();
    }
  }

  /**
   * While its lanes are held for the request at their heads, the requests right behind it in all of
   * them, across exactly those lanes, join its transaction (up to maxBatchRows rows): each is next in
   * every lane it touches, so taking it keeps every visitor's order, and under batch traffic, where
   * most requests span lanes, transactions do not shrink to one request each.
   */
  function followersAcross(held: Lane[], rows: number): Pending[] {
    const followers: Pending[] = [];
    for (let position = 1; ; position++) {
      const next = held[0]!.queue[position];
      if (
        next?.across === undefined ||
        next.across.lanes.length !== held.length ||
        !held.every((lane) => lane.queue[position] === next) ||
        rows + next.rows.length > maxBatchRows
      ) {
        return followers;
      }
      rows += next.rows.length;
      followers.push(next);
    }
  }

  function schedule(lane: Lane) {
    if (lane.flushing || lane.queue.length === 0) return;
    lane.flushing = (async () => {
      // One tick lets the requests parsed in the same event-loop turn join this batch.
      await new Promise((resolve) => setImmediate(resolve));
      while (lane.queue.length > 0) {
        const head = lane.queue[0]!;
        if (head.across?.taken) {
          lane.queue.shift();
          continue;
        }
        if (head.across !== undefined) {
          await crossLanes(head, head.across);
          lane.queue.shift();
          continue;
        }
        const batch = takeBatch(lane.queue);
        for (const pending of batch) release(pending);
        await flushBatch(batch);
      }
    })().finally(() => {
      lane.flushing = undefined;
      schedule(lane);
    });
  }

  return {
    write(rows, deliveries) {
      if (rows.length === 0) return Promise.resolve([]);
      if (closed) {
        return Promise.reject(
          new AppError('service_unavailable', 'Beacon is shutting down; retry', { retryAfterSeconds: 1 }),
        );
      }
      const rowsBySite = new Map<string, number>();
      for (const row of rows) rowsBySite.set(row.site_id, (rowsBySite.get(row.site_id) ?? 0) + 1);
      const refused = refusal(rows.length, rowsBySite);
      if (refused !== undefined) return Promise.reject(refused);
      const touched = [...new Set(rows.map((row) => lanes[laneOf(row, laneCount)]!))];
      return new Promise<WriteOutcome[]>((resolve, reject) => {
        const pending: Pending = {
          rows,
          deliveries,
          outcomes: new Array(rows.length),
          remaining: rows.length,
          resolve,
          reject,
          rowsBySite,
        };
        if (touched.length > 1) {
          let finish = () => {};
          const done = new Promise<void>((resolveDone) => (finish = resolveDone));
          pending.across = { lanes: touched, arrived: 0, taken: false, done, finish };
        }
        hold(pending);
        for (const lane of touched) {
          lane.queue.push(pending);
          schedule(lane);
        }
      });
    },
    stats: () => ({ ...stats }),
    onCommitted(listener) {
      committedListeners.add(listener);
      return () => {
        committedListeners.delete(listener);
      };
    },
    async close() {
      closed = true;
      while (lanes.some((lane) => lane.flushing || lane.queue.length > 0)) {
        await Promise.all(lanes.map((lane) => lane.flushing));
      }
    },
  };
}
