import type { EventRow } from '../../ingest/event-row.ts';

/**
 * An event as the live feed shows it: what the events list shows of it, minus anything that
 * identifies a person (no address, visitor id, user id, user agent, click ids or props).
 */
export interface LiveEvent {
  id: string;
  type: string;
  name: string | null;
  path: string | null;
  referrerHost: string | null;
  country: string | null;
  deviceType: string | null;
  browserName: string | null;
  visitorClass: string | null;
  companyName: string | null;
  /** ISO 8601. */
  receivedAt: string;
}

/** What the live feed itself sends a client, as JSON text, one per WebSocket message; hot-lead
 * notifications (companies/hot-lead-notification.ts) travel beside them. */
export type LiveMessage =
  | { type: 'event'; event: LiveEvent }
  /** The feed is open: everything committed for the site from now on follows. */
  | { type: 'subscribed'; siteId: string }
  /** This many messages were left out while the client read too slowly; reload to catch up. */
  | { type: 'dropped'; count: number };

/**
 * The live feed's message for a committed event, or undefined for a bot's, which the feed leaves
 * out as the reports do. JSON.stringify never writes a raw line break, so messages can travel
 * newline-separated (see live-publisher.ts).
 */
export function liveEventMessage(row: EventRow): string | undefined {
  if (row.is_bot) return undefined;
  const message: LiveMessage = {
    type: 'event',
    event: {
      id: row.id,
      type: row.type,
      name: row.name,
      path: row.path,
      referrerHost: row.referrer_host,
      country: row.country,
      deviceType: row.device_type,
      browserName: row.browser_name,
      visitorClass: row.visitor_class,
      companyName: row.company_name,
      receivedAt: row.received_at.toISOString(),
    },
  };
  return JSON.stringify(message);
}

export function liveNotice(message: Exclude<LiveMessage, { type: 'event' }>): string {
  return JSON.stringify(message);
}
