import { AppError, type ErrorCode } from '../errors.ts';
import type { RateLimitStore } from '../state/interface.ts';
import { destinationsFor } from '../destinations/match-deliveries.ts';
import type { ConsentRecordRow } from '../privacy/consent-records.ts';
import type { TrackedConsent } from '../privacy/tracked-consent.ts';
import type { EventRow } from './event-row.ts';
import type { DeliveryDraft, EventWriter } from './event-writer.ts';
import { isAllowedHost, sourceHost } from './origin.ts';
import type { DropReason, Pipeline } from './pipeline.ts';
import type { ResolvedSite, SiteResolver } from './site-resolver.ts';
import type { TrackEvent } from './track-schema.ts';

export interface Ingestion {
  sites: SiteResolver;
  pipeline: Pipeline;
  writer: EventWriter;
  /** Consent events (`type: "consent"`) become consent records, not events. */
  consent: TrackedConsent;
}

/** Events per minute: from one client address (browsers), and for one site (every caller). */
export interface TrackingLimits {
  perIpPerMinute: number;
  perSitePerMinute: number;
}

/** Generous defaults: a real site's traffic must never hit them, a flood from one address must. */
export const DEFAULT_TRACKING_LIMITS: TrackingLimits = { perIpPerMinute: 2_400, perSitePerMinute: 300_000 };

export const LIMIT_WINDOW_MS = 60_000;

/**
 * Who sent the events, as the transport saw it: headers and the socket, never the body. Every
 * ingestion transport (the tracker's JSON, the Segment-compatible API) builds one of these.
 */
export interface IngestCaller {
  /** Client address, normalised: the socket, or X-Forwarded-For through TRUSTED_PROXIES only. */
  ip: string | undefined;
  /** What per-address limits count: the address, or an IPv6 address's /64. */
  limitKey: string;
  userAgent: string | undefined;
  origin: string | undefined;
  referer: string | undefined;
  /** A site's secret write key: server-side callers, who may send from anywhere. */
  writeKey: string | undefined;
  /** Sec-GPC: 1 — Global Privacy Control. */
  gpc: boolean;
  /** The site's opt-out page's cookie (src/privacy/opt-out.ts): honoured as Global Privacy Control. */
  optOut: boolean;
  /** DNT: 1 — honoured only when the site asks for it. */
  dnt: boolean;
}

export type EventResult =
  | { status: 'accepted'; id: string }
  | { status: 'duplicate'; id: string | null }
  | { status: 'dropped'; reason: DropReason };

/** Why a tracking request was refused: stable snake_case, a metric label and a log field. */
export type RefusalReason =
  | 'invalid_event'
  | 'invalid_json'
  | 'too_large'
  | 'unsupported_media_type'
  | 'unknown_site'
  | 'origin_not_allowed'
  | 'invalid_write_key'
  | 'write_key_site_mismatch'
  | 'rate_limited_address'
  | 'rate_limited_site'
  | 'unavailable'
  | 'internal_error';

/** A refusal of acceptEvents: an AppError that also says why, for the refusal log and metrics. */
export class TrackingRefused extends AppError {
  constructor(
    readonly reason: RefusalReason,
    code: ErrorCode,
    message: string,
    options: { field?: string; retryAfterSeconds?: number } = {},
  ) {
    super(code, message, options);
  }
}

/** The reason of anything a tracking request ended with before or inside acceptEvents. */
export function refusalReasonOf(error: AppError): RefusalReason {
  if (error instanceof TrackingRefused) return error.reason;
  switch (error.code) {
    case 'invalid_json':
      return 'invalid_json';
    case 'payload_too_large':
      return 'too_large';
    case 'unsupported_media_type':
      return 'unsupported_media_type';
    case 'rate_limited':
      return 'rate_limited_address';
    case 'service_unavailable':
      return 'unavailable';
    case 'internal_error':
      return 'internal_error';
    default:
      return 'invalid_event';
  }
}

export interface AcceptEventsDeps {
  ingestion: Ingestion;
  rateLimits: RateLimitStore;
  limits: TrackingLimits;
  /** Counts each event's outcome: accepted, duplicate, dropped_<reason>, rejected. */
  countOutcome(outcome: string, events?: number): void;
  /** Seals the client's full address into deliveries to platforms that match on it. */
  sealIp(ip: string): string;
}

