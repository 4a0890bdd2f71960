import type { Queryable } from '../db/pool.ts';
import type { DestinationEvent } from './destination-type.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
/** How long a click keeps attributing: Google's click-through window, and Meta's for fbc. */
export const GOOGLE_CLICK_WINDOW_MS = 90 * DAY_MS;
export const META_CLICK_WINDOW_MS = 7 * DAY_MS;

/** One earlier event of the visitor that carried a click id or user identifiers. */
export interface AttributionSource {
  receivedAt: Date;
  gclid: string | null;
  gbraid: string | null;
  wbraid: string | null;
  fbclid: string | null;
  fbc: string | null;
  fbp: string | null;
  userHashes: Record<string, string> | null;
}

/** `fb.<subdomain index>.<creation time ms>.<fbclid>`: the `_fbc` cookie Meta's pixel would have set. */
export function fbcFromFbclid(fbclid: string, clickedAt: Date): string {
  return `fb.1.${clickedAt.getTime()}.${fbclid}`;
}

/**
 * A conversion rarely happens on the landing page: click ids and hashed identifiers the visitor's
 * earlier events carried are attached to it, newest first, within each platform's window and never
 * from after the conversion. The event's own always win. Sources exist only under the consent that
 * let them be stored (click ids with ads consent, identifiers with analytics consent).
 */
export function carryForward(
  event: Pick<DestinationEvent, 'occurredAt' | 'receivedAt' | 'clickIds' | 'userHashes'>,
  sources: readonly AttributionSource[],
): Pick<DestinationEvent, 'clickIds' | 'userHashes'> {
  const clickIds: Record<string, string> = { ...event.clickIds };
  let userHashes = event.userHashes;
  const at = event.receivedAt.getTime();
  const newestFirst = [...sources]
    .filter((source) => source.receivedAt.getTime() <= at)
    .sort((a, b) => b.receivedAt.getTime() - a.receivedAt.getTime());
  const hasGoogleClick = () => clickIds.gclid ?? clickIds.gbraid ?? clickIds.wbraid;
  for (const source of newestFirst) {
    const age = at - source.receivedAt.getTime();
    if (age <= GOOGLE_CLICK_WINDOW_MS && hasGoogleClick() === undefined) {
      if (source.gclid) clickIds.gclid = source.gclid;
      else if (source.gbraid) clickIds.gbraid = source.gbraid;
      else if (source.wbraid) clickIds.wbraid = source.wbraid;
    }
    if (age <= META_CLICK_WINDOW_MS) {
      if (clickIds.fbc === undefined && source.fbc) clickIds.fbc = source.fbc;
      if (clickIds.fbc === undefined && source.fbclid)
        clickIds.fbc = fbcFromFbclid(source.fbclid, source.receivedAt);
      if (clickIds.fbclid === undefined && source.fbclid) clickIds.fbclid = source.fbclid;
      if (clickIds.fbp === undefined && source.fbp) clickIds.fbp = source.fbp;
    }
    if (Object.keys(userHashes).length === 0 && age <= GOOGLE_CLICK_WINDOW_MS && source.userHashes) {
      userHashes = source.userHashes;
    }
  }
  if (clickIds.fbc === undefined && clickIds.fbclid !== undefined) {
    clickIds.fbc = fbcFromFbclid(clickIds.fbclid, event.receivedAt);
  }
  return { clickIds, userHashes };
}

/**
 * The earlier events of these visitors (of one site) that carried click ids or identifiers, within
 * the longest window: through the visitor's sessions (indexed by visitor), then their events.
 */
export async function loadAttributionSources(
  db: Queryable,
  { siteId, visitorIds, now }: { siteId: string; visitorIds: readonly string[]; now: Date },
): Promise<Map<string, AttributionSource[]>> {
  const bySource = new Map<string, AttributionSource[]>();
  if (visitorIds.length === 0) return bySource;
  const since = new Date(now.getTime() - GOOGLE_CLICK_WINDOW_MS);
  const { rows } = await db.query<{
    visitor_id: string;
    received_at: Date;
    gclid: string | null;
    gbraid: string | null;
    wbraid: string | null;
    fbclid: string | null;
    fbc: string | null;
    fbp: string | null;
    user_hashes: Record<string, string> | null;
  }>(
    `SELECT s.visitor_id, e.received_at, e.gclid, e.gbraid, e.wbraid, e.fbclid, e.fbc, e.fbp, e.user_hashes
     FROM sessions s
     JOIN events e ON e.site_id = s.site_id AND e.session_id = s.id AND e.received_at >= $3
     WHERE s.site_id = $1 AND s.visitor_id = ANY($2::text[]) AND s.last_seen_at >= $3
       AND (e.gclid IS NOT NULL OR e.gbraid IS NOT NULL OR e.wbraid IS NOT NULL OR e.fbclid IS NOT NULL
            OR e.fbc IS NOT NULL OR e.fbp IS NOT NULL OR e.user_hashes IS NOT NULL)`,
    [siteId, visitorIds, since],
  );
  for (const row of rows) {
    const list = bySource.get(row.visitor_id) ?? [];
    list.push({
      receivedAt: row.received_at,
      gclid: row.gclid,
      gbraid: row.gbraid,
      wbraid: row.wbraid,
      fbclid: row.fbclid,
      fbc: row.fbc,
      fbp: row.fbp,
      userHashes: row.user_hashes,
    });
    bySource.set(row.visitor_id, list);
  }
  return bySource;
}
