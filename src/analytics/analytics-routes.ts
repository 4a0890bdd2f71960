import { Type } from 'typebox';
import type { Pool } from '../db/pool.ts';
import { actorOf, requireActor } from '../http/auth.ts';
import { errorResponses, type App } from '../http/types.ts';
import type { Cache } from '../state/interface.ts';
import type { AccessTokens } from '../tenancy/auth/access-tokens.ts';
import {
  Breakdown,
  BreakdownPageQuery,
  BreakdownQuery,
  exportBreakdownCsv,
  getBreakdown,
} from './breakdown.ts';
import { registerFunnelRoutes } from './funnels/funnel-routes.ts';
import { CreateGoalBody, createGoal, deleteGoal, Goal, listGoals } from './goals/goals.ts';
import { getOverview, Overview } from './overview.ts';
import { asksForFreshReport, type ReportDeps } from './report-context.ts';
import { ReportRangeQuery } from './report-window.ts';
import { getRetention, Retention, RetentionQuery } from './retention.ts';
import { getTimeseries, Timeseries, TimeseriesQuery } from './timeseries.ts';

const Id = Type.String({ minLength: 1, maxLength: 64 });
const SiteParams = Type.Object({ siteId: Id });
const GoalParams = Type.Object({ siteId: Id, goalId: Id });

/** Reports: routes validate, read the site's reports and say whether the answer came from the cache. */
export function registerAnalyticsRoutes(
  app: App,
  deps: { db: Pool; analyticsDb?: Pool; tokens: AccessTokens; state: { cache: Cache } },
) {
  const onRequest = requireActor(deps);
  const security = [{ bearerAuth: [] }];
  const tags = ['analytics'];
  const reports: ReportDeps = {
    db: deps.db,
    analyticsDb: deps.analyticsDb ?? deps.db,
    cache: deps.state.cache,
  };
  const cacheHeader = {
    'x-beacon-cache':
      'hit: answered from the 30-second report cache; miss: computed now (always when the request sends Cache-Control: no-cache)',
  };

  app.get(
    '/api/sites/:siteId/stats/overview',
    {
      onRequest,
      schema: {
        tags,
        summary: 'Visitors, sessions, page views, bounce rate, time, conversions and revenue over a range',
        description: cacheHeader['x-beacon-cache'],
        security,
        params: SiteParams,
        querystring: Type.Object(ReportRangeQuery, { additionalProperties: false }),
        response: { 200: Overview, ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const { report, cached } = await getOverview(
        { ...reports, fresh: asksForFreshReport(request.headers['cache-control']) },
        actorOf(request),
        request.params.siteId,
        request.query,
      );
      return reply.header('x-beacon-cache', cached ? 'hit' : 'miss').send(report);
    },
  );

  app.get(
    '/api/sites/:siteId/stats/timeseries',
    {
      onRequest,
      schema: {
        tags,
        summary: 'Metrics per hour, day, week or month in the site’s time zone, every bucket present',
        security,
        params: SiteParams,
        querystring: Type.Object(
          { ...ReportRangeQuery, ...TimeseriesQuery },
          { additionalProperties: false },
        ),
        response: { 200: Timeseries, ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const { report, cached } = await getTimeseries(
        { ...reports, fresh: asksForFreshReport(request.headers['cache-control']) },
        actorOf(request),
        request.params.siteId,
        request.query,
      );
      return reply.header('x-beacon-cache', cached ? 'hit' : 'miss').send(report);
    },
  );

  app.get(
    '/api/sites/:siteId/stats/breakdown',
    {
      onRequest,
      schema: {
        tags,
        summary:
          'Metrics per value of a dimension (page, source, country, company, goal, …), sorted and paged',
        security,
        params: SiteParams,
        querystring: Type.Object(
          { ...ReportRangeQuery, ...BreakdownPageQuery },
          { additionalProperties: false },
        ),
        response: { 200: Breakdown, ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const { report, cached } = await getBreakdown(
        { ...reports, fresh: asksForFreshReport(request.headers['cache-control']) },
        actorOf(request),
        request.params.siteId,
        request.query,
      );
      return reply.header('x-beacon-cache', cached ? 'hit' : 'miss').send(report);
    },
  );

  app.get(
    '/api/sites/:siteId/stats/breakdown.csv',
    {
      onRequest,
      schema: {
        tags,
        summary: 'The breakdown as CSV: every value (50,000 at most), revenue one column per currency',
        security,
        params: SiteParams,
        querystring: Type.Object({ ...ReportRangeQuery, ...BreakdownQuery }, { additionalProperties: false }),
        produces: ['text/csv'],
        response: {
          200: {
            description: 'RFC 4180 CSV; cells that a spreadsheet would run as formulas start with a quote',
            content: { 'text/csv': { schema: Type.String() } },
          },
          ...errorResponses(400, 401, 404),
        },
      },
    },
    async (request, reply) => {
      const result = await exportBreakdownCsv(
        reports,
        actorOf(request),
        request.params.siteId,
        request.query,
      );
      const name = request.query.dimension.replace(/[^\w-]/g, '_');
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${name}-${request.params.siteId}.csv"`)
        .header('x-beacon-rows', String(result.rows))
        .header('x-beacon-truncated', String(result.truncated))
        .send(result.csv);
    },
  );

  app.get(
    '/api/sites/:siteId/stats/retention',
    {
      onRequest,
      schema: {
        tags,
        summary: 'Weekly cohorts of new visitors and how many came back each week after; new vs returning',
        description:
          'Weeks start on Monday in the site’s time zone. Filters choose the cohorts by their first visit; a return is any later visit. Visitors with a cookieless id (no analytics consent) cannot be recognised on another day: they form no cohort and are counted apart. ' +
          cacheHeader['x-beacon-cache'],
        security,
        params: SiteParams,
        querystring: Type.Object(RetentionQuery, { additionalProperties: false }),
        response: { 200: Retention, ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const { report, cached } = await getRetention(
        { ...reports, fresh: asksForFreshReport(request.headers['cache-control']) },
        actorOf(request),
        request.params.siteId,
        request.query,
      );
      return reply.header('x-beacon-cache', cached ? 'hit' : 'miss').send(report);
    },
  );

  app.get(
    '/api/sites/:siteId/goals',
    {
      onRequest,
      schema: {
        tags,
        summary: 'The site’s goals: what its reports count as conversions',
        security,
        params: SiteParams,
        response: { 200: Type.Array(Goal), ...errorResponses(401, 404) },
      },
    },
    async (request) => listGoals({ db: deps.db, actor: actorOf(request), siteId: request.params.siteId }),
  );

  app.post(
    '/api/sites/:siteId/goals',
    {
      onRequest,
      schema: {
        tags,
        summary: 'Add a goal: an event name or a page pattern, optionally with a revenue property',
        security,
        params: SiteParams,
        body: CreateGoalBody,
        response: { 201: Goal, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const goal = await createGoal({
        db: deps.db,
        actor: actorOf(request),
        siteId: request.params.siteId,
        input: request.body,
        ip: request.ip,
      });
      return reply.code(201).send(goal);
    },
  );

  app.delete(
    '/api/sites/:siteId/goals/:goalId',
    {
      onRequest,
      schema: {
        tags,
        summary: 'Remove a goal; reports stop counting it at once (past events are not changed)',
        security,
        params: GoalParams,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await deleteGoal({
        db: deps.db,
        actor: actorOf(request),
        siteId: request.params.siteId,
        goalId: request.params.goalId,
        ip: request.ip,
      });
      return reply.code(204).send(null);
    },
  );

  registerFunnelRoutes(app, deps);
}
