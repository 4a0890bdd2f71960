import { Type } from 'typebox';
import type { Pool } from '../db/pool.ts';
import { actorOf, requireActor } from '../http/auth.ts';
import { errorResponses, type App } from '../http/types.ts';
import type { AccessTokens } from './access-tokens.ts';
import { createSite } from './create-site.ts';
import { getSite, listSites } from './get-site.ts';
import { Site } from './site-record.ts';

export const CreateSiteBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200, examples: ['Acme Corp website'] }),
  domain: Type.String({ minLength: 1, maxLength: 253, examples: ['www.acme.example'] }),
});

const CreatedSite = Type.Intersect([
  Site,
  Type.Object({
    writeKey: Type.String({ description: 'Secret key for server-side ingestion; shown only once' }),
  }),
]);

const SiteParams = Type.Object({ siteId: Type.String({ minLength: 1, maxLength: 64 }) });

export function registerSiteRoutes(app: App, deps: { db: Pool; tokens: AccessTokens }) {
  const security = [{ bearerAuth: [] }];
  const onRequest = requireActor(deps.tokens);

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
      const site = await createSite({ db: deps.db, actor: actorOf(request), input: request.body });
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
}
