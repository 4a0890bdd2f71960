import { Type } from 'typebox';
import type { Pool } from '../db/pool.ts';
import { actorOf, requireActor } from '../http/auth.ts';
import { errorResponses, type App } from '../http/types.ts';
import type { PubSub } from '../state/interface.ts';
import type { AccessTokens } from '../tenancy/auth/access-tokens.ts';
import { SITE_CHANGED_CHANNEL } from '../tenancy/sites/site-routes.ts';
import { createDestination } from './create-destination.ts';
import { deleteDestination } from './delete-destination.ts';
import { Destination, EventRuleSchema } from './destination-record.ts';
import { DestinationHealth, HEALTH_WINDOW_HOURS, listDeliveryHealth } from './delivery-health.ts';
import type { DestinationServices } from './destination-services.ts';
import { getDestination } from './get-destination.ts';
import { listDestinations } from './list-destinations.ts';
import { Delivery, DeliveryPage, listDeliveries, ListDeliveriesQuery } from './list-deliveries.ts';
import { replayDeliveries } from './replay-deliveries.ts';
import { testDestination } from './test-destination.ts';
import { updateDestination } from './update-destination.ts';

const Id = Type.String({ minLength: 1, maxLength: 64 });
const SiteParams = Type.Object({ siteId: Id });
const DestinationParams = Type.Object({ siteId: Id, destinationId: Id });
const Config = Type.Record(Type.String(), Type.Unknown(), {
  description:
    "The platform's settings; see the README's destinations section. Secrets are sealed and never shown again",
});

const CreateDestinationBody = Type.Object(
  {
    type: Type.Union([
      Type.Literal('ga4'),
      Type.Literal('meta'),
      Type.Literal('google_ads'),
      Type.Literal('webhook'),
    ]),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    enabled: Type.Optional(Type.Boolean()),
    config: Config,
    events: Type.Optional(Type.Array(EventRuleSchema, { maxItems: 100 })),
  },
  {
    additionalProperties: false,
    examples: [
      { type: 'ga4', config: { measurementId: 'G-ABC123XYZ', apiSecret: 'abcDEF123' } },
      {
        type: 'meta',
        config: { pixelId: '123456789012345', accessToken: 'EAAB…' },
        events: [
          { match: 'pageview', as: 'PageView' },
          { match: 'purchase', as: 'Purchase' },
        ],
      },
      {
        type: 'google_ads',
        config: {
          customerId: '123-456-7890',
          conversionActionId: '555000111',
          oauth: { clientId: '….apps.googleusercontent.com', clientSecret: '…', refreshToken: '1//…' },
        },
        events: [{ match: 'purchase' }],
      },
      { type: 'webhook', config: { url: 'https://hooks.slack.com/services/T000/B000/XXXX' } },
    ],
  },
);

const UpdateDestinationBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    enabled: Type.Optional(Type.Boolean()),
    config: Type.Optional(Config),
    events: Type.Optional(Type.Union([Type.Array(EventRuleSchema, { maxItems: 100 }), Type.Null()])),
  },
  {
    additionalProperties: false,
    examples: [
      { enabled: false },
      { config: { apiSecret: 'a-new-secret' } },
      {
        events: [
          { match: 'purchase', as: 'Purchase' },
          { match: 'signup', as: 'CompleteRegistration' },
        ],
      },
    ],
  },
);

const TestResultSchema = Type.Object({ ok: Type.Boolean(), messages: Type.Array(Type.String()) });

