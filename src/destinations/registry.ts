import type { DestinationType, DestinationTypeName } from './destination-type.ts';
import { ga4Destination } from './ga4/ga4-destination.ts';
import { googleAdsDestination } from './google-ads/google-ads-destination.ts';
import { metaDestination } from './meta/meta-destination.ts';
import { webhookDestination } from './webhook/webhook-destination.ts';

/**
 * A platform as the engine holds it: each platform's functions take its own config type, and the
 * engine hands each exactly the config its schema accepted.
 */
const platform = <Config>(type: DestinationType<Config>) => type as unknown as DestinationType;

/** Every destination platform Beacon can forward to, by type name. */
export const DESTINATION_TYPES: Partial<Record<DestinationTypeName, DestinationType>> = {
  ga4: platform(ga4Destination),
  meta: platform(metaDestination),
  google_ads: platform(googleAdsDestination),
  webhook: platform(webhookDestination),
};

export function destinationTypeOf(type: string): DestinationType | undefined {
  return DESTINATION_TYPES[type as DestinationTypeName];
}
