import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';
import type { App } from '../http/types.ts';
import { isClientRoute } from './client-routes.ts';
import type { DashboardFile, DashboardFiles } from './load-dashboard.ts';

/**
 * The dashboard's own policy: scripts and styles only from Beacon's origin (Vite emits no inline
 * script), the API on the same origin, nothing may frame it. uPlot and Preact set styles through
 * the CSSOM, which `style-src` does not govern, so no `unsafe-inline` is needed there either.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Asset names carry a hash of their content, so a cached one never goes stale. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** index.html names the current assets: browsers revalidate it (a 304 through its ETag) every time. */
const REVALIDATE = 'no-cache';

function send(request: FastifyRequest, reply: FastifyReply, file: DashboardFile, cacheControl: string) {
  reply
    .header('content-type', file.contentType)
    .header('cache-control', cacheControl)
    .header('etag', file.etag)
    .header('vary', 'accept-encoding')
    .header('content-security-policy', DASHBOARD_CSP);
  if (request.headers['if-none-match'] === file.etag) return reply.status(304).send();
  if (/\bgzip\b/.test(request.headers['accept-encoding'] ?? '')) {
    return reply.header('content-encoding', 'gzip').send(file.gzipped);
  }
  return reply.send(file.body);
}

/**
 * Serves the built dashboard: its hashed assets under /assets/, and index.html for its client-side
 * routes, which the catch-all route (shared with the tracker's aliases) hands to the returned function.
 */
export function registerDashboardRoutes(app: App, deps: { files: DashboardFiles }) {
  app.get('/assets/*', { logLevel: 'warn', schema: { hide: true } }, async (request, reply) => {
    const file = deps.files.assets.get((request.params as { '*': string })['*']);
    if (!file) throw new AppError('not_found', 'Not found');
    return send(request, reply, file, IMMUTABLE);
  });

  return {
    serveClientRoute(request: FastifyRequest, reply: FastifyReply) {
      if (!isClientRoute(request.url.split('?')[0] ?? '')) throw new AppError('not_found', 'Not found');
      return send(request, reply, deps.files.index, REVALIDATE);
    },
  };
}
