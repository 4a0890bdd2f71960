import type { DestinationType } from '../destination-type.ts';
import { META_MAX_EVENT_AGE_MS } from './map-meta-event.ts';
import { MetaConfig, validateMetaConfig } from './meta-config.ts';
import { META_DEFAULT_EVENTS } from './meta-event-names.ts';
import { META_MAX_EVENTS_PER_REQUEST, sendMetaEvents } from './send-meta-events.ts';
import { testMetaDestination } from './test-meta-destination.ts';

/**
 * Meta Conversions API. Events go out only with ads consent (the engine's gate; `send` checks it
 * again) and with the client's full address, unhashed as Meta requires, next to the hashed
 * identifiers ingestion made. See README.md in this folder for what is sent and why.
 */
export const metaDestination: DestinationType<MetaConfig> = {
  type: 'meta',
  configSchema: MetaConfig,
  secretFields: ['accessToken'],
  maxBatch: META_MAX_EVENTS_PER_REQUEST,
  // A day short of Meta's 7 days: an event can precede its delivery (a tracker's queued batch),
  // and the last backoff can be hours long. `send` itself never sends an event past the limit.
  retryWindowMs: META_MAX_EVENT_AGE_MS - 24 * 60 * 60 * 1000,
  needsAdsConsent: true,
  needsFullIp: true,
  defaultEvents: META_DEFAULT_EVENTS,
  validateConfig: validateMetaConfig,
  send: (batch, context) => sendMetaEvents(batch, context),
  test: (event, context) => testMetaDestination(event, context),
};
