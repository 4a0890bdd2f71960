import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Queryable } from '../db/pool.ts';
import { AppError } from '../errors.ts';
import { clientIp } from '../http/client-ip.ts';
import type { App } from '../http/types.ts';
import {
  hasOptOutCookie,
  OPT_OUT_CLEAR_COOKIE,
  OPT_OUT_PAGE_CSP,
  OPT_OUT_SET_COOKIE,
  renderOptOutPage,
} from './opt-out.ts';
import type { TrackedConsent } from './tracked-consent.ts';

const OptOutParams = Type.Object({ siteKey: Type.String({ minLength: 1, maxLength: 64 }) });
const OptOutChoice = Type.Object(
  { choice: Type.Union([Type.Literal('opt-out'), Type.Literal('undo')]) },
  { examples: [{ choice: 'opt-out' }] },
);

/** A person clicks a few times; anyone may post, and each post stores a consent record. */
export const OPT_OUT_RATE_LIMIT = { max: 20, timeWindow: 60_000 };

async function findPublicSite(db: Queryable, siteKey: string): Promise<{ id: string; name: string }> {
  const { rows } = await db.query<{ id: string; name: string }>(
    'SELECT id, name FROM sites WHERE site_key = $1 AND deleted_at IS NULL',
    [siteKey],
  );
  if (rows[0] === undefined) throw new AppError('not_found', 'No site has this key');
  return rows[0];
}

function sendPage(reply: FastifyReply, html: string) {
  return reply
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', OPT_OUT_PAGE_CSP)
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .send(html);
}

/**
 * The public CCPA opt-out page of each site, at `/privacy/opt-out/<siteKey>`, for the site's privacy
 * policy and footer to link to. Plain HTML forms posting back to the same path, no script: the POST
 * sets or clears the opt-out cookie (src/privacy/opt-out.ts), records the choice in the consent
 * history, and redirects to the page, which then shows what the browser actually kept.
 */
export function registerOptOutRoutes(app: App, deps: { db: Queryable; consent: TrackedConsent }) {
  app.register(async (plugin) => {
    const scope = plugin.withTypeProvider<TypeBoxTypeProvider>();
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 1024 },
      (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );

    scope.get(
      '/privacy/opt-out/:siteKey',
      {
        schema: {
          tags: ['privacy'],
          summary: 'The site\'s public "Do not sell or share my personal information" page (HTML)',
          params: OptOutParams,
        },
      },
      async (request: FastifyRequest<{ Params: { siteKey: string } }>, reply) => {
        const site = await findPublicSite(deps.db, request.params.siteKey);
        return sendPage(
          reply,
          renderOptOutPage({ siteName: site.name, optedOut: hasOptOutCookie(request.headers.cookie) }),
        );
      },
    );

    scope.post(
      '/privacy/opt-out/:siteKey',
      {
        config: { rateLimit: OPT_OUT_RATE_LIMIT },
        schema: {
          tags: ['privacy'],
          summary: 'Opt out (`choice=opt-out`) or undo it (`choice=undo`); a form post, answered 303',
          params: OptOutParams,
          body: OptOutChoice,
          consumes: ['application/x-www-form-urlencoded'],
        },
      },
      async (request, reply) => {
        const site = await findPublicSite(deps.db, request.params.siteKey);
        const optedOut = request.body.choice === 'opt-out';
        const record = await deps.consent.optOutRecord({
          siteId: site.id,
          optedOut,
          receivedAt: new Date(),
          ip: clientIp(request),
          userAgent: request.headers['user-agent'],
        });
        await deps.consent.save([record]);
        // Relative to /privacy/opt-out/<key>, so it holds behind a reverse proxy's path prefix too.
        return reply
          .header('set-cookie', optedOut ? OPT_OUT_SET_COOKIE : OPT_OUT_CLEAR_COOKIE)
          .header('cache-control', 'no-store')
          .redirect(encodeURIComponent(request.params.siteKey), 303);
      },
    );
  });
}
