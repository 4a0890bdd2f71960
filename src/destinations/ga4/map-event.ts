import { cutText } from '../../ingest/storable-text.ts';
import type { DestinationEvent, EventRule } from '../destination-type.ts';
import { toGa4EventName, toGa4Name, toGa4ParamName } from './ga4-names.ts';

/**
 * One Beacon event as a GA4 Measurement Protocol event, plus the request-level fields it needs
 * (`client_id`, `user_id`, consent, location), which decide the request it can share with others.
 * Pure: limits and names from external-apis.md §1; the choices are explained in ./README.md.
 */

export type Ga4Value = string | number | boolean;
export type Ga4Item = Record<string, Ga4Value>;
export type Ga4Params = Record<string, Ga4Value | Ga4Item[]>;

export interface Ga4Event {
  name: string;
  params: Ga4Params;
  /** When it happened, per event: events of one request happened at different times. */
  timestamp_micros: number;
}

export type Ga4ConsentState = 'GRANTED' | 'DENIED';

/** Fields of the request body shared by every event in it: GA4 takes one client per request. */
export interface Ga4RequestFields {
  client_id: string;
  user_id?: string;
  consent: { ad_user_data: Ga4ConsentState; ad_personalization: Ga4ConsentState };
  user_location?: { country_id: string; city?: string };
}

export type MappedGa4Event =
  | { kind: 'mapped'; request: Ga4RequestFields; event: Ga4Event }
  | { kind: 'skipped'; reason: string }
  | { kind: 'permanent'; error: string };

const HOUR_MS = 60 * 60 * 1000;
/** GA4 takes events up to 72 h old; 15 minutes are left for clocks and the request's way there. */
export const GA4_MAX_EVENT_AGE_MS = 72 * HOUR_MS - 15 * 60 * 1000;

const PARAMS_MAX = 25;
const VALUE_MAX = 100;
const PAGE_LOCATION_MAX = 1000;
const PAGE_REFERRER_MAX = 420;
const PAGE_TITLE_MAX = 300;
const USER_ID_MAX = 256;
const ITEMS_MAX = 200;
const ITEM_CUSTOM_PARAMS_MAX = 10;
/**
 * Sent on events that measured no engaged time of their own: GA4 needs a positive value to show an
 * event in Realtime and count the user active, and it sums the values into engagement time. The
 * time actually measured arrives with the page's `$engagement` event, so 1 ms keeps GA4's totals
 * within milliseconds of it (Google's examples' 100 ms would add a tenth of a second per event).
 */
const PLACEHOLDER_ENGAGEMENT_MS = 1;

/** GA4's item parameters (ecommerce); up to 10 others per item are custom. */
const STANDARD_ITEM_PARAMS: ReadonlySet<string> = new Set([
  'item_id',
  'item_name',
  'affiliation',
  'coupon',
  'creative_name',
  'creative_slot',
  'discount',
  'index',
  'item_brand',
  'item_category',
  'item_category2',
  'item_category3',
  'item_category4',
  'item_category5',
  'item_list_id',
  'item_list_name',
  'item_variant',
  'location_id',
  'price',
  'promotion_id',
  'promotion_name',
  'quantity',
]);

/**
 * The tracker's automatic events under names GA4 does not reserve (its own enhanced-measurement
 * names `click`, `file_download`, `scroll` and `user_engagement` are), with the parameters of the
 * enhanced-measurement events they stand for. `$engagement` is sent, not skipped: GA4 adds every
 * event's `engagement_time_msec` to the user's engagement time, so this is how the measured time
 * reaches its engagement reports.
 */
const AUTOMATIC_EVENTS: Readonly<
  Record<string, { name: string; params: (event: DestinationEvent) => Ga4Params }>
