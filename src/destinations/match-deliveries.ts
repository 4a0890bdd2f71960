import type { DestinationTypeName, EventRule } from './destination-type.ts';

/** What ingestion knows of a site's enabled destination (cached with the site). */
export interface SiteDestination {
  id: string;
  type: DestinationTypeName;
  rules: readonly EventRule[];
  /** Meta and Google Ads: nothing about a visitor without ads consent may reach them. */
  needsAdsConsent: boolean;
  /** Whether the client's full address is kept (sealed) in the delivery for matching. */
  needsFullIp: boolean;
}

/** The part of a stored event that decides which destinations receive it. */
export interface MatchableEvent {
  type: string;
  name: string | null;
  is_bot: boolean;
  consent_ads: boolean | null;
}

/** Whether a rule takes an event: `*` every page view and custom event, else its type or its name. */
export function ruleMatches(rule: EventRule, event: Pick<MatchableEvent, 'type' | 'name'>): boolean {
  if (rule.match === '*') return event.type === 'pageview' || event.type === 'event';
  if (event.type === 'event') return rule.match === event.name;
  return rule.match === event.type;
}

/**
 * The destinations an event is delivered to: those with a rule that takes it. Bots are never
 * forwarded, and an ad platform gets nothing without ads consent, which the pipeline has already
 * cleared for Global Privacy Control (`consent_ads` is false then).
 */
export function destinationsFor(
  event: MatchableEvent,
  destinations: readonly SiteDestination[],
): SiteDestination[] {
  if (event.is_bot || destinations.length === 0) return [];
  return destinations.filter(
    (destination) =>
      (!destination.needsAdsConsent || event.consent_ads === true) &&
      destination.rules.some((rule) => ruleMatches(rule, event)),
  );
}
