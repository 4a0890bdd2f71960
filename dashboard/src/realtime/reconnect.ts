/**
 * When the live feed reconnects after its socket closed, and what the page says meanwhile. Pure:
 * `use-live-feed.ts` applies it. Close codes are those of src/analytics/realtime/live-hub.ts
 * (LIVE_CLOSE); 1006 is what a browser reports for a connection that broke or was refused.
 */

export const FIRST_RETRY_MS = 1_000;
export const MAX_RETRY_MS = 30_000;

/**
 * The wait before reconnect number `attempt` (0 for the first after a drop): doubling from 1 s up to
 * 30 s, then jittered down by up to half (`random` in [0, 1)) so that the dashboards a restarted
 * Beacon dropped do not all come back at the same instant.
 */
export function reconnectDelay(attempt: number, random: number): number {
  const step = Number.isFinite(attempt) ? Math.min(Math.max(0, Math.floor(attempt)), 16) : 16;
  const ceiling = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** step);
  const jitter = Number.isFinite(random) ? Math.min(Math.max(random, 0), 1) : 0;
  return Math.round(ceiling - (ceiling / 2) * jitter);
}

export type AfterClose =
  { reconnect: true; message: string; minDelayMs: number } | { reconnect: false; message: string };

/** What to do after the server (or the network) closed the feed with `code`. */
export function afterClose(code: number): AfterClose {
  switch (code) {
    case 4003:
      return { reconnect: false, message: 'Your access to this site has ended.' };
    case 4029:
      // A limit of open feeds: coming back at once would be refused again.
      return {
        reconnect: true,
        message: 'Too many live views of this site are open; close some tabs.',
        minDelayMs: MAX_RETRY_MS,
      };
    case 4008:
      return { reconnect: true, message: 'This page fell behind the live feed.', minDelayMs: 0 };
    case 1001:
      return { reconnect: true, message: 'Beacon is restarting.', minDelayMs: 0 };
    case 1011:
      return { reconnect: true, message: 'The live feed is unavailable for a moment.', minDelayMs: 0 };
    default:
      return { reconnect: true, message: 'The connection to Beacon was lost.', minDelayMs: 0 };
  }
}
