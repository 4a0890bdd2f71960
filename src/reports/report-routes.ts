import { Type } from 'typebox';
import type { Pool } from '../db/pool.ts';
import { AppError } from '../errors.ts';
import { actorOf, requireActor } from '../http/auth.ts';
import { errorResponses, type App } from '../http/types.ts';
import type { AccessTokens } from '../tenancy/auth/access-tokens.ts';
import { Branding, findLogo, getBranding } from './agency-branding.ts';
import { ClientReport, ClientReportQuery, getClientReport } from './client-report.ts';
import {
  getReportSettings,
  ReportSettings,
  updateReportSettings,
  UpdateReportSettingsBody,
} from './report-settings.ts';
import { updateBranding, UpdateBrandingBody, UploadLogoBody } from './update-branding.ts';

const SiteParams = Type.Object({ siteId: Type.String({ minLength: 1, maxLength: 64 }) });
const LogoParams = Type.Object({ sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }) });

/** Client reports: a site's summary, its mail schedule, and the agency's name and logo on both. */
export function registerReportRoutes(app: App, deps: { db: Pool; analyticsDb?: Pool; tokens: AccessTokens }) {
  const onRequest = requireActor(deps);
  const security = [{ bearerAuth: [] }];
  const tags = ['reports'];

  app.get(
    '/api/sites/:siteId/report',
    {
      onRequest,
      schema: {
        tags,
        summary:
          'A client report: headline numbers against the period before, top pages and sources, conversions, new hot leads',
        security,
        params: SiteParams,
        querystring: ClientReportQuery,
        response: { 200: ClientReport, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) =>
      getClientReport({
        db: deps.db,
        analyticsDb: deps.analyticsDb ?? deps.db,
        actor: actorOf(request),
        siteId: request.params.siteId,
        query: request.query,
      }),
  );

  app.get(
    '/api/sites/:siteId/report/settings',
    {
      onRequest,
      schema: {
        tags,
        summary: 'The site’s report schedule and recipients (owners and admins)',
        security,
        params: SiteParams,
        response: { 200: ReportSettings, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) =>
      getReportSettings({ db: deps.db, actor: actorOf(request), siteId: request.params.siteId }),
  );

  app.patch(
    '/api/sites/:siteId/report/settings',
    {
      onRequest,
      schema: {
        tags,
        summary: 'Change the site’s report schedule and recipients (owners and admins)',
        security,
        params: SiteParams,
        body: UpdateReportSettingsBody,
        response: { 200: ReportSettings, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) =>
      updateReportSettings({
        db: deps.db,
        actor: actorOf(request),
        siteId: request.params.siteId,
        ip: request.ip,
        input: request.body,
      }),
  );

  app.get(
    '/api/agency/branding',
    {
      onRequest,
      schema: {
        tags,
        summary: 'The agency’s name and logo as reports show them',
        security,
        response: { 200: Branding, ...errorResponses(401) },
      },
    },
    async (request) => getBranding(deps.db, actorOf(request).agencyId),
  );

  app.patch(
    '/api/agency/branding',
    {
      onRequest,
      schema: {
        tags,
        summary: 'Set the name reports show (owners and admins)',
        security,
        body: UpdateBrandingBody,
        response: { 200: Branding, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) =>
      updateBranding({
        db: deps.db,
        actor: actorOf(request),
        ip: request.ip,
        change: { kind: 'display_name', displayName: request.body.displayName },
      }),
  );

  app.post(
    '/api/agency/branding/logo',
    {
      onRequest,
      schema: {
        tags,
        summary: 'Upload the logo reports show: PNG, JPEG or WebP, checked by content (owners and admins)',
        security,
        body: UploadLogoBody,
        response: { 200: Branding, ...errorResponses(400, 401, 403, 413) },
      },
    },
    async (request) =>
      updateBranding({
        db: deps.db,
        actor: actorOf(request),
        ip: request.ip,
        change: { kind: 'logo', image: request.body.image },
      }),
  );

  app.delete(
    '/api/agency/branding/logo',
    {
      onRequest,
      schema: {
        tags,
        summary: 'Remove the logo (owners and admins)',
        security,
        response: { 200: Branding, ...errorResponses(401, 403) },
      },
    },
    async (request) =>
      updateBranding({
        db: deps.db,
        actor: actorOf(request),
        ip: request.ip,
        change: { kind: 'remove_logo' },
      }),
  );

  app.get(
    '/api/branding/logos/:sha256',
    {
      schema: {
        tags,
        summary:
          'A logo by the SHA-256 of its content, without credentials (mail clients fetch it); immutable, cached for a year',
        params: LogoParams,
        response: { 404: Type.Ref('ErrorResponse') },
      },
    },
    async (request, reply) => {
      const logo = await findLogo(deps.db, request.params.sha256);
      if (logo === undefined) throw new AppError('not_found', 'Logo not found', { field: 'sha256' });
      return reply
        .header('content-type', logo.type)
        .header('cache-control', 'public, max-age=31536000, immutable')
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('cross-origin-resource-policy', 'cross-origin')
        .send(logo.bytes);
    },
  );
}
