/**
 * The live feed's messages as the dashboard reads them (GET /api/sites/:siteId/live, one JSON message
 * per WebSocket frame; see src/analytics/realtime/live-message.ts and
 * src/companies/hot-lead-notification.ts), and the bounded list the Realtime tab shows. Pure: every
 * message is checked field by field, as a frame may come from a newer or older Beacon.
 */

import type { LiveEvent } from '../../../src/analytics/realtime/live-message.ts';

export type { LiveEvent };

/** A company of the site became a hot lead (the rescoring job publishes it on the site's channel). */
export interface HotLead {
  company: { id: string; domain: string; name: string | null; country: string | null; score: number };
  /** ISO 8601. */
  at: string;
}

export type LiveMessage =
  | { type: 'event'; event: LiveEvent }
  | { type: 'subscribed' }
  | { type: 'dropped'; count: number }
  | { type: 'hot-lead'; lead: HotLead };

const OPTIONAL_TEXT = [
  'name',
  'path',
  'referrerHost',
  'country',
  'deviceType',
  'browserName',
  'visitorClass',
  'companyName',
] as const;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isText = (value: unknown): value is string => typeof value === 'string' && value !== '';

const isTime = (value: unknown): value is string => isText(value) && !Number.isNaN(Date.parse(value));

const textOrNull = (value: unknown): string | null => (isText(value) ? value : null);

/** An event of the feed, or of GET …/events (the same fields, camelCase, and more); undefined if unusable. */
export function toLiveEvent(value: unknown): LiveEvent | undefined {
  if (!isRecord(value) || !isText(value.id) || !isText(value.type) || !isTime(value.receivedAt)) {
    return undefined;
  }
  const event: LiveEvent = {
    id: value.id,
    type: value.type,
    receivedAt: value.receivedAt,
    name: null,
    path: null,
    referrerHost: null,
    country: null,
    deviceType: null,
    browserName: null,
    visitorClass: null,
    companyName: null,
  };
  for (const field of OPTIONAL_TEXT) event[field] = textOrNull(value[field]);
  return event;
}

/**
 * A stored event of GET /api/sites/:siteId/events as the feed would have shown it; undefined for a
 * bot's, which the feed and the reports leave out.
 */
export function fromStoredEvent(value: unknown): LiveEvent | undefined {
  if (!isRecord(value) || value.isBot === true) return undefined;
  return toLiveEvent(value);
}

function toHotLead(value: Record<string, unknown>): HotLead | undefined {
  const company = value.company;
  if (!isRecord(company) || !isText(company.id) || !isText(company.domain) || !isTime(value.at)) {
    return undefined;
  }
  const score = typeof company.score === 'number' && Number.isFinite(company.score) ? company.score : 0;
  return {
    company: {
      id: company.id,
      domain: company.domain,
      name: textOrNull(company.name),
      country: textOrNull(company.country),
      score,
    },
    at: value.at,
  };
}

/** One WebSocket frame's text as a message; undefined for anything else (ignored, never an error). */
export function parseLiveMessage(data: unknown): LiveMessage | undefined {
  if (typeof data !== 'string') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (!isRecord(value)) return undefined;
  switch (value.type) {
    case 'event': {
      const event = toLiveEvent(value.event);
      return event && { type: 'event', event };
    }
    case 'subscribed':
      return { type: 'subscribed' };
    case 'dropped':
      return typeof value.count === 'number' && value.count > 0
        ? { type: 'dropped', count: value.count }
        : undefined;
    case 'company.hot': {
      const lead = toHotLead(value);
      return lead && { type: 'hot-lead', lead };
    }
    default:
      return undefined;
  }
}

/** A line of the Realtime feed: an event, or a hot-lead notification among them. */
export type FeedItem =
  | { kind: 'event'; key: string; at: string; event: LiveEvent; live: boolean }
  | { kind: 'hot-lead'; key: string; at: string; lead: HotLead; live: boolean };

export const FEED_LIMIT = 100;

/** `live`: it arrived over the socket while the page was open (shown as new), not caught up from the API. */
export function eventItem(event: LiveEvent, live: boolean): FeedItem {
  return { kind: 'event', key: event.id, at: event.receivedAt, event, live };
}

export function hotLeadItem(lead: HotLead): FeedItem {
  return { kind: 'hot-lead', key: `hot:${lead.company.id}:${lead.at}`, at: lead.at, lead, live: true };
}

/**
 * The feed with `items` added: newest first, each line once (an event caught up after a reconnect
 * may have arrived live already; the copy there stays), at most `limit` lines.
 */
export function mergeFeed(
  feed: readonly FeedItem[],
  items: readonly FeedItem[],
  limit = FEED_LIMIT,
): FeedItem[] {
  const known = new Set(feed.map((item) => item.key));
  const added = items.filter((item) => {
    if (known.has(item.key)) return false;
    known.add(item.key);
    return true;
  });
  if (added.length === 0) return feed.slice(0, limit);
  const time = (item: FeedItem) => Date.parse(item.at);
  return [...added, ...feed].sort((a, b) => time(b) - time(a)).slice(0, Math.max(0, limit));
}

/** What happened, in a few words: "Page view", or the event's own name. */
export function eventLabel(event: LiveEvent): string {
  switch (event.type) {
    case 'pageview':
      return 'Page view';
    case 'identify':
      return 'Identify';
    default:
      return event.name ?? 'Event';
  }
}

/** Where it came from and on what: country, device, browser, company, source; the ones known. */
export function eventDetails(event: LiveEvent): string[] {
  const details = [event.country, event.deviceType, event.browserName, event.companyName];
  if (event.referrerHost !== null) details.push(`from ${event.referrerHost}`);
  return details.filter((detail): detail is string => detail !== null);
}
