import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LRUCache } from 'lru-cache';
import { gzipSync } from 'node:zlib';
import type { Queryable } from '../db/pool.ts';
import { AppError } from '../errors.ts';
import type { App } from '../http/types.ts';

/** Browsers revalidate hourly (ETag makes that a 304), so a new tracker reaches every site within an hour. */
const CACHE_CONTROL = 'public, max-age=3600, stale-while-revalidate=86400';

/**
 * Serves the tracker at /beacon.js and at each site's alias path (`tracker_alias`, e.g. `js/app.js`),
 * so it can be proxied from the customer's own domain under a name blockers do not list. The script
 * is built before the server starts (`npm run build`); gzip is precomputed.
 */
export function registerTrackerRoutes(
  app: App,
  deps: {
    db: Queryable;
    trackerScript: string;
    /** What answers the other paths of the catch-all route (the dashboard's client routes); else 404. */
    fallback?: (request: FastifyRequest, reply: FastifyReply) => unknown;
  },
) {
  const plain = Buffer.from(deps.trackerScript);
  const gzipped = gzipSync(plain, { level: 9 });
  const etag = `"${createHash('sha256').update(plain).digest('base64url').slice(0, 22)}"`;
  const aliases = new LRUCache<string, { exists: boolean }>({ max: 10_000, ttl: 30_000 });

  const serve = (request: FastifyRequest, reply: FastifyReply) => {
    reply
      .header('content-type', 'application/javascript; charset=utf-8')
      .header('cache-control', CACHE_CONTROL)
      .header('etag', etag)
      .header('vary', 'accept-encoding')
      // Sites load the script from another origin; helmet's default same-site policy would block it.
      .header('cross-origin-resource-policy', 'cross-origin');
    if (request.headers['if-none-match'] === etag) return reply.status(304).send();
    if (/\bgzip\b/.test(request.headers['accept-encoding'] ?? '')) {
      return reply.header('content-encoding', 'gzip').send(gzipped);
    }
    return reply.send(plain);
  };

  app.get(
    '/beacon.js',
    { logLevel: 'warn', schema: { tags: ['tracking'], summary: 'The tracker script' } },
    serve,
  );

  app.get('/*', { logLevel: 'warn', schema: { hide: true } }, async (request, reply) => {
    const alias = (request.params as { '*': string })['*'];
    if (!/^[a-z0-9][a-z0-9/_.-]{0,99}\.js$/i.test(alias)) {
      if (deps.fallback) return deps.fallback(request, reply);
      throw new AppError('not_found', 'Not found');
    }
    let cached = aliases.get(alias);
    if (cached === undefined) {
      const { rowCount } = await deps.db.query(
        'SELECT 1 FROM sites WHERE tracker_alias = $1 AND deleted_at IS NULL',
        [alias],
      );
      cached = { exists: Boolean(rowCount) };
      aliases.set(alias, cached);
    }
    if (!cached.exists) throw new AppError('not_found', 'Not found');
    return serve(request, reply);
  });
}
