import type { DestinationType, DestinationTypeName } from './destination-type.ts';
import { metaDestination } from './meta/meta-destination.ts';
import { webhookDestination } from './webhook/webhook-destination.ts';

/** Every destination platform Beacon can forward to, by type name. */
export const DESTINATION_TYPES: Partial<Record<DestinationTypeName, DestinationType>> = {
  meta: metaDestination as unknown as DestinationType,
  webhook: webhookDestination as unknown as DestinationType,
};

export function destinationTypeOf(type: string): DestinationType | undefined {
  return DESTINATION_TYPES[type as DestinationTypeName];
}
