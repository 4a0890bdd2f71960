import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LRUCache } from 'lru-cache';
import { gzipSync } from 'node:zlib';
import type { Queryable } from '../db/pool.ts';
import { AppError } from '../errors.ts';
import type { App } from '../http/types.ts';
import { hasOptOutCookie } from '../privacy/opt-out.ts';

/** Browsers revalidate hourly (ETag makes that a 304), so a new tracker reaches every site within an hour. */
const CACHE_CONTROL_TIMES = 'max-age=3600, stale-while-revalidate=86400';

interface ScriptVariant {
  plain: Buffer;
  gzipped: Buffer;
  etag: string;
  cacheControl: string;
}

function scriptVariant(source: string, cache: 'public' | 'private'): ScriptVariant {
  const plain = Buffer.from(source);
  return {
    plain,
    gzipped: gzipSync(plain, { level: 9 }),
    etag: `"${createHash('sha256').update(plain).digest('base64url').slice(0, 22)}"`,
    cacheControl: `${cache}, ${CACHE_CONTROL_TIMES}`,
  };
}

/**
 * The tracker for a visitor who opted out on the site's opt-out page: the same script, run as under
 * Global Privacy Control. It sees a navigator whose `globalPrivacyControl` is true, so it keeps no
 * visitor id, sends no ad cookies and marks every event with both purposes refused, whatever the
 * site's banner says; and a fetch that sends Beacon's cookies with its events, so Beacon treats them
 * as GPC too (no online IP lookup, the opt-out as a consent call's source). Both are the tracker's own
 * names only: the page's navigator and fetch are untouched. The tracker itself stays unchanged, and
 * within its size budget.
 */
export function optedOutTracker(trackerScript: string): string {
  return (
    '(function(navigator,fetch){' +
    trackerScript +
    '\n})(new Proxy(navigator,{get:function(t,k){return k==="globalPrivacyControl"||Reflect.get(t,k)}}),' +
    'function(u,i){return window.fetch(u,Object.assign({},i,{credentials:"include"}))});'
  );
}

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
  const script = scriptVariant(deps.trackerScript, 'public');
  const optedOutScript = scriptVariant(optedOutTracker(deps.trackerScript), 'private');
  const aliases = new LRUCache<string, { exists: boolean }>({ max: 10_000, ttl: 30_000 });

  const serve = (request: FastifyRequest, reply: FastifyReply) => {
    const variant = hasOptOutCookie(request.headers.cookie) ? optedOutScript : script;
    reply
      .header('content-type', 'application/javascript; charset=utf-8')
      .header('cache-control', variant.cacheControl)
      .header('etag', variant.etag)
      // A browser that cached the script before its visitor opted out (or undid it) must not reuse it.
      .header('vary', 'accept-encoding, cookie')
      // Sites load the script from another origin; helmet's default same-site policy would block it.
      .header('cross-origin-resource-policy', 'cross-origin');
    if (request.headers['if-none-match'] === variant.etag) return reply.status(304).send();
    if (/\bgzip\b/.test(request.headers['accept-encoding'] ?? '')) {
      return reply.header('content-encoding', 'gzip').send(variant.gzipped);
    }
    return reply.send(variant.plain);
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