export interface AcceptEventsInput {
  caller: IngestCaller;
  events: readonly TrackEvent[];
  receivedAt: Date;
  /** The client clock when sending (the request's `sentAt`, else the newest `ts`), for skew correction. */
  sentAt: number | undefined;
  /** How a field of event N is named in errors: `field` for a single event, `events.N.field` in a batch. */
  fieldOf(index: number, field: string): string;
  /**
   * Address charge already taken before the body was parsed (one per request), so per-address limits
   * stop floods of unparseable bodies too; the rest of the events are charged here.
   */
  prechargedEvents: number;
}

function retryAfter(resetInMs: number): number {
  return Math.max(1, Math.ceil(resetInMs / 1000));
}

/**
 * The site an event is for. Browsers name it by its public key and must send from one of the site's
 * hosts (Origin, Referer or the event URL). Server-side callers authenticate with the site's secret
 * write key (`Authorization: Bearer wk_…`) instead and may send from anywhere.
 */
async function resolveAllowedSite(
  sites: SiteResolver,
  caller: IngestCaller,
  event: TrackEvent,
  field: string,
): Promise<ResolvedSite> {
  if (caller.writeKey !== undefined) {
    const site = await sites.findByWriteKey(caller.writeKey);
    if (site === undefined)
      throw new TrackingRefused('invalid_write_key', 'unauthorized', 'The write key is not valid');
    if (site.siteKey !== event.site) {
      throw new TrackingRefused(
        'write_key_site_mismatch',
        'forbidden',
        `${field} does not belong to the site of this write key`,
        { field },
      );
    }
    return site;
  }
  const site = await sites.findBySiteKey(event.site);
  if (site === undefined) {
    throw new TrackingRefused('unknown_site', 'validation_failed', `${field} is not a known site key`, {
      field,
    });
  }
  const host = sourceHost({ origin: caller.origin, referer: caller.referer, url: event.url });
  if (host === undefined || !isAllowedHost(host, site)) {
    throw new TrackingRefused(
      'origin_not_allowed',
      'forbidden',
      `This site does not accept events from ${host ?? 'an unknown origin'}; add the host to the site's allowedDomains`,
      { field },
    );
  }
  return site;
}

/**
 * Charges the limits per event, not per request, so a batch counts what it carries: browsers per
 * client address, every caller per site. A caller over a limit gets 429 with Retry-After and nothing
 * of the request is processed.
 */
async function chargeLimits(
  deps: AcceptEventsDeps,
  input: AcceptEventsInput,
  eventsBySite: ReadonlyMap<ResolvedSite, number>,
): Promise<void> {
  const { caller, events, prechargedEvents } = input;
  if (caller.writeKey === undefined && events.length > prechargedEvents) {
    const hit = await deps.rateLimits.hit(
      addressLimitKey(caller.limitKey),
      LIMIT_WINDOW_MS,
      events.length - prechargedEvents,
    );
    if (hit.count > deps.limits.perIpPerMinute) {
      throw new TrackingRefused(
        'rate_limited_address',
        'rate_limited',
        `Too many events from this address; retry in ${retryAfter(hit.resetInMs)} s`,
        { retryAfterSeconds: retryAfter(hit.resetInMs) },
      );
    }
  }
  for (const [site, count] of eventsBySite) {
    const hit = await deps.rateLimits.hit(`track-site:${site.id}`, LIMIT_WINDOW_MS, count);
    if (hit.count > deps.limits.perSitePerMinute) {
      throw new TrackingRefused(
        'rate_limited_site',
        'rate_limited',
        'This site is sending more events than its limit allows; retry shortly',
        { retryAfterSeconds: retryAfter(hit.resetInMs) },
      );
    }
  }
}

/**
 * The deliveries of an event to the site's destinations that take it, queued with the event. The
 * full client address goes along, sealed, only to platforms that match on it, and only where the
 * consent gate let the event through to them (ads consent).
 */
function deliveriesOf(
  row: EventRow,
  site: ResolvedSite,
  ip: string | undefined,
  sealIp: (ip: string) => string,
): DeliveryDraft[] {
  const destinations = destinationsFor(row, site.destinations);
  if (destinations.length === 0) return [];
  let sealedIp: string | null | undefined;
  return destinations.map((destination) => {
    if (destination.needsFullIp && sealedIp === undefined) sealedIp = ip === undefined ? null : sealIp(ip);
    return {
      site_id: row.site_id,
      destination_id: destination.id,
      destination_type: destination.type,
      event_row_id: row.id,
      event_received_at: row.received_at,
      sealed_ip: destination.needsFullIp ? (sealedIp ?? null) : null,
      next_attempt_at: row.received_at,
    };
  });
}

