import { Type } from 'typebox';
import type { Pool } from '../../db/pool.ts';
import { actorOf, requireActor } from '../../http/auth.ts';
import { errorResponses, type App } from '../../http/types.ts';
import type { Cache } from '../../state/interface.ts';
import type { AccessTokens } from '../../tenancy/auth/access-tokens.ts';
import { ReportRangeQuery } from '../report-window.ts';
import { asksForFreshReport } from '../report-context.ts';
import { createFunnel } from './create-funnel.ts';
import { deleteFunnel } from './delete-funnel.ts';
import { CreateFunnelBody, Funnel, UpdateFunnelBody } from './funnel-record.ts';
import { FunnelReport, type FunnelReportDeps } from './funnel-report.ts';
import { getFunnel } from './get-funnel.ts';
import { getFunnelReport } from './get-funnel-report.ts';
import { listFunnels } from './list-funnels.ts';
import { FunnelQueryBody, queryFunnel } from './query-funnel.ts';
import { updateFunnel } from './update-funnel.ts';

const Id = Type.String({ minLength: 1, maxLength: 64 });
const SiteParams = Type.Object({ siteId: Id });
const FunnelParams = Type.Object({ siteId: Id, funnelId: Id });

/** Funnels: ad-hoc queries and reports are reads (viewers too); saving, changing, removing are writes. */
export function registerFunnelRoutes(
  app: App,
  deps: { db: Pool; analyticsDb?: Pool; tokens: AccessTokens; state: { cache: Cache } },
) {
  const onRequest = requireActor(deps);
  const security = [{ bearerAuth: [] }];
  const tags = ['analytics'];
  const reports: FunnelReportDeps = {
    db: deps.db,
    analyticsDb: deps.analyticsDb ?? deps.db,
    cache: deps.state.cache,
  };

  app.post(
    '/api/sites/:siteId/funnels/query',
    {
      onRequest,
      schema: {
        tags,
        summary: 'How many visitors took each step of a funnel, in order, within a window (a read)',
        description:
          'x-beacon-cache: hit when answered from the 30-second report cache, miss when computed now (always when the request sends Cache-Control: no-cache)',
        security,
        params: SiteParams,
        body: FunnelQueryBody,
        response: { 200: FunnelReport, ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const { report, cached } = await queryFunnel(
        { ...reports, fresh: asksForFreshReport(request.headers['cache-control']) },
        actorOf(request),
        request.params.siteId,
        request.body,
      );
      return reply.header('x-beacon-cache', cached ? 'hit' : 'miss').send(report);
    },
  );

  app.get(
    '/api/sites/:siteId/funnels',
    {
      onRequest,
      schema: {
        tags,
        summary: 'The site’s saved funnels',
        security,
        params: SiteParams,
        response: { 200: Type.Array(Funnel), ...errorResponses(401, 404) },
      },
    },
    async (request) => listFunnels({ db: deps.db, actor: actorOf(request), siteId: request.params.siteId }),
  );

  app.post(
    '/api/sites/:siteId/funnels',
    {
      onRequest,
      schema: {
        tags,
        summary: 'Save a funnel (100 per site at most; names unique per site)',
        security,
        params: SiteParams,
        body: CreateFunnelBody,
        response: { 201: Funnel, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const funnel = await createFunnel({
        db: deps.db,
        actor: actorOf(request),
        siteId: request.params.siteId,
        input: request.body,
        ip: request.ip,
      });
      return reply.code(201).send(funnel);
    },
  );

  app.get(
    '/api/sites/:siteId/funnels/:funnelId',
    {
      onRequest,
      schema: {
        tags,
        summary: 'A saved funnel',
        security,
        params: FunnelParams,
        response: { 200: Funnel, ...errorResponses(401, 404) },
      },
    },
    async (request) =>
      getFunnel({
        db: deps.db,
        actor: actorOf(request),
        siteId: request.params.siteId,
        funnelId: request.params.funnelId,
      }),
  );

  app.patch(
    '/api/sites/:siteId/funnels/:funnelId',
    {
      onRequest,
      schema: {
        tags,
        summary: 'Rename a saved funnel or change its steps or window',
        security,
        params: FunnelParams,
        body: UpdateFunnelBody,
        response: { 200: Funnel, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      updateFunnel({
        db: deps.db,
        actor: actorOf(request),
        siteId: request.params.siteId,
        funnelId: request.params.funnelId,
        input: request.body,
        ip: request.ip,
      }),
  );

  app.delete(
    '/api/sites/:siteId/funnels/:funnelId',
    {
      onRequest,
      schema: {
        tags,
        summary: 'Remove a saved funnel',
        security,
        params: FunnelParams,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await deleteFunnel({
        db: deps.db,
        actor: actorOf(request),
        siteId: request.params.siteId,
        funnelId: request.params.funnelId,
        ip: request.ip,
      });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/sites/:siteId/funnels/:funnelId/report',
    {
      onRequest,
      schema: {
        tags,
        summary: 'A saved funnel counted over a range, with filters and compare=previous',
        description:
          'Answers as POST …/funnels/query does. x-beacon-cache: hit when answered from the 30-second report cache',
        security,
        params: FunnelParams,
        querystring: Type.Object(ReportRangeQuery, { additionalProperties: false }),
        response: { 200: FunnelReport, ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const { report, cached } = await getFunnelReport(
        { ...reports, fresh: asksForFreshReport(request.headers['cache-control']) },
        actorOf(request),
        request.params.siteId,
        request.params.funnelId,
        request.query,
      );
      return reply.header('x-beacon-cache', cached ? 'hit' : 'miss').send(report);
    },
  );
}
