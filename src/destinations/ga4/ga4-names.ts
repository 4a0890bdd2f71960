/**
 * GA4's naming rules for Measurement Protocol events and parameters (external-apis.md §1, "Limits"
 * and "Reserved names"): `^[A-Za-z][A-Za-z0-9_]{0,39}$`, not reserved, no reserved prefix. GA4
 * accepts a request that breaks them with a 2xx and silently drops what it cannot use, so names are
 * made valid here, before sending.
 */

const NAME_MAX = 40;

/**
 * Event names GA4 keeps for itself: the web list of Google's naming rules, the app names that
 * Google's own SDKs reserve (sent through the Measurement Protocol they would clash with collected
 * data), compared in lower case to be safe. `page_view` is left out: it is what Beacon's page views
 * become, as the issue asks and as Google's tag reports them.
 */
export const RESERVED_EVENT_NAMES: ReadonlySet<string> = new Set([
  'ad_activeview',
  'ad_click',
  'ad_exposure',
  'ad_impression',
  'ad_query',
  'ad_reward',
  'adunit_exposure',
  'app_background',
  'app_clear_data',
  'app_exception',
  'app_install',
  'app_remove',
  'app_store_refund',
  'app_store_subscription_cancel',
  'app_store_subscription_convert',
  'app_store_subscription_renew',
  'app_uninstall',
  'app_update',
  'app_upgrade',
  'click',
  'dynamic_link_app_open',
  'dynamic_link_app_update',
  'dynamic_link_first_open',
  'error',
  'file_download',
  'firebase_campaign',
  'first_open',
  'first_visit',
  'form_start',
  'form_submit',
  'in_app_purchase',
  'notification_dismiss',
  'notification_foreground',
  'notification_open',
  'notification_receive',
  'os_update',
  'screen_view',
  'scroll',
  'session_start',
  'session_start_with_rollout',
  'user_engagement',
  'video_complete',
  'video_progress',
  'video_start',
  'view_complete',
  'view_search_results',
]);

const RESERVED_EVENT_PREFIXES = ['firebase_', 'ga_', 'google_', 'query_id'] as const;

/** Parameters GA4 sets itself (Beacon sends `session_id` and `engagement_time_msec` on its own). */
export const RESERVED_PARAM_NAMES: ReadonlySet<string> = new Set([
  'engagement_time_msec',
  'firebase_conversion',
  'gclid',
  'session_id',
  'session_number',
]);

const RESERVED_PARAM_PREFIXES = ['_', 'firebase_', 'ga_', 'google_', 'gtag.'] as const;

/**
 * `raw` made into a name GA4 accepts, or undefined when nothing of it is left: accents dropped
 * (`Über` → `Uber`), every run of other characters one `_` (`Add to cart!` → `Add_to_cart`), leading
 * digits and underscores dropped (`$outbound` → `outbound`), cut to 40 characters. Case is kept:
 * GA4's names are case-sensitive.
 */
export function toGa4Name(raw: string): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const name = raw
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9_]+/g, ' ')
    .trim()
    .replace(/ /g, '_')
    .replace(/^[^A-Za-z]+/, '')
    .slice(0, NAME_MAX);
  return name === '' ? undefined : name;
}

export type EventNameResult = { ok: true; name: string } | { ok: false; reason: string };

/** The GA4 event name for a Beacon event or a rule's `as`; a reserved one is refused, never renamed. */
export function toGa4EventName(raw: string): EventNameResult {
  const name = toGa4Name(raw);
  if (name === undefined)
    return { ok: false, reason: `"${String(raw).slice(0, 80)}" has no letters GA4 accepts` };
  const lower = name.toLowerCase();
  if (RESERVED_EVENT_NAMES.has(lower) || RESERVED_EVENT_PREFIXES.some((prefix) => lower.startsWith(prefix))) {
    return { ok: false, reason: `GA4 reserves the event name ${name}; give the rule another name with "as"` };
  }
  return { ok: true, name };
}

/**
 * The GA4 parameter name for a property, or undefined when it has none or GA4 reserves it. Cleaning
 * comes first, so `_ga_x` is refused as `ga_x` while `_internal` becomes `internal`.
 */
export function toGa4ParamName(raw: string): string | undefined {
  const name = toGa4Name(raw);
  if (name === undefined) return undefined;
  const lower = name.toLowerCase();
  if (RESERVED_PARAM_NAMES.has(lower) || RESERVED_PARAM_PREFIXES.some((prefix) => lower.startsWith(prefix))) {
    return undefined;
  }
  return name;
}
