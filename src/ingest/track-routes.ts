import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Gauge, type Registry } from 'prom-client';
import { Type } from 'typebox';
import { clientIp } from '../http/client-ip.ts';
import { AppError } from '../errors.ts';
import { errorResponses, type App } from '../http/types.ts';
import type { EventRow } from './event-row.ts';
import type { EventWriter } from './event-writer.ts';
import { isAllowedHost, sourceHost } from './origin.ts';
import type { Pipeline, RequestContext } from './pipeline.ts';
import type { RateLimitStore } from '../state/interface.ts';
import type { ResolvedSite, SiteResolver } from './site-resolver.ts';
import { TrackBatch, TrackEvent } from './track-schema.ts';

export interface Ingestion {
  sites: SiteResolver;
  pipeline: Pipeline;
  writer: EventWriter;
}

export interface TrackingLimits {
  perIpPerMinute: number;
  perSitePerMinute: number;
}

/** Generous defaults: a real site's traffic must never hit them, a flood from one address must. */
export const DEFAULT_TRACKING_LIMITS: TrackingLimits = { perIpPerMinute: 1_200, perSitePerMinute: 300_000 };

/**
 * Per-site limit in requests, checked once the site is known; the per-IP limit runs earlier, before
 * parsing, through @fastify/rate-limit. Both count in the shared store, so they hold across instances.
 */
async function checkSiteLimit(store: RateLimitStore, siteId: string, limit: number) {
  const hit = await store.hit(`track-site:${siteId}`, 60_000);
  if (hit.count > limit) {
    throw new AppError(
      'rate_limited',
      'This site is sending more requests than its limit allows; retry shortly',
      {
        retryAfterSeconds: Math.ceil(hit.resetInMs / 1000),
      },
    );
  }
}

const EVENT_BODY_LIMIT = 64 * 1024;
const BATCH_BODY_LIMIT = 1024 * 1024;

/**
 * Tracking answers CORS itself rather than through @fastify/cors: whether an origin may send depends
 * on the site named in the body, which a preflight does not carry. Preflights are answered for any
 * origin; the POST itself is checked against the site and only an allowed origin is echoed back.
 */
