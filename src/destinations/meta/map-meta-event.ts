import { isBogon } from '../../enrich/bogons.ts';
import { minimizeIp, normalizeIp } from '../../enrich/ip-address.ts';
import type { DestinationEvent, EventRule } from '../destination-type.ts';
import { META_EVENT_NAME_MAX, metaEventName } from './meta-event-names.ts';
import { hashMetaValue, isSha256Hex, META_HASHED_KEYS, type MetaHashedKey } from './meta-user-data.ts';

/** Meta refuses a request whose events include one older than this (`event_time`). */
export const META_MAX_EVENT_AGE_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * Events this close to Meta's limit are not sent: our clock and Meta's may differ, a request takes
 * its time, and one event past the limit makes Meta refuse every event in the request.
 */
const EVENT_AGE_MARGIN_MS = 60 * 60 * 1000;

/** `fb.<subdomain index>.<creation time>.<value>`: the `_fbc` and `_fbp` cookies' format. */
export const META_COOKIE_FORMAT = /^fb\.\d+\.\d+\..+$/;

/** An fbclid as Meta appends it to ad links (case-sensitive, never altered). */
const FBCLID = /^[\w-]{1,500}$/;

export interface MetaUserData {
  em?: string;
  ph?: string;
  fn?: string;
  ln?: string;
  ge?: string;
  db?: string;
  ct?: string;
  st?: string;
  zp?: string;
  country?: string;
  external_id?: string;
  client_ip_address?: string;
  client_user_agent: string;
  fbc?: string;
  fbp?: string;
}

export interface MetaCustomData {
  value?: number;
  currency?: string;
  order_id?: string;
  content_ids?: string[];
  content_type?: string;
  content_name?: string;
  content_category?: string;
  num_items?: number;
  search_string?: string;
  status?: string;
  predicted_ltv?: number;
}

/** One element of the Conversions API's `data` (a ServerEvent). */
export interface MetaServerEvent {
  event_name: string;
  /** Unix seconds. */
  event_time: number;
  /** Equal to the browser pixel's `eventID`, so Meta keeps one of the two. */
  event_id: string;
  action_source: 'website';
  event_source_url: string;
  referrer_url?: string;
  user_data: MetaUserData;
  custom_data?: MetaCustomData;
}

export type MappedMetaEvent =
  | { kind: 'send'; event: MetaServerEvent }
  | { kind: 'skipped'; reason: string }
  | { kind: 'permanent'; error: string };

