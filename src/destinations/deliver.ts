import type { Queryable } from '../db/pool.ts';
import type { JobContext, JobOutcome, QueuedJob, Queue } from '../jobs/definitions.ts';
import { timeOfId } from '../lib/ids.ts';
import type { Sealer } from '../lib/sealed.ts';
import { carryForward, loadAttributionSources } from './attribution.ts';
import { ruleMatches } from './match-deliveries.ts';
import { openConfig } from './destination-secrets.ts';
import type { DestinationServices } from './destination-services.ts';
import type { DestinationEvent, DestinationType, OutgoingEvent, SendResult } from './destination-type.ts';
import { DESTINATION_COLUMNS, rulesOf, storedConfigOf, type DestinationRow } from './destination-record.ts';
import { postWebhook } from './webhook/post-webhook.ts';

/** A row of `deliveries` as the runner hands it over. */
export interface DeliveryJob extends QueuedJob {
  site_id: string;
  destination_id: string | null;
  event_row_id: string | null;
  event_received_at: Date | null;
  payload: unknown;
  sealed_ip: string | null;
  sealed_target: string | null;
}

export const DELIVERY_JOB_COLUMNS = [
  'site_id',
  'destination_id',
  'event_row_id',
  'event_received_at',
  'payload',
  'sealed_ip',
  'sealed_target',
] as const;

export interface DeliverDeps extends Omit<DestinationServices, 'sealer'> {
  db: Queryable;
  /** Opens destination secrets and the sealed client addresses of deliveries. */
  sealer: Pick<Sealer, 'open'>;
  log: { warn(object: object, message: string): void };
  /** One send (a platform request and its answer) may take this long; then it counts as a retry. */
  sendTimeoutMs?: number;
  /** Counts outcomes and times requests per platform (metrics). */
  observe?: (type: string, outcome: string, count: number, seconds?: number) => void;
}

const SEND_TIMEOUT_MS = 15_000;
const SECOND = 1000;
const HOUR = 60 * 60 * SECOND;

/** A stored event with what the destinations read beside it. */
interface LoadedEvent {
  site_id: string;
  id: string;
  received_at: Date;
  event_id: string | null;
  type: DestinationEvent['type'];
  name: string | null;
  occurred_at: Date;
  url: string | null;
  referrer: string | null;
  title: string | null;
  visitor_id: string | null;
  session_id: string | null;
  user_id: string | null;
  ga_client_id: string | null;
  transaction_id: string | null;
  user_agent: string | null;
  ip: string | null;
  country: string | null;
  region: string | null;
  city: string | null;
  language: string | null;
  screen_width: number | null;
  screen_height: number | null;
  props: Record<string, unknown> | null;
  value: number | null;
  currency: string | null;
  consent_analytics: boolean | null;
  consent_ads: boolean | null;
  user_hashes: Record<string, string> | null;
  gclid: string | null;
  gbraid: string | null;
  wbraid: string | null;
  fbclid: string | null;
  fbc: string | null;
  fbp: string | null;
}

const eventKey = (siteId: string, id: string) => `${siteId}\u0000${id}`;

async function loadEvents(db: Queryable, jobs: readonly DeliveryJob[]): Promise<Map<string, LoadedEvent>> {
  const keyed = jobs.filter((job) => job.event_row_id !== null && job.event_received_at !== null);
  if (keyed.length === 0) return new Map();
  const { rows } = await db.query<LoadedEvent>(
    `SELECT e.site_id, e.id, e.received_at, e.event_id, e.type, e.name, e.occurred_at, e.url, e.referrer,
       e.title, e.visitor_id, e.session_id, e.user_id, e.ga_client_id,
       e.transaction_id, e.user_agent, e.ip, e.country, e.region, e.city, e.language, e.screen_width,
       e.screen_height, e.props, e.value, e.currency, e.consent_analytics, e.consent_ads, e.user_hashes,
       e.gclid, e.gbraid, e.wbraid, e.fbclid, e.fbc, e.fbp
     FROM unnest($1::text[], $2::timestamptz[], $3::text[]) AS k (site_id, received_at, id)
     JOIN events e ON e.site_id = k.site_id AND e.received_at = k.received_at AND e.id = k.id`,
    [
      keyed.map((job) => job.site_id),
      keyed.map((job) => job.event_received_at),
      keyed.map((job) => job.event_row_id),
    ],
  );
  return new Map(rows.map((row) => [eventKey(row.site_id, row.id), row]));
}