> = {
  $outbound: { name: 'outbound_click', params: (event) => ({ ...linkParams(event), outbound: true }) },
  $download: { name: 'download', params: (event) => ({ ...linkParams(event), ...fileParams(event) }) },
  $engagement: {
    name: 'page_engagement',
    params: (event): Ga4Params => {
      const depth = event.props?.scrollDepth;
      return typeof depth === 'number' && Number.isFinite(depth) ? { percent_scrolled: depth } : {};
    },
  },
};

export function mapGa4Event(event: DestinationEvent, rule: EventRule, now: Date): MappedGa4Event {
  const clientId = event.gaClientId || event.visitorId;
  if (!clientId) return { kind: 'skipped', reason: 'no client id: neither a GA cookie id nor a visitor id' };

  const occurredMs = event.occurredAt.getTime();
  if (!Number.isFinite(occurredMs)) return { kind: 'permanent', error: 'the event has no valid time' };
  const ageMs = now.getTime() - occurredMs;
  if (ageMs > GA4_MAX_EVENT_AGE_MS) {
    return {
      kind: 'permanent',
      error: `occurred ${Math.floor(ageMs / HOUR_MS)} h ago; GA4 takes events up to 72 h old`,
    };
  }

  const automatic = event.type === 'event' && event.name !== null ? AUTOMATIC_EVENTS[event.name] : undefined;
  const name = eventName(event, rule, automatic?.name);
  if (!name.ok) return { kind: 'skipped', reason: name.reason };

  const params: Ga4Params = {};
  if (event.url) params.page_location = cutText(event.url, PAGE_LOCATION_MAX);
  if (event.type === 'pageview' && event.referrer)
    params.page_referrer = cutText(event.referrer, PAGE_REFERRER_MAX);
  if (event.title) params.page_title = cutText(event.title, PAGE_TITLE_MAX);
  const sessionId = ga4SessionId(event.sessionStartedAt);
  if (sessionId !== undefined) params.session_id = sessionId;
  params.engagement_time_msec = engagementTimeMs(event.engagementMs);
  Object.assign(params, conversionParams(event));
  if (automatic) Object.assign(params, automatic.params(event));
  else addProps(params, event.props);

  return {
    kind: 'mapped',
    request: requestFields(event, clientId),
    event: { name: name.name, params, timestamp_micros: Math.min(occurredMs, now.getTime()) * 1000 },
  };
}

function eventName(event: DestinationEvent, rule: EventRule, automaticName: string | undefined) {
  if (rule.as !== undefined) return toGa4EventName(rule.as);
  if (event.type === 'pageview') return { ok: true as const, name: 'page_view' };
  if (automaticName !== undefined) return { ok: true as const, name: automaticName };
  return toGa4EventName(event.type === 'identify' ? 'identify' : (event.name ?? ''));
}

/**
 * GA4's session id for a Beacon session: its start in Unix seconds. Google's tag uses the same
 * (the session start is what `_ga_<id>` stores), it is stable for every event and retry of the
 * session, and GA4 scopes it by client, where two sessions never start in the same second.
 */
export function ga4SessionId(startedAt: Date | null): number | undefined {
  const ms = startedAt?.getTime();
  return ms !== undefined && Number.isFinite(ms) && ms > 0 ? Math.floor(ms / 1000) : undefined;
}

export function engagementTimeMs(engagementMs: number | null): number {
  return typeof engagementMs === 'number' && Number.isFinite(engagementMs) && engagementMs >= 1
    ? Math.round(engagementMs)
    : PLACEHOLDER_ENGAGEMENT_MS;
}

/**
 * `value` and `currency` when the event carries a value, and `transaction_id`, GA4's key for
 * counting a purchase once: the event's own transaction id, else, on a conversion, its event id,
 * which is the same on every retry.
 */
function conversionParams(event: DestinationEvent): Ga4Params {
  const params: Ga4Params = {};
  const isConversion = typeof event.value === 'number' && Number.isFinite(event.value);
  if (isConversion) params.value = event.value as number;
  if (isConversion && event.currency && /^[A-Z]{3}$/.test(event.currency)) params.currency = event.currency;
  const transactionId = event.transactionId || (isConversion ? event.eventId : null);
  if (transactionId) params.transaction_id = cutText(transactionId, VALUE_MAX);
  return params;
}