function httpUrl(raw: string | null): string | undefined {
  if (raw === null || raw === '') return undefined;
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? raw : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Hashed identifiers from ingestion (`em`, `ph` are SHA-256 of Meta-normalised values; Google's
 * `em_google`, `ph_e164` are not Meta's and stay out). Only well-formed hashes pass: whatever is
 * not one is not sent, so nothing unhashed can leave this way.
 */
function hashedIdentifiers(userHashes: Readonly<Record<string, string>>): Partial<MetaUserData> {
  const hashed: Partial<Record<MetaHashedKey, string>> = {};
  for (const key of META_HASHED_KEYS) {
    const value = Object.hasOwn(userHashes, key) ? userHashes[key] : undefined;
    if (typeof value === 'string' && isSha256Hex(value)) hashed[key] = value.toLowerCase();
  }
  return hashed;
}

/**
 * The click id: the `_fbc` cookie when the tracker read a well-formed one, else built from an
 * `fbclid` landing as Meta's parameter builder does (`fb.1.<ms>.<fbclid>`). Meta asks for the time
 * the fbclid was first seen; without the cookie's own time, the event's is the nearest we know.
 */
function clickId(event: DestinationEvent): string | undefined {
  const { fbc, fbclid } = event.clickIds;
  if (fbc !== undefined && META_COOKIE_FORMAT.test(fbc)) return fbc;
  if (fbclid !== undefined && FBCLID.test(fbclid)) return `fb.1.${event.occurredAt.getTime()}.${fbclid}`;
  return undefined;
}

/**
 * The stored address with its host part zeroed (`81.2.69.0`, `2a00:1450:4009::`), which is what an
 * event carries once its full address was wiped (a replayed dead letter): it names a network, not
 * the client, and Meta would match it to whoever has it.
 */
function isMinimized(ip: string): boolean {
  return minimizeIp(ip, 24, 64) === minimizeIp(ip, 32, 128);
}

function userData(event: DestinationEvent, userAgent: string, today: Date): MetaUserData {
  const data: MetaUserData = { ...hashedIdentifiers(event.userHashes), client_user_agent: userAgent };
  // The site's own user id, the id its pixel would send as external_id (Meta asks for the same
  // value on every channel). Not Beacon's visitor id: the pixel does not know it, and without a
  // cookie it is a daily id that would teach Meta a new person every day.
  if (data.external_id === undefined && event.userId !== null) {
    const externalId = hashMetaValue('external_id', event.userId, today);
    if (externalId !== undefined) data.external_id = externalId;
  }
  // The country of the client's address: Meta asks for it always, and an IP's country is right for
  // almost every visitor. City and region are not sent: from an address they name the provider's
  // exchange as often as the person's town, and a wrong one counts against the match.
  if (data.country === undefined && event.country !== null) {
    const country = hashMetaValue('country', event.country, today);
    if (country !== undefined) data.country = country;
  }
  const ip = normalizeIp(event.ip ?? undefined);
  if (ip !== undefined && !isBogon(ip) && !isMinimized(ip)) data.client_ip_address = ip;
  const fbc = clickId(event);
  if (fbc !== undefined) data.fbc = fbc;
  const fbp = event.clickIds.fbp;
  if (fbp !== undefined && META_COOKIE_FORMAT.test(fbp)) data.fbp = fbp;
  return data;
}

const text = (value: unknown, max = 500): string | undefined =>
  typeof value === 'string' && value.trim() !== '' && value.length <= max ? value : undefined;

const finite = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

/**
 * value, currency and order_id from the event, plus the standard custom_data fields a site set
 * under Meta's own names in its props (`content_ids`, `content_type`, …): naming a prop that way is
 * the site's choice to tell Meta. Other props stay home; they were never meant for Meta.
 */
function customData(event: DestinationEvent): MetaCustomData | undefined {
  const data: MetaCustomData = {};
  const value = finite(event.value);
  if (value !== undefined) data.value = value;
  if (event.currency !== null && /^[A-Za-z]{3}$/.test(event.currency)) {
    data.currency = event.currency.toUpperCase();
  }
  const orderId = text(event.transactionId);
  if (orderId !== undefined) data.order_id = orderId;

  const props = event.props ?? {};
  const prop = (key: string): unknown => (Object.hasOwn(props, key) ? props[key] : undefined);
  const ids = prop('content_ids');
  if (Array.isArray(ids) && ids.length > 0 && ids.length <= 1000) {
    const strings = ids.flatMap((id) =>
      typeof id === 'number' && Number.isFinite(id) ? [String(id)] : (text(id, 200) ?? []),
    );
    if (strings.length === ids.length) data.content_ids = strings;
  }
  const contentType = prop('content_type');
  if (contentType === 'product' || contentType === 'product_group') data.content_type = contentType;
  for (const key of ['content_name', 'content_category', 'search_string', 'status'] as const) {
    const value = text(prop(key));
    if (value !== undefined) data[key] = value;
  }
  const items = prop('num_items');
  if (Number.isSafeInteger(items) && (items as number) >= 0) data.num_items = items as number;
  const ltv = finite(prop('predicted_ltv'));
  if (ltv !== undefined) data.predicted_ltv = ltv;
  return Object.keys(data).length > 0 ? data : undefined;
}

/**
 * A stored event as Meta's ServerEvent, or why it is not sent. Pure: `now` bounds its age. Meta
 * refuses a whole request for one bad event, so what it would refuse never leaves here: events
 * without ads consent, too old, without the page URL or user agent a website event needs.
 */
export function mapMetaEvent(
  { event, rule }: { event: DestinationEvent; rule: Pick<EventRule, 'as'> },
  now: Date,
): MappedMetaEvent {
  if (event.consent.ads !== true) return { kind: 'skipped', reason: 'no_ads_consent' };
  const name = metaEventName(event, rule);
  if (name === undefined) return { kind: 'skipped', reason: 'no_meta_event_name' };
  if ([...name].length > META_EVENT_NAME_MAX) return { kind: 'skipped', reason: 'event_name_too_long' };
  const age = now.getTime() - event.occurredAt.getTime();
  if (!(age <= META_MAX_EVENT_AGE_MS - EVENT_AGE_MARGIN_MS)) {
    const when = Number.isNaN(age) ? 'has no valid time' : `happened ${event.occurredAt.toISOString()}`;
    return {
      kind: 'permanent',
      error: `Not sent: the event ${when}, and Meta takes events up to 7 days old`,
    };
  }
  const url = httpUrl(event.url);
  if (url === undefined) return { kind: 'skipped', reason: 'no_page_url' };
  const userAgent = text(event.userAgent, 5000);
  if (userAgent === undefined) return { kind: 'skipped', reason: 'no_user_agent' };

  const server: MetaServerEvent = {
    event_name: name,
    // Never in the future: the corrected client clock may still run a little ahead of ours.
    event_time: Math.floor(Math.min(event.occurredAt.getTime(), now.getTime()) / 1000),
    event_id: event.eventId,
    action_source: 'website',
    event_source_url: url,
    user_data: userData(event, userAgent, now),
  };
  const referrer = httpUrl(event.referrer);
  if (referrer !== undefined) server.referrer_url = referrer;
  const custom = customData(event);
  if (custom !== undefined) server.custom_data = custom;
  return { kind: 'send', event: server };
}
