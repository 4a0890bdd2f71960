import websocket from '@fastify/websocket';
import type { onRequestHookHandler } from 'fastify';
import { Counter, Gauge, type Registry } from 'prom-client';
import { Type, type Static } from 'typebox';
import type { Pool } from '../../db/pool.ts';
import { AppError } from '../../errors.ts';
import { actorOf, requireActor } from '../../http/auth.ts';
import { errorResponses, type App } from '../../http/types.ts';
import type { Ingestion } from '../../ingest/index.ts';
import type { SharedState } from '../../state/interface.ts';
import type { AccessTokens } from '../../tenancy/auth/access-tokens.ts';
import { getSite } from '../../tenancy/sites/get-site.ts';
import { authenticateLive } from './authenticate-live.ts';
import { createListenedSites } from './listened-sites.ts';
import { checkLiveAccess } from './live-access.ts';
import { createLiveHub, type LiveLimits } from './live-hub.ts';
import { createLivePublisher } from './live-publisher.ts';
import { createLiveTicket, LiveTicket } from './live-tickets.ts';
import { getRealtimeStats, RealtimeStats } from './realtime-stats.ts';

export interface RealtimeDeps {
  db: Pool;
  state: SharedState;
  tokens: AccessTokens;
  /** Its writer hands over committed events for the live feed. */
  ingestion: Ingestion;
  metrics: Registry;
  /** Connection limits, buffer and heartbeat of the live feed; the defaults serve production. */
  liveLimits?: Partial<LiveLimits>;
}

const SiteParams = Type.Object({ siteId: Type.String({ minLength: 1, maxLength: 64 }) });

const LiveQuery = Type.Object(
  {
    ticket: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    token: Type.Optional(
      Type.String({ description: 'Refused: credentials never go in a URL, where logs keep them' }),
    ),
  },
  { additionalProperties: false },
);

/** Clients send nothing on the feed; a larger frame closes the connection (1009). */
const MAX_CLIENT_FRAME_BYTES = 4 * 1024;

/**
 * Realtime: the five-minute report, tickets for browsers, and the live feed over WebSocket. The
 * WebSocket plugin lives in a scope of its own, so its hooks run for the feed alone and never on
 * the tracking path.
 */
export function registerRealtimeRoutes(app: App, deps: RealtimeDeps) {
  const onRequest = requireActor(deps);
  const security = [{ bearerAuth: [] }];

  app.get(
    '/api/sites/:siteId/stats/realtime',
    {
      onRequest,
      schema: {
        tags: ['stats'],
        summary: 'Visitors of the last five minutes, with the top pages, sources and countries',
        security,
        params: SiteParams,
        response: { 200: RealtimeStats, ...errorResponses(401, 404) },
      },
    },
    async (request) =>
      getRealtimeStats({ db: deps.db, actor: actorOf(request), siteId: request.params.siteId }),
  );

  app.post(
    '/api/sites/:siteId/live/ticket',
    {
      onRequest,
      schema: {
        tags: ['stats'],
        summary: 'A single-use ticket (30 s) to open the live feed from a browser as ?ticket=',
        description:
          "Browsers cannot set headers on a WebSocket. A ticket opens only this site's feed, once, so " +
          'the URL that carries it is worthless in a log. Client viewers may ask for one.',
        security,
        params: SiteParams,
        response: { 200: LiveTicket, ...errorResponses(401, 404) },
      },
    },
    async (request) =>
      createLiveTicket({
        db: deps.db,
        cache: deps.state.cache,
        actor: actorOf(request),
        siteId: request.params.siteId,
      }),
  );

  app.register(async (scope) => {
    const dropped = new Counter({
      name: 'beacon_live_messages_dropped_total',
      help: 'Live feed messages left out: for a client reading too slowly, or not published (Redis stalled)',
      labelNames: ['reason'] as const,
      registers: [deps.metrics],
    });
    const hub = createLiveHub({
      pubsub: deps.state.pubsub,
      limits: deps.liveLimits,
      // Called only once a client connects, by which time `listened` below exists.
      onFirstClient: (siteId) => listened.announce([siteId]),
      onDropped: (count) => dropped.inc({ reason: 'slow_client' }, count),
      log: scope.log,
    });
    const listened = await createListenedSites({
      pubsub: deps.state.pubsub,
      ownSites: () => hub.sites(),
      log: scope.log,
    });
    const publisher = createLivePublisher({
      pubsub: deps.state.pubsub,
      listened,
      log: scope.log,
      onDropped: (count) => dropped.inc({ reason: 'not_published' }, count),
    });
    new Gauge({
      name: 'beacon_live_connections',
      help: 'Open live feed connections on this instance',
      registers: [deps.metrics],
      collect() {
        this.set(hub.connections());
      },
    });
    const stopPublishing = deps.ingestion.writer.onCommitted(publisher.committed);
    scope.addHook('onClose', async () => {
      stopPublishing();
      await listened.close();
    });

    await scope.register(websocket, {
      options: { maxPayload: MAX_CLIENT_FRAME_BYTES },
      // Before the server stops accepting: open sockets would otherwise hold close() until they end.
      preClose: async () => {
        await hub.close();
        scope.websocketServer.close();
      },
    });

    // A header authenticates here like on every route; a browser's ticket is redeemed in preHandler.
    const headerActor: onRequestHookHandler = function (request, reply, done) {
      if (request.headers.authorization === undefined) return done();
      return onRequest.call(this, request, reply, done);
    };

    scope.route<{ Params: Static<typeof SiteParams>; Querystring: Static<typeof LiveQuery> }>({
      method: 'GET',
      url: '/api/sites/:siteId/live',
      onRequest: headerActor,
      schema: { hide: true, params: SiteParams, querystring: LiveQuery },
      preHandler: async (request) => {
        const { siteId } = request.params;
        request.actor = await authenticateLive({
          headerActor: request.actor,
          ticket: request.query.ticket,
          urlToken: request.query.token,
          siteId,
          cache: deps.state.cache,
          rateLimits: deps.state.rateLimits,
        });
        await getSite({ db: deps.db, actor: request.actor, siteId });
      },
      handler: () => {
        throw new AppError('bad_request', 'This is a WebSocket endpoint: connect with Upgrade: websocket');
      },
      wsHandler: (socket, request) => {
        const actor = actorOf(request);
        const { siteId } = request.params;
        const client = hub.join({
          socket,
          siteId,
          userKey: actor.apiKeyId ?? actor.userId,
          stillAllowed: () => checkLiveAccess({ db: deps.db, actor, siteId }),
        });
        if (client === undefined) return;
        socket.on('close', () => hub.leave(client));
        socket.on('pong', () => hub.pong(client));
      },
    });
  });
}
