import { randomBytes } from 'node:crypto';
import { Type, type Static } from 'typebox';
import type { Queryable } from '../../db/pool.ts';
import { AppError } from '../../errors.ts';
import { sha256Hex } from '../../lib/ids.ts';
import type { Cache, RateLimitStore } from '../../state/interface.ts';
import type { Actor } from '../../tenancy/auth/access-tokens.ts';
import { getSite } from '../../tenancy/sites/get-site.ts';

export const LIVE_TICKET_TTL_MS = 30_000;

export const LiveTicket = Type.Object({
  ticket: Type.String({ description: 'Pass as `?ticket=` to GET /api/sites/:siteId/live within 30 s; once' }),
  expiresAt: Type.String({ format: 'date-time' }),
});
export type LiveTicket = Static<typeof LiveTicket>;

/** Only the ticket's hash is a key: whoever can read the shared cache cannot redeem a ticket. */
const ticketKey = (hash: string) => `live-ticket:${hash}`;
const useKey = (hash: string) => `live-ticket-use:${hash}`;

/**
 * A ticket to open the site's live feed from a browser, which cannot set headers on a WebSocket.
 * It stands in for the caller's credential in the URL, where proxies and servers may log it: it
 * opens only this site's feed, once, within 30 s, so a logged one is worthless; the access token
 * (15 minutes, the whole API) or API key never appears in a URL. Held in the shared cache, so any
 * instance behind a load balancer can redeem it.
 */
export async function createLiveTicket({
  db,
  cache,
  actor,
  siteId,
  now = Date.now(),
}: {
  db: Queryable;
  cache: Cache;
  actor: Actor;
  siteId: string;
  now?: number;
}): Promise<LiveTicket> {
  await getSite({ db, actor, siteId });
  const ticket = randomBytes(32).toString('base64url');
  await cache.set(ticketKey(sha256Hex(ticket)), JSON.stringify({ actor, siteId }), LIVE_TICKET_TTL_MS);
  return { ticket, expiresAt: new Date(now + LIVE_TICKET_TTL_MS).toISOString() };
}

/**
 * The actor a ticket was issued to, for the site it was issued for; the ticket is spent. Its first
 * use wins even when two instances redeem it at the same moment: the use counter is atomic.
 */
export async function redeemLiveTicket({
  cache,
  rateLimits,
  ticket,
  siteId,
}: {
  cache: Cache;
  rateLimits: RateLimitStore;
  ticket: string;
  siteId: string;
}): Promise<Actor> {
  const hash = sha256Hex(ticket);
  const stored = await cache.get(ticketKey(hash));
  if (stored === undefined) {
    throw new AppError('unauthorized', 'The ticket is unknown, used or expired (30 s); ask for a new one', {
      field: 'ticket',
    });
  }
  const use = await rateLimits.hit(useKey(hash), 2 * LIVE_TICKET_TTL_MS);
  await cache.delete(ticketKey(hash));
  if (use.count > 1) {
    throw new AppError('unauthorized', 'The ticket was used already; ask for a new one', { field: 'ticket' });
  }
  const issued = JSON.parse(stored) as { actor: Actor; siteId: string };
  if (issued.siteId !== siteId) {
    throw new AppError('unauthorized', 'The ticket was issued for another site', { field: 'ticket' });
  }
  return issued.actor;
}
