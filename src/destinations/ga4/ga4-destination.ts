import type { DestinationType } from '../destination-type.ts';
import { Ga4Config, validateGa4Config } from './ga4-config.ts';
import { GA4_REQUEST_TIMEOUT_MS } from './post-to-ga4.ts';
import { sendGa4Events } from './send-ga4-events.ts';
import { testGa4Destination } from './test-ga4-destination.ts';

const HOUR_MS = 60 * 60 * 1000;

/**
 * Google Analytics 4 through the Measurement Protocol. `requestTimeoutMs` bounds each request
 * (tests shorten it); `ga4Destination` is the one Beacon registers.
 */
export function createGa4Destination({
  requestTimeoutMs = GA4_REQUEST_TIMEOUT_MS,
}: { requestTimeoutMs?: number } = {}): DestinationType<Ga4Config> {
  return {
    type: 'ga4',
    configSchema: Ga4Config,
    secretFields: ['apiSecret'],
    maxBatch: 25,
    // GA4 takes events up to 72 h old; an hour is left so that the last retry, jitter and all,
    // still goes out in time (send refuses what is older than 71 h 45 min when it gets there).
    retryWindowMs: 71 * HOUR_MS,
    needsAdsConsent: false,
    // No address goes to GA4 (see map-event.ts): Beacon's geolocation is sent instead.
    needsFullIp: false,
    defaultEvents: [{ match: '*' }],
    validateConfig: validateGa4Config,
    send: (batch, context) => sendGa4Events(batch, context, { timeoutMs: requestTimeoutMs }),
    test: (event, context) => testGa4Destination(event, context, { timeoutMs: requestTimeoutMs }),
  };
}

export const ga4Destination = createGa4Destination();
