import { AppError } from '../../errors.ts';
import type { Cache, RateLimitStore } from '../../state/interface.ts';
import type { Actor } from '../../tenancy/auth/access-tokens.ts';
import { redeemLiveTicket } from './live-tickets.ts';

/**
 * Who opens a live feed: the actor of the Authorization header (an access token or API key,
 * checked as on every route), else the one a ticket from POST …/live/ticket was issued to. A
 * credential passed in the URL is refused, even a valid one, and even with a header: URLs end up
 * in logs, and a client that puts one there should learn so at once.
 */
export async function authenticateLive({
  headerActor,
  ticket,
  urlToken,
  siteId,
  cache,
  rateLimits,
}: {
  /** The actor of the Authorization header, when the request had one. */
  headerActor: Actor | undefined;
  ticket: string | undefined;
  /** `?token=`, refused. */
  urlToken: string | undefined;
  siteId: string;
  cache: Cache;
  rateLimits: RateLimitStore;
}): Promise<Actor> {
  if (urlToken !== undefined) {
    throw new AppError(
      'unauthorized',
      'Credentials are not accepted in the URL, where logs keep them: send Authorization: Bearer ' +
        '<access token or API key>, or from a browser ?ticket= from POST /api/sites/:siteId/live/ticket',
      { field: 'token' },
    );
  }
  if (headerActor !== undefined) return headerActor;
  if (ticket === undefined) {
    throw new AppError(
      'unauthorized',
      'Authorization: Bearer <access token or API key> is required, or from a browser ?ticket= ' +
        'from POST /api/sites/:siteId/live/ticket',
    );
  }
  return redeemLiveTicket({ cache, rateLimits, ticket, siteId });
}