function answerPreflight(request: FastifyRequest, reply: FastifyReply) {
  const origin = request.headers.origin;
  if (origin) {
    reply
      .header('access-control-allow-origin', origin)
      .header('access-control-allow-methods', 'POST, OPTIONS')
      .header('access-control-allow-headers', 'content-type, authorization')
      .header('access-control-max-age', '86400')
      .header('vary', 'origin');
  }
  return reply.status(204).send();
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The site an event is for. Browsers name it by its public key and must send from one of the
 * site's hosts (Origin, Referer or the event URL). Server-side callers authenticate with the site's
 * secret write key (`Authorization: Bearer wk_…`) instead and may send from anywhere.
 */
async function resolveAllowedSite(
  sites: SiteResolver,
  request: FastifyRequest,
  event: TrackEvent,
  field: string,
): Promise<ResolvedSite> {
  const writeKey = /^Bearer\s+(wk_\S+)$/i.exec(header(request, 'authorization') ?? '')?.[1];
  if (writeKey !== undefined) {
    const site = await sites.findByWriteKey(writeKey);
    if (site === undefined) throw new AppError('unauthorized', 'The write key is not valid');
    if (site.siteKey !== event.site) {
      throw new AppError('forbidden', `${field} does not belong to the site of this write key`, { field });
    }
    return site;
  }
  const site = await sites.findBySiteKey(event.site);
  if (site === undefined)
    throw new AppError('validation_failed', `${field} is not a known site key`, { field });
  const host = sourceHost({
    origin: header(request, 'origin'),
    referer: header(request, 'referer'),
    url: event.url,
  });
  if (host === undefined || !isAllowedHost(host, site)) {
    throw new AppError('forbidden', `This site does not accept events from ${host ?? 'an unknown origin'}`, {
      field,
    });
  }
  return site;
}

function contextOf(
  request: FastifyRequest,
  site: ResolvedSite,
  receivedAt: Date,
  sentAt: number | undefined,
): RequestContext {
  return {
    site,
    receivedAt,
    ip: clientIp(request),
    userAgent: header(request, 'user-agent'),
    gpc: header(request, 'sec-gpc') === '1',
    dnt: header(request, 'dnt') === '1',
    sentAt,
  };
}

/**
 * Tracking routes skip helmet (its dozen headers cost ~25 µs a request and mean nothing to a
 * beacon's JSON answer); the two that do matter here are set by hand.
 */
function allowOrigin(request: FastifyRequest, reply: FastifyReply) {
  reply.header('cross-origin-resource-policy', 'cross-origin').header('x-content-type-options', 'nosniff');
  const origin = request.headers.origin;
  if (origin) reply.header('access-control-allow-origin', origin).header('vary', 'origin');
}

const EventAccepted = Type.Object(
  {
    id: Type.Union([Type.String(), Type.Null()], {
      description: 'The stored event; for a duplicate, the first one',
    }),
    duplicate: Type.Optional(Type.Boolean()),
  },
  { examples: [{ id: 'evt_06gzgjmnr2yh5jpf6sfgkk2zkc' }] },
);
/** The same shape as EventAccepted; only the example differs, for the docs. */
const EventDuplicate = Type.Object(EventAccepted.properties, {
  examples: [{ id: 'evt_06gzgjmnr2yh5jpf6sfgkk2zkc', duplicate: true }],
});
const EventDropped = Type.Object(
  { dropped: Type.String({ description: 'Why it was not stored, e.g. bot_known_bot' }) },
  { examples: [{ dropped: 'bot_known_bot' }] },
);
const BatchAccepted = Type.Object(
  { accepted: Type.Integer(), duplicates: Type.Integer(), dropped: Type.Integer() },
  { examples: [{ accepted: 2, duplicates: 0, dropped: 0 }] },
);

/** Outcomes per event (accepted, duplicate, dropped_<reason>, rejected) and the writer's state. */
function ingestMetrics(registry: Registry, ingestion: Ingestion) {
  const events = new Counter({
    name: 'beacon_ingest_events_total',
    help: 'Events received by outcome: accepted, duplicate, dropped_<reason>, rejected',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'beacon_ingest_writer',
    help: 'Group-commit writer: buffered rows, committed batches and rows, failed batches, refusals when full',
    labelNames: ['stat'] as const,
    registers: [registry],
    collect() {
      for (const [stat, value] of Object.entries(ingestion.writer.stats())) this.set({ stat }, value);
    },
  });
  return events;
}

export function registerTrackRoutes(
  app: App,
  deps: { ingestion: Ingestion; registry: Registry; rateLimits: RateLimitStore; limits: TrackingLimits },
) {
  const { ingestion, registry, rateLimits, limits } = deps;
  const perIp = { rateLimit: { max: limits.perIpPerMinute, timeWindow: 60_000 } };
  const outcomes = ingestMetrics(registry, ingestion);
  app.register(async (plugin) => {
    const scope = plugin.withTypeProvider<TypeBoxTypeProvider>();
    // navigator.sendBeacon sends strings as text/plain; the body is JSON all the same.
    scope.addContentTypeParser('text/plain', { parseAs: 'string' }, (_request, body, done) => {
      try {
        done(null, JSON.parse(body as string));
      } catch {
        done(new AppError('invalid_json', 'The request body is not valid JSON'), undefined);
      }
    });

    scope.options('/api/track/event', { helmet: false, schema: { hide: true } }, answerPreflight);
    scope.options('/api/track/batch', { helmet: false, schema: { hide: true } }, answerPreflight);

    scope.post(
      '/api/track/event',
      {
        bodyLimit: EVENT_BODY_LIMIT,
        logLevel: 'warn',
        helmet: false,
        config: perIp,
        schema: {
          tags: ['tracking'],
          summary: 'Record one event; 201 once it is committed',
          description: 'Body as application/json or text/plain (navigator.sendBeacon).',
          body: TrackEvent,
          response: {
            200: EventDuplicate,
            201: EventAccepted,
            202: EventDropped,
            ...errorResponses(400, 403, 413, 503),
          },
        },
      },
      async (request, reply) => {
        const receivedAt = new Date();
        const event = request.body;
        const site = await resolveAllowedSite(ingestion.sites, request, event, 'site');
        allowOrigin(request, reply);
        await checkSiteLimit(rateLimits, site.id, limits.perSitePerMinute);
        const outcome = await ingestion.pipeline.process(
          event,
          contextOf(request, site, receivedAt, event.sentAt),
        );
        if (outcome.kind === 'rejected') {
          outcomes.inc({ outcome: 'rejected' });
          throw new AppError('validation_failed', outcome.message, { field: outcome.field });
        }
        if (outcome.kind === 'dropped') {
          outcomes.inc({ outcome: `dropped_${outcome.reason}` });
          return reply.status(202).send({ dropped: outcome.reason });
        }
        const [written] = await ingestion.writer.write([outcome.row]);
        outcomes.inc({ outcome: written!.status });
        if (written!.status === 'duplicate') {
          return reply.status(200).send({ id: written!.id, duplicate: true });
        }
        return reply.status(201).send({ id: written!.id });
      },
    );

    scope.post(
      '/api/track/batch',
      {
        bodyLimit: BATCH_BODY_LIMIT,
        logLevel: 'warn',
        helmet: false,
        config: perIp,
        schema: {
          tags: ['tracking'],
          summary: 'Record up to 500 events; 201 once all are committed',
          body: TrackBatch,
          response: { 201: BatchAccepted, ...errorResponses(400, 403, 413, 503) },
        },
      },
      async (request, reply) => {
        const receivedAt = new Date();
        const { events } = request.body;
        const sentAt = request.body.sentAt ?? Math.max(...events.map((event) => event.ts ?? 0));
        const sites = new Map<string, ResolvedSite>();
        const rows: EventRow[] = [];
        let dropped = 0;
        // Every event is checked before any is written: a batch is accepted or refused whole.
        for (const [index, event] of events.entries()) {
          let site = sites.get(event.site);
          if (site === undefined) {
            site = await resolveAllowedSite(ingestion.sites, request, event, `events.${index}.site`);
            sites.set(event.site, site);
            await checkSiteLimit(rateLimits, site.id, limits.perSitePerMinute);
          }
          const outcome = await ingestion.pipeline.process(
            event,
            contextOf(request, site, receivedAt, sentAt > 0 ? sentAt : undefined),
          );
          if (outcome.kind === 'rejected') {
            outcomes.inc({ outcome: 'rejected' });
            throw new AppError('validation_failed', `events.${index}.${outcome.message}`, {
              field: `events.${index}.${outcome.field}`,
            });
          }
          if (outcome.kind === 'dropped') {
            dropped += 1;
            outcomes.inc({ outcome: `dropped_${outcome.reason}` });
          } else rows.push(outcome.row);
        }
        allowOrigin(request, reply);
        const written = await ingestion.writer.write(rows);
        const duplicates = written.filter((outcome) => outcome.status === 'duplicate').length;
        outcomes.inc({ outcome: 'accepted' }, written.length - duplicates);
        outcomes.inc({ outcome: 'duplicate' }, duplicates);
        return reply.status(201).send({ accepted: written.length - duplicates, duplicates, dropped });
      },
    );
  });
}
