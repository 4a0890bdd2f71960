import type { Sealer } from '../lib/sealed.ts';
import type { PlatformUrls } from './destination-type.ts';

/** What destinations need from outside, built once in main.ts and shared by the API and the queues. */
export interface DestinationServices {
  /** Seals credentials and client addresses at rest (BEACON_SECRET), opens them to send. */
  sealer: Sealer;
  urls: PlatformUrls;
  /** For the platforms, whose hosts are Beacon's settings. */
  fetch: typeof fetch;
  /** For webhook URLs, which tenants choose: it refuses inner addresses (createGuardedFetch). */
  webhookFetch: typeof fetch;
}
