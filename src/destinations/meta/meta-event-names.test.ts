import { describe, expect, it } from 'vitest';
import { META_DEFAULT_EVENTS, metaEventName } from './meta-event-names.ts';

type Event = Parameters<typeof metaEventName>[0];
const pageview: Event = { type: 'pageview', name: null };
const custom = (name: string | null): Event => ({ type: 'event', name });

describe('metaEventName', () => {
  it.each<[string, Event, { as?: string }, string | undefined]>([
    ['a page view', pageview, {}, 'PageView'],
    ['a purchase', custom('purchase'), {}, 'Purchase'],
    ['a sign-up', custom('signup'), {}, 'CompleteRegistration'],
    ['GA4-style sign_up', custom('sign_up'), {}, 'CompleteRegistration'],
    ['a lead', custom('lead'), {}, 'Lead'],
    ['add_to_cart', custom('add_to_cart'), {}, 'AddToCart'],
    ['begin_checkout', custom('begin_checkout'), {}, 'InitiateCheckout'],
    ['checkout', custom('checkout'), {}, 'InitiateCheckout'],
    ['subscribe', custom('subscribe'), {}, 'Subscribe'],
    ['contact', custom('contact'), {}, 'Contact'],
    ['search', custom('search'), {}, 'Search'],
    ['a name in another case', custom('Purchase'), {}, 'Purchase'],
    ['a custom event, under its own name', custom('webinar_watched'), {}, 'webinar_watched'],
    ["the rule's name", custom('order_completed'), { as: 'Purchase' }, 'Purchase'],
    ["the rule's name for a page view", pageview, { as: 'ViewContent' }, 'ViewContent'],
    ['identify only under a rule name', { type: 'identify', name: null }, { as: 'Lead' }, 'Lead'],
    ['identify without one', { type: 'identify', name: null }, {}, undefined],
    ["Beacon's own events without a rule name", custom('$outbound'), {}, undefined],
    ["Beacon's own events under one", custom('$outbound'), { as: 'OutboundClick' }, 'OutboundClick'],
    ['an object-prototype name', custom('constructor'), {}, 'constructor'],
  ])('%s', (_, event, rule, expected) => {
    expect(metaEventName(event, rule)).toBe(expected);
  });

  describe('robustness to invalid data', () => {
    it.each<[Event, { as?: string }]>([
      [custom(null), {}],
      [custom(''), {}],
      [custom('purchase'), { as: '' }],
      [custom('purchase'), { as: '   ' }],
    ])('%j %j has no name', (event, rule) => {
      expect(metaEventName(event, rule)).toBeUndefined();
    });
  });
});

describe('META_DEFAULT_EVENTS', () => {
  it('sends page views and conventional conversions under standard names', () => {
    expect(META_DEFAULT_EVENTS).toContainEqual({ match: 'pageview', as: 'PageView' });
    expect(META_DEFAULT_EVENTS).toContainEqual({ match: 'purchase', as: 'Purchase' });
    expect(META_DEFAULT_EVENTS).toContainEqual({ match: 'sign_up', as: 'CompleteRegistration' });
  });

  it('names only Meta standard events and never matches everything', () => {
    const standard = new Set([
      'AddPaymentInfo',
      'AddToCart',
      'AddToWishlist',
      'CompleteRegistration',
      'Contact',
      'CustomizeProduct',
      'Donate',
      'FindLocation',
      'InitiateCheckout',
      'Lead',
      'PageView',
      'Purchase',
      'Schedule',
      'Search',
      'StartTrial',
      'SubmitApplication',
      'Subscribe',
      'ViewContent',
    ]);
    for (const rule of META_DEFAULT_EVENTS) {
      expect(standard.has(rule.as!), `${rule.match} → ${rule.as}`).toBe(true);
      expect(rule.match).not.toBe('*');
      expect(metaEventName(rule.match === 'pageview' ? pageview : custom(rule.match), {})).toBe(rule.as);
    }
  });
});