function linkParams(event: DestinationEvent): Ga4Params {
  const url = parseUrl(event.props?.url);
  return url ? { link_url: cutText(url.href, VALUE_MAX), link_domain: cutText(url.hostname, VALUE_MAX) } : {};
}

function fileParams(event: DestinationEvent): Ga4Params {
  const url = parseUrl(event.props?.url);
  if (!url) return {};
  const file = decodeSafely(url.pathname.slice(url.pathname.lastIndexOf('/') + 1));
  const extension = /\.([A-Za-z0-9]{1,10})$/.exec(file)?.[1];
  return {
    ...(file ? { file_name: cutText(file, VALUE_MAX) } : {}),
    ...(extension ? { file_extension: extension.toLowerCase() } : {}),
  };
}

function parseUrl(value: unknown): URL | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

function decodeSafely(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The site's properties after Beacon's own parameters, which win a clash, up to GA4's 25. */
function addProps(params: Ga4Params, props: Record<string, unknown> | null): void {
  if (props === null || typeof props !== 'object') return;
  for (const [key, raw] of Object.entries(props)) {
    if (Object.keys(params).length >= PARAMS_MAX) return;
    const name = toGa4ParamName(key);
    if (name === undefined || name in params) continue;
    const value = name === 'items' ? ga4Items(raw) : ga4Value(raw);
    if (value !== undefined) params[name] = value;
  }
}

/** A value GA4 takes as a parameter: a string of at most 100 characters, a finite number or a boolean. */
export function ga4Value(value: unknown): Ga4Value | undefined {
  if (typeof value === 'string') return cutText(value, VALUE_MAX);
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'boolean') return value;
  return undefined;
}

/**
 * Ecommerce `items`: objects naming an `item_id` or `item_name` (GA4 ignores others), each with its
 * standard parameters and up to 10 custom ones, at most 200 items.
 */
export function ga4Items(value: unknown): Ga4Item[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const items: Ga4Item[] = [];
  for (const raw of value) {
    if (items.length >= ITEMS_MAX) break;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) continue;
    const item: Ga4Item = {};
    let custom = 0;
    for (const [key, rawValue] of Object.entries(raw as Record<string, unknown>)) {
      const name = toGa4Name(key);
      const itemValue = ga4Value(rawValue);
      if (name === undefined || itemValue === undefined || name in item) continue;
      if (!STANDARD_ITEM_PARAMS.has(name)) {
        if (toGa4ParamName(key) === undefined || custom >= ITEM_CUSTOM_PARAMS_MAX) continue;
        custom++;
      }
      item[name] = itemValue;
    }
    if (item.item_id !== undefined || item.item_name !== undefined) items.push(item);
  }
  return items.length > 0 ? items : undefined;
}

/**
 * The request-level fields. Ads consent (false or null also under Global Privacy Control or an
 * opt-out) grants GA4's advertising uses; everything else denies them. No address is sent
 * (`ip_override`): GA4 would place every event at Beacon's server, so Beacon's own geolocation is
 * sent instead, the country always (Beacon keeps it for every event) and the city only with
 * analytics consent.
 */
function requestFields(event: DestinationEvent, clientId: string): Ga4RequestFields {
  const ads: Ga4ConsentState = event.consent.ads === true ? 'GRANTED' : 'DENIED';
  const fields: Ga4RequestFields = {
    client_id: clientId,
    consent: { ad_user_data: ads, ad_personalization: ads },
  };
  if (event.userId && event.userId.length <= USER_ID_MAX) fields.user_id = event.userId;
  if (event.country && /^[A-Z]{2}$/.test(event.country)) {
    fields.user_location = { country_id: event.country };
    if (event.consent.analytics === true && event.city)
      fields.user_location.city = cutText(event.city, VALUE_MAX);
  }
  return fields;
}