function engagementOf(props: Record<string, unknown> | null): number | null {
  const engaged = props?.engagedMs;
  return typeof engaged === 'number' && Number.isFinite(engaged) && engaged >= 0 ? engaged : null;
}

function present<T extends Record<string, string | null>>(values: T): { [K in keyof T]?: string } {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== null)) as {
    [K in keyof T]?: string;
  };
}

function toDestinationEvent(row: LoadedEvent, fullIp: string | null): DestinationEvent {
  return {
    id: row.id,
    eventId: row.event_id ?? row.id,
    type: row.type,
    name: row.name,
    occurredAt: row.occurred_at,
    receivedAt: row.received_at,
    url: row.url,
    referrer: row.referrer,
    title: row.title,
    visitorId: row.visitor_id,
    sessionId: row.session_id,
    // A session's id is made when it starts (src/ingest/sessions.ts): no join to sessions needed.
    sessionStartedAt: row.session_id === null ? null : (timeOfId(row.session_id) ?? null),
    userId: row.user_id,
    gaClientId: row.ga_client_id,
    transactionId: row.transaction_id,
    userAgent: row.user_agent,
    ip: fullIp ?? row.ip,
    country: row.country,
    region: row.region,
    city: row.city,
    language: row.language,
    screen:
      row.screen_width === null || row.screen_height === null
        ? null
        : { width: row.screen_width, height: row.screen_height },
    props: row.props,
    value: row.value,
    currency: row.currency,
    consent: { analytics: row.consent_analytics, ads: row.consent_ads },
    userHashes: row.user_hashes ?? {},
    clickIds: present({
      gclid: row.gclid,
      gbraid: row.gbraid,
      wbraid: row.wbraid,
      fbclid: row.fbclid,
      fbc: row.fbc,
      fbp: row.fbp,
    }),
    engagementMs: engagementOf(row.props),
  };
}

/** The outcome the runner records: the last HTTP status, and the sealed address kept only while pending. */
function toJobOutcome(result: SendResult, job: DeliveryJob): JobOutcome {
  switch (result.kind) {
    case 'delivered':
      return { kind: 'done', record: { last_status: result.status ?? null, sealed_ip: null } };
    case 'skipped':
      return { kind: 'cancelled', reason: `skipped: ${result.reason}`, record: { sealed_ip: null } };
    case 'permanent':
      return { kind: 'failed', error: result.error, record: { last_status: result.status, sealed_ip: null } };
    case 'retry':
      return {
        kind: 'retry',
        error: result.error,
        retryAfterMs: result.retryAfterMs,
        record: { last_status: result.status, sealed_ip: job.sealed_ip },
      };
  }
}

const final = (kind: 'failed' | 'cancelled', reason: string): JobOutcome =>
  kind === 'failed'
    ? { kind, error: reason, record: { sealed_ip: null } }
    : { kind, reason, record: { sealed_ip: null } };

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let index = 0; index < items.length; index += size) out.push(items.slice(index, index + size));
  return out;
}

/**
 * The handler of one platform's queue: reloads each delivery's destination and event (a job
 * carries ids only; the database row is the truth), carries attribution forward, batches per
 * destination up to the platform's limit and sends the batches side by side, each bounded in time,
 * so one slow destination holds up a batch for at most that bound. Deliveries whose destination is
 * gone or disabled, or whose event was erased, end cancelled; those past the platform's window end
 * failed rather than be refused as too old.
 */
