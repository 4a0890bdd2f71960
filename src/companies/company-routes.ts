import { Type } from 'typebox';
import type { Pool } from '../db/pool.ts';
import { actorOf, requireActor } from '../http/auth.ts';
import { errorResponses, type App } from '../http/types.ts';
import type { AccessTokens } from '../tenancy/auth/access-tokens.ts';
import { CompanySummary } from './company-record.ts';
import { exportCompaniesCsv } from './export-companies.ts';
import { CompanyDetail, getCompany } from './get-company.ts';
import { setCompanyHidden } from './hide-company.ts';
import { CompanyFilters, CompanyPage, listCompanies, ListCompaniesQuery } from './list-companies.ts';
import { CompanyVisitPage, listCompanyVisits, ListCompanyVisitsQuery } from './list-company-visits.ts';

const SiteParams = Type.Object({ siteId: Type.String({ minLength: 1, maxLength: 64 }) });
const CompanyParams = Type.Object({
  siteId: Type.String({ minLength: 1, maxLength: 64 }),
  companyId: Type.String({ minLength: 1, maxLength: 64 }),
});

/** The companies API: routes validate, call the operation and let errors render in one place. */
export function registerCompanyRoutes(app: App, deps: { db: Pool; tokens: AccessTokens }) {
  const onRequest = requireActor(deps);
  const security = [{ bearerAuth: [] }];
  const tags = ['companies'];

  app.get(
    '/api/sites/:siteId/companies',
    {
      onRequest,
      schema: {
        tags,
        summary: 'Companies that visited the site: filtered, sorted, a page at a time',
        security,
        params: SiteParams,
        querystring: ListCompaniesQuery,
        response: { 200: CompanyPage, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) =>
      listCompanies({
        db: deps.db,
        actor: actorOf(request),
        siteId: request.params.siteId,
        input: request.query,
      }),
  );

  app.get(
    '/api/sites/:siteId/companies.csv',
    {
      onRequest,
      schema: {
        tags,
        summary: 'The companies as CSV (the list filters and sort; 50,000 rows at most)',
        security,
        params: SiteParams,
        querystring: Type.Object(CompanyFilters.properties, { additionalProperties: false }),
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
      const result = await exportCompaniesCsv({
        db: deps.db,
        actor: actorOf(request),
        siteId: request.params.siteId,
        input: request.query,
      });
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="companies-${request.params.siteId}.csv"`)
        .header('x-beacon-rows', String(result.rows))
        .header('x-beacon-truncated', String(result.truncated))
        .send(result.csv);
    },
  );

  app.get(
    '/api/sites/:siteId/companies/:companyId',
    {
      onRequest,
      schema: {
        tags,
        summary: 'One company: score breakdown, lead-status history and visit history',
        security,
        params: CompanyParams,
        response: { 200: CompanyDetail, ...errorResponses(401, 404) },
      },
    },
    async (request) =>
      getCompany({
        db: deps.db,
        actor: actorOf(request),
        siteId: request.params.siteId,
        companyId: request.params.companyId,
      }),
  );

  app.get(
    '/api/sites/:siteId/companies/:companyId/visits',
    {
      onRequest,
      schema: {
        tags,
        summary: "A company's visits, newest first, a page at a time, each with its pages and source",
        security,
        params: CompanyParams,
        querystring: ListCompanyVisitsQuery,
        response: { 200: CompanyVisitPage, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) =>
      listCompanyVisits({
        db: deps.db,
        actor: actorOf(request),
        siteId: request.params.siteId,
        companyId: request.params.companyId,
        input: request.query,
      }),
  );

  for (const [action, hidden] of [
    ['hide', true],
    ['unhide', false],
  ] as const) {
    app.post(
      `/api/sites/:siteId/companies/:companyId/${action}`,
      {
        onRequest,
        schema: {
          tags,
          summary: hidden
            ? "Hide a company (the client's own, a partner) from lists, exports and notifications"
            : 'Show a hidden company again',
          security,
          params: CompanyParams,
          response: { 200: CompanySummary, ...errorResponses(401, 403, 404) },
        },
      },
      async (request) =>
        setCompanyHidden({
          db: deps.db,
          actor: actorOf(request),
          siteId: request.params.siteId,
          companyId: request.params.companyId,
          hidden,
          ip: request.ip,
        }),
    );
  }
}