/** The destinations API: each route validates, calls its operation and answers. */
export function registerDestinationRoutes(
  app: App,
  deps: { db: Pool; tokens: AccessTokens; destinations: DestinationServices; state: { pubsub: PubSub } },
) {
  const onRequest = requireActor(deps);
  const security = [{ bearerAuth: [] }];
  const tags = ['destinations'];
  app.addSchema(Destination);
  app.addSchema(Delivery);
  app.addSchema(DestinationHealth);
  // Ingestion caches each site with its destinations: a change must reach every instance at once.
  const siteChanged = (siteKey: string) => deps.state.pubsub.publish(SITE_CHANGED_CHANNEL, siteKey);

  app.post(
    '/api/sites/:siteId/destinations',
    {
      onRequest,
      schema: {
        tags,
        summary:
          'Forward the site’s events server-side to GA4, Meta or Google Ads, or hot leads to a webhook',
        security,
        params: SiteParams,
        body: CreateDestinationBody,
        response: { 201: Type.Ref('Destination'), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { destination, siteKey } = await createDestination({
        db: deps.db,
        sealer: deps.destinations.sealer,
        actor: actorOf(request),
        siteId: request.params.siteId,
        input: request.body,
        ip: request.ip,
      });
      await siteChanged(siteKey);
      return reply.status(201).send(destination);
    },
  );

  app.get(
    '/api/sites/:siteId/destinations',
    {
      onRequest,
      schema: {
        tags,
        summary: 'The site’s destinations (secrets shown only as `<field>Set`)',
        security,
        params: SiteParams,
        response: {
          200: Type.Object({ destinations: Type.Array(Type.Ref('Destination')) }),
          ...errorResponses(401, 403, 404),
        },
      },
    },
    async (request) => ({
      destinations: await listDestinations({
        db: deps.db,
        actor: actorOf(request),
        siteId: request.params.siteId,
      }),
    }),
  );

  app.get(
    '/api/sites/:siteId/destinations/health',
    {
      onRequest,
      schema: {
        tags,
        summary: `Delivery health of each destination: pending, retrying and dead now, delivered and skipped in the last ${HEALTH_WINDOW_HOURS} hours, the newest standing error`,
        security,
        params: SiteParams,
        response: {
          200: Type.Object({ destinations: Type.Array(Type.Ref('DestinationHealth')) }),
          ...errorResponses(401, 403, 404),
        },
      },
    },
    async (request) => ({
      destinations: await listDeliveryHealth({
        db: deps.db,
        actor: actorOf(request),
        siteId: request.params.siteId,
      }),
    }),
  );

  app.get(
    '/api/sites/:siteId/destinations/:destinationId',
    {
      onRequest,
      schema: {
        tags,
        summary: 'One destination',
        security,
        params: DestinationParams,
        response: { 200: Type.Ref('Destination'), ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => getDestination({ db: deps.db, actor: actorOf(request), ...request.params }),
  );

  app.patch(
    '/api/sites/:siteId/destinations/:destinationId',
    {
      onRequest,
      schema: {
        tags,
        summary:
          'Change a destination; a secret left out of `config` keeps its value, a field given as `null` is removed',
        security,
        params: DestinationParams,
        body: UpdateDestinationBody,
        response: { 200: Type.Ref('Destination'), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { destination, siteKey } = await updateDestination({
        db: deps.db,
        sealer: deps.destinations.sealer,
        actor: actorOf(request),
        ...request.params,
        input: request.body,
        ip: request.ip,
      });
      await siteChanged(siteKey);
      return destination;
    },
  );

  app.delete(
    '/api/sites/:siteId/destinations/:destinationId',
    {
      onRequest,
      schema: {
        tags,
        summary: 'Remove a destination and its delivery log; nothing more is sent to it',
        security,
        params: DestinationParams,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { siteKey } = await deleteDestination({
        db: deps.db,
        actor: actorOf(request),
        ...request.params,
        ip: request.ip,
      });
      await siteChanged(siteKey);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/sites/:siteId/destinations/:destinationId/test',
    {
      onRequest,
      schema: {
        tags,
        summary:
          "Send a test event the platform does not count (GA4's validation server, Meta's test event code, Google's validateOnly)",
        security,
        params: DestinationParams,
        response: { 200: TestResultSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) =>
      testDestination({
        db: deps.db,
        services: deps.destinations,
        actor: actorOf(request),
        ...request.params,
        log: request.log,
      }),
  );

  app.get(
    '/api/sites/:siteId/destinations/:destinationId/deliveries',
    {
      onRequest,
      schema: {
        tags,
        summary: 'The delivery log, newest first: status, attempts, the platform’s last answer',
        security,
        params: DestinationParams,
        querystring: ListDeliveriesQuery,
        response: { 200: DeliveryPage, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) =>
      listDeliveries({ db: deps.db, actor: actorOf(request), ...request.params, query: request.query }),
  );

  app.post(
    '/api/sites/:siteId/destinations/:destinationId/deliveries/replay',
    {
      onRequest,
      schema: {
        tags,
        summary: 'Send dead letters again: those of `ids`, or all of the destination',
        security,
        params: DestinationParams,
        body: Type.Object(
          {
            ids: Type.Optional(
              Type.Array(Type.Integer({ minimum: 1 }), {
                minItems: 1,
                maxItems: 10_000,
                description: 'The dead letters to send again; all of the destination when left out',
              }),
            ),
          },
          { additionalProperties: false, examples: [{}, { ids: [1042, 1043] }] },
        ),
        response: { 202: Type.Object({ requeued: Type.Integer() }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const result = await replayDeliveries({
        db: deps.db,
        actor: actorOf(request),
        ...request.params,
        ids: request.body.ids,
        ip: request.ip,
      });
      return reply.status(202).send(result);
    },
  );
}
