import type { EventRule } from '../destination-type.ts';

/**
 * Beacon's conventional event names (snake_case, GA4's where GA4 has one) and the Meta standard
 * event each one means. Only names whose meaning is the standard event's: Meta optimises ad
 * delivery on these, so a loose match (every click as `Lead`) would teach it the wrong thing.
 */
const STANDARD_EVENTS: ReadonlyMap<string, string> = new Map(
  Object.entries({
    pageview: 'PageView',
    purchase: 'Purchase',
    signup: 'CompleteRegistration',
    sign_up: 'CompleteRegistration',
    complete_registration: 'CompleteRegistration',
    lead: 'Lead',
    generate_lead: 'Lead',
    add_to_cart: 'AddToCart',
    add_to_wishlist: 'AddToWishlist',
    add_payment_info: 'AddPaymentInfo',
    begin_checkout: 'InitiateCheckout',
    checkout: 'InitiateCheckout',
    initiate_checkout: 'InitiateCheckout',
    view_item: 'ViewContent',
    view_content: 'ViewContent',
    search: 'Search',
    subscribe: 'Subscribe',
    start_trial: 'StartTrial',
    contact: 'Contact',
    schedule: 'Schedule',
    submit_application: 'SubmitApplication',
    donate: 'Donate',
    find_location: 'FindLocation',
    customize_product: 'CustomizeProduct',
  }),
);

/**
 * A Meta destination that names no rules receives page views and the events above, under their
 * standard names. Other custom events are not sent unless a rule names them: they rarely mean
 * anything to Meta's optimisation, and every event forwarded is more about a visitor sent to Meta.
 */
export const META_DEFAULT_EVENTS: readonly EventRule[] = [...STANDARD_EVENTS].map(([match, as]) => ({
  match,
  as,
}));

/** Meta's limit on a custom event's name (the pixel's; the Conversions API follows it). */
export const META_EVENT_NAME_MAX = 50;

/**
 * The Meta `event_name` for a stored event under a rule: the rule's `as`, else the standard name of
 * a page view or a conventional event, else the custom event's own name (so a rule such as
 * `{"match": "webinar_watched"}` sends a custom event of that name, as the pixel's `trackCustom`
 * would). Undefined when there is no name to give: `identify`, or one of Beacon's own `$…` events,
 * which go to Meta only under a name a rule gives them.
 */
export function metaEventName(
  event: { type: 'pageview' | 'event' | 'identify'; name: string | null },
  rule: Pick<EventRule, 'as'>,
): string | undefined {
  if (rule.as !== undefined) return rule.as.trim() === '' ? undefined : rule.as;
  if (event.type === 'pageview') return STANDARD_EVENTS.get('pageview');
  if (event.type !== 'event' || event.name === null || event.name === '' || event.name.startsWith('$')) {
    return undefined;
  }
  return STANDARD_EVENTS.get(event.name.toLowerCase()) ?? event.name;
}