export async function deliverBatch(
  type: DestinationType,
  jobs: readonly DeliveryJob[],
  deps: DeliverDeps,
  context: JobContext,
): Promise<Map<number, JobOutcome>> {
  const outcomes = new Map<number, JobOutcome>();
  const now = context.now();
  const destinationIds = [
    ...new Set(jobs.flatMap((job) => (job.destination_id === null ? [] : [job.destination_id]))),
  ];
  const { rows: destinationRows } = await deps.db.query<DestinationRow & { site_deleted: boolean }>(
    `SELECT ${DESTINATION_COLUMNS.split(', ')
      .map((column) => `d.${column}`)
      .join(', ')}, s.deleted_at IS NOT NULL AS site_deleted
     FROM destinations d JOIN sites s ON s.id = d.site_id WHERE d.id = ANY($1::text[])`,
    [destinationIds],
  );
  const destinations = new Map(destinationRows.map((row) => [row.id, row]));

  if (type.type === 'webhook') {
    await deliverNotifications(jobs, destinations, deps, context, outcomes);
    return outcomes;
  }

  const events = await loadEvents(deps.db, jobs);
  const sends = new Map<string, OutgoingEvent[]>();
  const jobsById = new Map(jobs.map((job) => [job.id, job]));
  const needAttribution = new Map<string, Set<string>>();
  const ready: Array<{ job: DeliveryJob; destination: DestinationRow; event: DestinationEvent }> = [];
  for (const job of jobs) {
    const destination = job.destination_id === null ? undefined : destinations.get(job.destination_id);
    if (destination === undefined || destination.site_deleted) {
      outcomes.set(job.id, final('cancelled', 'the destination no longer exists'));
      continue;
    }
    if (!destination.enabled) {
      outcomes.set(job.id, final('cancelled', 'the destination is disabled'));
      continue;
    }
    const row = events.get(eventKey(job.site_id, job.event_row_id ?? ''));
    if (row === undefined) {
      outcomes.set(job.id, final('cancelled', 'the event is no longer stored'));
      continue;
    }
    if (now.getTime() - row.occurred_at.getTime() > type.retryWindowMs) {
      outcomes.set(
        job.id,
        final('failed', `older than ${type.type} accepts (${type.retryWindowMs / HOUR} h)`),
      );
      continue;
    }
    let fullIp: string | null = null;
    if (job.sealed_ip !== null) {
      try {
        fullIp = deps.sealer.open(job.sealed_ip);
      } catch {
        fullIp = null;
      }
    }
    ready.push({ job, destination, event: toDestinationEvent(row, fullIp) });
    if (type.needsAdsConsent && row.visitor_id !== null) {
      const visitors = needAttribution.get(row.site_id) ?? new Set();
      visitors.add(row.visitor_id);
      needAttribution.set(row.site_id, visitors);
    }
  }

  const sources = new Map<string, Awaited<ReturnType<typeof loadAttributionSources>>>();
  for (const [siteId, visitors] of needAttribution) {
    sources.set(siteId, await loadAttributionSources(deps.db, { siteId, visitorIds: [...visitors], now }));
  }
  for (const { job, destination, event } of ready) {
    const carried =
      event.visitorId === null
        ? event
        : { ...event, ...carryForward(event, sources.get(job.site_id)?.get(event.visitorId) ?? []) };
    const rule = rulesOf(destination, type).find((candidate) => ruleMatches(candidate, carried));
    if (rule === undefined) {
      outcomes.set(job.id, final('cancelled', 'no rule of the destination takes this event any more'));
      continue;
    }
    const list = sends.get(destination.id) ?? [];
    list.push({ id: job.id, event: carried, rule });
    sends.set(destination.id, list);
  }

  await Promise.all(
    [...sends].flatMap(([destinationId, outgoing]) => {
      const destination = destinations.get(destinationId)!;
      let config: Record<string, unknown>;
      try {
        config = openConfig(storedConfigOf(destination), deps.sealer);
      } catch {
        for (const { id } of outgoing)
          outcomes.set(
            id,
            final('failed', 'its credentials cannot be opened with the current BEACON_SECRET'),
          );
        return [];
      }
      return chunks(outgoing, type.maxBatch).map(async (batch) => {
        const started = performance.now();
        const signal = AbortSignal.any([
          context.signal,
          AbortSignal.timeout(deps.sendTimeoutMs ?? SEND_TIMEOUT_MS),
        ]);
        let results: Map<number, SendResult>;
        try {
          results = await type.send(batch, {
            config,
            fetch: deps.fetch,
            now: context.now,
            log: deps.log,
            urls: deps.urls,
            signal,
          });
        } catch (error) {
          // A platform module must answer outcomes; one that throws has a bug, but its events are retried.
          deps.log.warn({ err: error, destinationId, type: type.type }, 'destination send threw');
          results = new Map(
            batch.map(({ id }) => [id, { kind: 'retry', error: 'the send failed unexpectedly' }]),
          );
        }
        const seconds = (performance.now() - started) / 1000;
        for (const { id } of batch) {
          const result = results.get(id) ?? { kind: 'retry', error: 'the platform gave no outcome for it' };
          outcomes.set(id, toJobOutcome(result, jobsById.get(id)!));
          deps.observe?.(type.type, result.kind, 1);
        }
        deps.observe?.(type.type, 'request', 0, seconds);
      });
    }),
  );
  return outcomes;
}

