import { Type } from 'typebox';
import type { Pool } from '../../db/pool.ts';
import { actorOf, requireActor } from '../../http/auth.ts';
import { errorResponses, type App } from '../../http/types.ts';
import type { AccessTokens } from '../auth/access-tokens.ts';
import { createSite } from './create-site.ts';
import { getSite, listSites } from './get-site.ts';
import { listDeletedSites, restoreSite } from './restore-site.ts';
import { DeletedSite, Site } from './site-record.ts';
import { deleteSite, updateSite } from './update-site.ts';
import type { PubSub } from '../../state/interface.ts';

/** Instances drop their cached copy of a site when this channel names its public key. */
export const SITE_CHANGED_CHANNEL = 'site-changed';

export const UpdateSiteBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    domain: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
    allowedDomains: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 255 }), {
        maxItems: 50,
        description: 'Page hosts besides the domain that may send events; `*.example.com` allows subdomains',
        examples: [['shop.example.com', '*.example-cdn.com']],
      }),
    ),
    timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64, examples: ['Europe/Berlin'] })),
    botPolicy: Type.Optional(Type.Union([Type.Literal('flag'), Type.Literal('drop')])),
    retentionDays: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 3650,
        description:
          'Whole days raw data is kept (events, sessions, company visits, deliveries; 90 for new sites); the daily retention job deletes what is older. Roll-ups (aggregates without personal data) are kept beyond it, so unfiltered reports still answer; lowering it deletes data for good',
      }),
    ),
    cookieless: Type.Optional(
      Type.Boolean({ description: 'Never keep client visitor ids, even with consent' }),
    ),
    respectDnt: Type.Optional(Type.Boolean({ description: 'Drop events from browsers that send DNT: 1' })),
    companyIdentificationWithoutConsent: Type.Optional(
      Type.Boolean({
        description:
          'Identify the companies of visitors without analytics consent under legitimate interest: their addresses go to the online IP provider (IPinfo) too. Off by default: without consent only the offline databases see the address. Global Privacy Control always keeps it local.',
      }),
    ),
    trackerAlias: Type.Optional(
      Type.Union([Type.String({ pattern: '^[a-z0-9][a-z0-9/_.-]{0,99}\\.js$' }), Type.Null()], {
        description: 'Another path serving the tracker, e.g. js/app.js',
      }),
    ),
  },
  {
    additionalProperties: false,
    examples: [
      {
        allowedDomains: ['shop.acme.example', '*.acme-cdn.example'],
        timezone: 'Europe/Berlin',
        botPolicy: 'drop',
        retentionDays: 90,
        trackerAlias: 'js/app.js',
      },
    ],
  },
);

export const CreateSiteBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, examples: ['Acme Corp website'] }),
    domain: Type.String({ minLength: 1, maxLength: 253, examples: ['www.acme.example'] }),
    timezone: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description: 'IANA time zone reports count days in (default UTC; PATCH changes it later)',
        examples: ['Europe/Berlin'],
      }),
    ),
  },
  { examples: [{ name: 'Acme Corp website', domain: 'www.acme.example', timezone: 'Europe/Berlin' }] },
);

const CreatedSite = Type.Intersect([
  Site,
  Type.Object({
    writeKey: Type.String({ description: 'Secret key for server-side ingestion; shown only once' }),
  }),
]);

const SiteParams = Type.Object({ siteId: Type.String({ minLength: 1, maxLength: 64 }) });

export function registerSiteRoutes(
  app: App,
  deps: { db: Pool; tokens: AccessTokens; state: { pubsub: PubSub } },
) {
  const security = [{ bearerAuth: [] }];
  const onRequest = requireActor(deps);

  app.post(
    '/api/sites',
    {
      onRequest,
      schema: {
        tags: ['sites'],
        summary: "Create a site (a client's website) in the caller's agency",
        security,
        body: CreateSiteBody,
        response: { 201: CreatedSite, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const site = await createSite({
        db: deps.db,
        actor: actorOf(request),
        input: request.body,
        ip: request.ip,
      });
      return reply.status(201).send(site);
    },
  );

  app.get(
    '/api/sites',
    {
      onRequest,
      schema: {
        tags: ['sites'],
        summary: "List the caller's agency's sites",
        security,
        response: { 200: Type.Object({ sites: Type.Array(Site) }), ...errorResponses(401) },
      },
    },
    async (request) => ({ sites: await listSites({ db: deps.db, actor: actorOf(request) }) }),
  );

  app.get(
    '/api/sites/:siteId',
    {
      onRequest,
      schema: {
        tags: ['sites'],
        summary: "One site; another agency's site answers 404",
        security,
        params: SiteParams,
        response: { 200: Site, ...errorResponses(401, 404) },
      },
    },
    async (request) => getSite({ db: deps.db, actor: actorOf(request), siteId: request.params.siteId }),
  );

  app.patch(
    '/api/sites/:siteId',
    {
      onRequest,
      schema: {
        tags: ['sites'],
        summary: "Change a site's settings (owner or admin)",
        security,
        params: SiteParams,
        body: UpdateSiteBody,
        response: { 200: Site, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const site = await updateSite({
        db: deps.db,
        actor: actorOf(request),
        siteId: request.params.siteId,
        input: request.body,
        ip: request.ip,
      });
      await deps.state.pubsub.publish(SITE_CHANGED_CHANNEL, site.siteKey);
      return site;
    },
  );

  app.delete(
    '/api/sites/:siteId',
    {
      onRequest,
      schema: {
        tags: ['sites'],
        summary:
          'Delete a site: tracking stops at once; it can be restored for 30 days, then it and all of its data are deleted (owner or admin)',
        security,
        params: SiteParams,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const site = await deleteSite({
        db: deps.db,
        actor: actorOf(request),
        siteId: request.params.siteId,
        ip: request.ip,
      });
      await deps.state.pubsub.publish(SITE_CHANGED_CHANNEL, site.siteKey);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/sites/deleted',
    {
      onRequest,
      schema: {
        tags: ['sites'],
        summary:
          'Deleted sites that can still be restored, and when each is deleted for good (owner or admin)',
        security,
        response: { 200: Type.Object({ sites: Type.Array(DeletedSite) }), ...errorResponses(401, 403) },
      },
    },
    async (request) => ({ sites: await listDeletedSites({ db: deps.db, actor: actorOf(request) }) }),
  );

  app.post(
    '/api/sites/:siteId/restore',
    {
      onRequest,
      schema: {
        tags: ['sites'],
        summary:
          'Restore a deleted site within 30 days of its deletion: tracking resumes with the same keys, its data intact (owner or admin)',
        security,
        params: SiteParams,
        response: { 200: Site, ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request) => {
      const site = await restoreSite({
        db: deps.db,
        actor: actorOf(request),
        siteId: request.params.siteId,
        ip: request.ip,
      });
      await deps.state.pubsub.publish(SITE_CHANGED_CHANNEL, site.siteKey);
      return site;
    },
  );
}
