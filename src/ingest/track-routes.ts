import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyError, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { Counter, Gauge, type Registry } from 'prom-client';
import { Type } from 'typebox';
import { AppError } from '../errors.ts';
import { clientIp, rateLimitKey } from '../http/client-ip.ts';
import { renderError, toAppError } from '../http/errors.ts';
import { errorResponses, type App } from '../http/types.ts';
import type { Sealer } from '../lib/sealed.ts';
import { hasOptOutCookie } from '../privacy/opt-out.ts';
import type { RateLimitStore } from '../state/interface.ts';
import {
  acceptEvents,
  addressLimitKey,
  LIMIT_WINDOW_MS,
  refusalReasonOf,
  TrackingRefused,
  type AcceptEventsDeps,
  type IngestCaller,
  type Ingestion,
  type TrackingLimits,
} from './accept-events.ts';
import { createRefusalLog } from './refusal-log.ts';
import { TrackBatch, TrackEvent } from './track-schema.ts';

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

function callerOf(request: FastifyRequest): IngestCaller {
  return {
    ip: clientIp(request),
    limitKey: rateLimitKey(request),
    userAgent: header(request, 'user-agent'),
    origin: header(request, 'origin'),
    referer: header(request, 'referer'),
    writeKey: /^Bearer\s+(wk_\S+)$/i.exec(header(request, 'authorization') ?? '')?.[1],
    gpc: header(request, 'sec-gpc') === '1',
    // The tracker sends cookies only when it was served to a browser that opted out (tracker-routes.ts).
    optOut: hasOptOutCookie(request.headers.cookie),
    dnt: header(request, 'dnt') === '1',
  };
}

/**
 * Tracking routes skip helmet (its dozen headers cost ~25 µs a request and mean nothing to a
 * beacon's JSON answer); the two that do matter here are set by hand. The origin is echoed on every
 * answer, refusals included: the tracker reads a refusal's reason to print it in the browser's
 * console, and no answer of these routes carries anything but the caller's own outcome.
 */