/**
 * Webhook deliveries carry their payload (a hot-lead notification). A delivery queued before
 * destinations existed names its URL itself; it is sent only while a webhook destination of its
 * site still has that URL.
 */
async function deliverNotifications(
  jobs: readonly DeliveryJob[],
  destinations: Map<string, DestinationRow & { site_deleted: boolean }>,
  deps: DeliverDeps,
  context: JobContext,
  outcomes: Map<number, JobOutcome>,
): Promise<void> {
  const legacySites = [
    ...new Set(jobs.filter((job) => job.sealed_target !== null).map((job) => job.site_id)),
  ];
  const { rows: siteWebhooks } = await deps.db.query<DestinationRow>(
    `SELECT ${DESTINATION_COLUMNS} FROM destinations WHERE site_id = ANY($1::text[]) AND type = 'webhook' AND enabled`,
    [legacySites],
  );
  const urlOf = (row: Pick<DestinationRow, 'config' | 'secrets'>) => {
    try {
      return String(openConfig(storedConfigOf(row), deps.sealer).url);
    } catch {
      return undefined;
    }
  };
  await Promise.all(
    jobs.map(async (job) => {
      let target: string | undefined;
      if (job.sealed_target !== null) {
        const legacy = job.sealed_target.startsWith('v1.')
          ? safeOpen(deps.sealer, job.sealed_target)
          : job.sealed_target;
        const configured = siteWebhooks.filter((row) => row.site_id === job.site_id).map(urlOf);
        target = legacy !== undefined && configured.includes(legacy) ? legacy : undefined;
      } else {
        const destination = job.destination_id === null ? undefined : destinations.get(job.destination_id);
        target =
          destination && destination.enabled && !destination.site_deleted ? urlOf(destination) : undefined;
      }
      if (target === undefined) {
        outcomes.set(job.id, final('cancelled', 'webhook no longer configured'));
        return;
      }
      const outcome = await postWebhook(
        target,
        job.payload,
        deps.webhookFetch,
        deps.sendTimeoutMs ?? 5_000,
        context.now,
      );
      deps.observe?.('webhook', outcome.kind === 'failed' ? 'permanent' : outcome.kind, 1);
      const record = { last_status: outcome.status, sealed_ip: null };
      outcomes.set(
        job.id,
        outcome.kind === 'delivered'
          ? { kind: 'done', record }
          : outcome.kind === 'failed'
            ? { kind: 'failed', error: outcome.error, record }
            : { kind: 'retry', error: outcome.error, retryAfterMs: outcome.retryAfterMs, record },
      );
    }),
  );
}

function safeOpen(sealer: Pick<Sealer, 'open'>, sealed: string): string | undefined {
  try {
    return sealer.open(sealed);
  } catch {
    return undefined;
  }
}

/**
 * One queue of the job runner per platform, all on the `deliveries` outbox: each platform keeps its
 * own retry budget and batch size, and a platform that fails never slows another's queue. Retries
 * back off from 30 s to 6 h; the budget ends at the platform's window (deliverBatch fails what is
 * older) or, for webhooks, after 10 attempts (about a day). `siteId` keeps a queue to one site's
 * deliveries (tests).
 */
export function deliveryQueue(
  type: DestinationType,
  deps: DeliverDeps,
  options: { siteId?: string } = {},
): Queue<DeliveryJob> {
  return {
    name: `deliveries_${type.type}`,
    table: 'deliveries',
    columns: DELIVERY_JOB_COLUMNS,
    filters: [
      { column: 'destination_type', value: type.type },
      ...(options.siteId === undefined ? [] : [{ column: 'site_id', value: options.siteId }]),
    ],
    recordColumns: { last_status: 'integer', sealed_ip: 'text' },
    // Platforms take big requests and several at once: a claim feeds up to 40 GA4 requests side by side.
    batchSize: type.type === 'webhook' ? 20 : 1000,
    concurrency: type.type === 'webhook' ? 1 : 3,
    pollMs: SECOND,
    leaseMs: 2 * 60 * SECOND,
    retry: {
      maxAttempts: type.type === 'webhook' ? 10 : 40,
      baseDelayMs: 30 * SECOND,
      maxDelayMs: 6 * HOUR,
      jitter: 0.2,
    },
    handle: (jobs, context) => deliverBatch(type, jobs, deps, context),
  };
}