/** The shared-store key of a client address's event count. */
export function addressLimitKey(limitKey: string): string {
  return `track-ip:${limitKey}`;
}

/**
 * Takes events from any ingestion transport: resolves and checks each event's site, charges the
 * limits, runs the pipeline and commits what it accepts. The events of one call are accepted or
 * refused together: every event is checked before any is written, and the writer commits one call's
 * rows in one transaction. Resolves once they are committed, with one result per event in order.
 * Refusals are thrown as TrackingRefused (or the writer's 503 AppError).
 */
export async function acceptEvents(deps: AcceptEventsDeps, input: AcceptEventsInput): Promise<EventResult[]> {
  const { ingestion } = deps;
  const { caller, events, fieldOf } = input;
  const siteOf: ResolvedSite[] = [];
  const eventsBySite = new Map<ResolvedSite, number>();
  const sitesByKey = new Map<string, ResolvedSite>();
  for (const [index, event] of events.entries()) {
    let site = sitesByKey.get(event.site);
    if (site === undefined) {
      site = await resolveAllowedSite(ingestion.sites, caller, event, fieldOf(index, 'site'));
      sitesByKey.set(event.site, site);
    }
    siteOf.push(site);
    eventsBySite.set(site, (eventsBySite.get(site) ?? 0) + 1);
  }
  await chargeLimits(deps, input, eventsBySite);

  const results: Array<EventResult | undefined> = [];
  const rows: EventRow[] = [];
  const deliveries: DeliveryDraft[][] = [];
  const rowIndexes: number[] = [];
  const dropped: DropReason[] = [];
  const consentRecords: ConsentRecordRow[] = [];
  for (const [index, event] of events.entries()) {
    const context = {
      site: siteOf[index]!,
      receivedAt: input.receivedAt,
      ip: caller.ip,
      userAgent: caller.userAgent,
      gpc: caller.gpc || caller.optOut,
      dnt: caller.dnt,
      sentAt: input.sentAt,
    };
    if (event.type === 'consent') {
      // Recorded even under Do Not Track and for bots: a consent choice is not analytics, and
      // keeping it is how a site shows what it was allowed to do.
      const record = await ingestion.consent.recordOf(event, {
        ...context,
        gpc: caller.gpc,
        optOut: caller.optOut,
      });
      if (record === undefined) {
        deps.countOutcome('rejected');
        const field = fieldOf(index, 'consent');
        throw new TrackingRefused(
          'invalid_event',
          'validation_failed',
          `${field} must name analytics or ads for events of type "consent"`,
          { field },
        );
      }
      consentRecords.push(record);
      results.push({ status: 'accepted', id: record.id });
      continue;
    }
    const outcome = await ingestion.pipeline.process(event, context);
    if (outcome.kind === 'rejected') {
      deps.countOutcome('rejected');
      const field = fieldOf(index, outcome.field);
      throw new TrackingRefused(
        'invalid_event',
        'validation_failed',
        outcome.message.replace(outcome.field, field),
        {
          field,
        },
      );
    }
    if (outcome.kind === 'dropped') {
      results.push({ status: 'dropped', reason: outcome.reason });
      dropped.push(outcome.reason);
    } else {
      results.push(undefined);
      rows.push(outcome.row);
      rowIndexes.push(index);
      deliveries.push(deliveriesOf(outcome.row, siteOf[index]!, caller.ip, deps.sealIp));
    }
  }
  for (const reason of dropped) deps.countOutcome(`dropped_${reason}`);
  const written = await ingestion.writer.write(rows, deliveries);
  await ingestion.consent.save(consentRecords);
  let duplicates = 0;
  written.forEach((outcome, position) => {
    if (outcome.status === 'duplicate') duplicates += 1;
    results[rowIndexes[position]!] = outcome;
  });
  deps.countOutcome('accepted', written.length - duplicates);
  deps.countOutcome('duplicate', duplicates);
  return results as EventResult[];
}