function allowOrigin(request: FastifyRequest, reply: FastifyReply) {
  reply.header('cross-origin-resource-policy', 'cross-origin').header('x-content-type-options', 'nosniff');
  const origin = request.headers.origin;
  if (origin) reply.header('access-control-allow-origin', origin).header('vary', 'origin');
  // The opted-out tracker sends its cookie along; without this its page could not read the answer.
  if (origin && hasOptOutCookie(request.headers.cookie))
    reply.header('access-control-allow-credentials', 'true');
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

/** Outcomes per event (accepted, duplicate, dropped_<reason>, rejected), refusals, and the writer's state. */
function ingestMetrics(registry: Registry, ingestion: Ingestion) {
  const events = new Counter({
    name: 'beacon_ingest_events_total',
    help: 'Events received by outcome: accepted, duplicate, dropped_<reason>, rejected',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const refused = new Counter({
    name: 'beacon_ingest_refused_requests_total',
    help: 'Tracking requests refused, by reason (unknown_site, origin_not_allowed, rate_limited_address, …)',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'beacon_ingest_writer',
    help: "Group-commit writer: buffered rows, committed batches and rows, duplicates, failed batches, lock retries, refusals when full and over a site's share",
    labelNames: ['stat'] as const,
    registers: [registry],
    collect() {
      for (const [stat, value] of Object.entries(ingestion.writer.stats())) this.set({ stat }, value);
    },
  });
  return { events, refused };
}

export function registerTrackRoutes(
  app: App,
  deps: {
    ingestion: Ingestion;
    registry: Registry;
    rateLimits: RateLimitStore;
    limits: TrackingLimits;
    /** Seals client addresses into deliveries (the destinations' credential sealer). */
    sealer: Pick<Sealer, 'seal'>;
  },
) {
  const { ingestion, registry, rateLimits, limits } = deps;
  const metrics = ingestMetrics(registry, ingestion);
  const refusals = createRefusalLog({ log: app.log });
  const accept: AcceptEventsDeps = {
    ingestion,
    rateLimits,
    limits,
    countOutcome: (outcome, events = 1) => {
      if (events > 0) metrics.events.inc({ outcome }, events);
    },
    sealIp: (ip) => deps.sealer.seal(ip),
  };

  /**
   * Before the body is parsed, one event is charged to the client address, so that a flood of
   * bodies that never parse is limited too; acceptEvents charges the rest of a batch.
   */
  const chargeRequest: onRequestHookHandler = (request, _reply, done) => {
    rateLimits.hit(addressLimitKey(rateLimitKey(request)), LIMIT_WINDOW_MS, 1).then((hit) => {
      if (hit.count <= limits.perIpPerMinute) return done();
      const seconds = Math.max(1, Math.ceil(hit.resetInMs / 1000));
      done(
        new TrackingRefused(
          'rate_limited_address',
          'rate_limited',
          `Too many events from this address; retry in ${seconds} s`,
          {
            retryAfterSeconds: seconds,
          },
        ),
      );
    }, done);
  };

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
    // Every refusal, from body parsing to the writer, is logged (a line per reason and site a
    // minute) and counted, then answered as anywhere else, readable by the page that sent it.
    scope.setErrorHandler((error: FastifyError | Error, request, reply) => {
      const refusal = toAppError(error);
      const body = request.body as { site?: unknown; events?: Array<{ site?: unknown }> } | undefined;
      const siteKey = body?.site ?? body?.events?.[0]?.site;
      const reason = refusalReasonOf(refusal);
      metrics.refused.inc({ reason });
      refusals.record({
        reason,
        message: refusal.message,
        field: refusal.field,
        siteKey: typeof siteKey === 'string' ? siteKey.slice(0, 64) : undefined,
        origin: header(request, 'origin'),
        requestId: request.id,
      });
      allowOrigin(request, reply);
      return renderError(error, request, reply);
    });

    scope.options('/api/track/event', { helmet: false, schema: { hide: true } }, answerPreflight);
    scope.options('/api/track/batch', { helmet: false, schema: { hide: true } }, answerPreflight);

    scope.post(
      '/api/track/event',
      {
        bodyLimit: EVENT_BODY_LIMIT,
        logLevel: 'warn',
        helmet: false,
        onRequest: chargeRequest,
        schema: {
          tags: ['tracking'],
          summary: 'Record one event; 201 once it is committed',
          description: 'Body as application/json or text/plain (navigator.sendBeacon).',
          body: TrackEvent,
          response: {
            200: EventDuplicate,
            201: EventAccepted,
            202: EventDropped,
            ...errorResponses(400, 401, 403, 413, 429, 503),
          },
        },
      },
      async (request, reply) => {
        const event = request.body;
        const [result] = await acceptEvents(accept, {
          caller: callerOf(request),
          events: [event],
          receivedAt: new Date(),
          sentAt: event.sentAt,
          fieldOf: (_index, field) => field,
          prechargedEvents: 1,
        });
        allowOrigin(request, reply);
        switch (result!.status) {
          case 'dropped':
            return reply.status(202).send({ dropped: result!.reason });
          case 'duplicate':
            return reply.status(200).send({ id: result!.id, duplicate: true });
          case 'accepted':
            return reply.status(201).send({ id: result!.id });
        }
      },
    );

    scope.post(
      '/api/track/batch',
      {
        bodyLimit: BATCH_BODY_LIMIT,
        logLevel: 'warn',
        helmet: false,
        onRequest: chargeRequest,
        schema: {
          tags: ['tracking'],
          summary: 'Record up to 500 events; 201 once all are committed',
          description: 'One invalid event refuses the whole batch; nothing of it is stored.',
          body: TrackBatch,
          response: { 201: BatchAccepted, ...errorResponses(400, 401, 403, 413, 429, 503) },
        },
      },
      async (request, reply) => {
        const { events } = request.body;
        const sentAt = request.body.sentAt ?? Math.max(...events.map((event) => event.ts ?? 0));
        const results = await acceptEvents(accept, {
          caller: callerOf(request),
          events,
          receivedAt: new Date(),
          sentAt: sentAt > 0 ? sentAt : undefined,
          fieldOf: (index, field) => `events.${index}.${field}`,
          prechargedEvents: 1,
        });
        allowOrigin(request, reply);
        const counts = { accepted: 0, duplicates: 0, dropped: 0 };
        for (const result of results) {
          if (result.status === 'accepted') counts.accepted += 1;
          else if (result.status === 'duplicate') counts.duplicates += 1;
          else counts.dropped += 1;
        }
        return reply.status(201).send(counts);
      },
    );
  });
}
