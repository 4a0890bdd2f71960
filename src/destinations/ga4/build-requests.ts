import type { Ga4Event, Ga4RequestFields } from './map-event.ts';

/** GA4's limits on one Measurement Protocol request (external-apis.md §1, "Limits"). */
export const EVENTS_PER_REQUEST = 25;
/** "POST body < 130 kB", read as the smaller 130,000 bytes to be safe. */
export const MAX_BODY_BYTES = 130_000;

export interface Ga4RequestBody extends Ga4RequestFields {
  events: Ga4Event[];
}

export interface Ga4Request {
  body: Ga4RequestBody;
  /** The `OutgoingEvent.id` of each event in `body.events`, in the same order. */
  ids: number[];
}

/**
 * Puts mapped events into as few requests as GA4 allows: one client (and user, consent, location)
 * per request, at most 25 events, a body under 130 kB. Order within a client is kept. An event too
 * large to fit even alone is returned in `tooLarge` rather than sent to be dropped.
 */
export function buildGa4Requests(
  events: ReadonlyArray<{ id: number; request: Ga4RequestFields; event: Ga4Event }>,
): { requests: Ga4Request[]; tooLarge: number[] } {
  const groups = new Map<
    string,
    { request: Ga4RequestFields; items: Array<{ id: number; event: Ga4Event }> }
  >();
  for (const { id, request, event } of events) {
    const key = JSON.stringify(request);
    const group = groups.get(key) ?? { request, items: [] };
    group.items.push({ id, event });
    groups.set(key, group);
  }

  const requests: Ga4Request[] = [];
  const tooLarge: number[] = [];
  for (const { request, items } of groups.values()) {
    // The bytes of the body with no events; each event adds its own and, after the first, a comma.
    const emptyBytes = byteLength({ ...request, events: [] });
    let current: Ga4Request | undefined;
    let currentBytes = 0;
    for (const { id, event } of items) {
      const eventBytes = byteLength(event);
      if (emptyBytes + eventBytes >= MAX_BODY_BYTES) {
        tooLarge.push(id);
        continue;
      }
      const fits =
        current !== undefined &&
        current.ids.length < EVENTS_PER_REQUEST &&
        currentBytes + 1 + eventBytes < MAX_BODY_BYTES;
      if (current === undefined || !fits) {
        current = { body: { ...request, events: [] }, ids: [] };
        currentBytes = emptyBytes - 1;
        requests.push(current);
      }
      current.body.events.push(event);
      current.ids.push(id);
      currentBytes += 1 + eventBytes;
    }
  }
  return { requests, tooLarge };
}

function byteLength(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}
