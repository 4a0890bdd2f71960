import type { TSchema } from 'typebox';

/**
 * The contract every destination platform (GA4, Meta, Google Ads, webhook) implements. A platform
 * is plain functions over a narrow context: it never imports fetch or the database, so tests hand
 * it a local server that checks requests the way the real API does. The delivery engine
 * (`deliver.ts`) claims due deliveries, loads their events, batches them per destination up to
 * `maxBatch`, calls `send`, and records each outcome (retry with backoff, dead letter).
 */

/** A stored event as a destination sees it: what was committed, plus attribution carried forward. */
export interface DestinationEvent {
  /** Beacon's own id of the stored event (`evt_…`). */
  id: string;
  /**
   * The event's deduplication id: the client's `eventId` when it sent one (the browser pixel's
   * eventID, so Meta deduplicates the two), else Beacon's id.
   */
  eventId: string;
  type: 'pageview' | 'event' | 'identify';
  /** The custom event's name (`purchase`, `signup`, `$outbound`, …); null for page views and identify. */
  name: string | null;
  /** When it happened, clock skew corrected. */
  occurredAt: Date;
  receivedAt: Date;
  url: string | null;
  referrer: string | null;
  title: string | null;
  /** First-party visitor id (analytics consent), or the cookieless daily id. */
  visitorId: string | null;
  /**
   * Beacon's session id (`ses_…`) and when that session began, as its id tells (ids are made when a
   * session starts): a stable number per session, which is what GA4's session_id needs.
   */
  sessionId: string | null;
  sessionStartedAt: Date | null;
  /** The site's own user id, kept only with analytics consent. */
  userId: string | null;
  /** The GA cookie's client id (`1234567890.1700000000`), read by the tracker under analytics consent. */
  gaClientId: string | null;
  /** For `transaction_id`/`order_id`/`transactionId`: the event's own, when it sent one. */
  transactionId: string | null;
  userAgent: string | null;
  /**
   * The client's full address, for platforms that match on it (Meta, Google Ads), present only with
   * ads consent and only while the delivery is pending; otherwise the stored, minimised one or null.
   */
  ip: string | null;
  /** ISO 3166-1 alpha-2 from IP enrichment, upper case; city and region as the provider named them. */
  country: string | null;
  region: string | null;
  city: string | null;
  language: string | null;
  screen: { width: number; height: number } | null;
  props: Record<string, unknown> | null;
  /** A conversion's value in currency units, and its ISO 4217 currency (upper case). */
  value: number | null;
  currency: string | null;
  /**
   * Consent as stored. `ads` is true only with ads consent and without Global Privacy Control or a
   * sale/sharing opt-out; the engine never hands an event without it to an ad platform.
   */
  consent: { analytics: boolean | null; ads: boolean | null };
  /**
   * SHA-256 hex of the user's identifiers, normalised per platform at ingestion
   * (src/ingest/user-hashes.ts): `em` (Meta, GA4), `em_google` (Google's gmail rule), `ph` (Meta:
   * digits with country code), `ph_e164` (Google: E.164 with `+`). From this event, or carried
   * forward from the visitor's latest earlier `identify` under the same consent.
   */
  userHashes: Readonly<Record<string, string>>;
  /**
   * Click ids from this event or carried forward from the visitor's earlier landing within each
   * platform's window (gclid, gbraid, wbraid 90 days; fbclid/fbc 7 days), with when they were seen.
   */
  clickIds: Readonly<{
    gclid?: string;
    gbraid?: string;
    wbraid?: string;
    fbclid?: string;
    /** The `_fbc` cookie, or built from an `fbclid` landing: `fb.1.<ms of the click>.<fbclid>`. */
    fbc?: string;
    fbp?: string;
  }>;
  /** Engaged time the tracker measured for this event (`$engagement`'s `engagedMs`), if any. */
  engagementMs: number | null;
}

/** One rule of a destination's `events`: which stored events it receives, and under which name. */
export interface EventRule {
  /** `pageview`, `identify`, or a custom event's name; `*` matches every page view and event. */
  match: string;
  /** The platform's event name (Meta `Purchase`, GA4 `purchase`); default: derived by the platform. */
  as?: string;
  /** Google Ads: the conversion action for this rule, instead of the destination's. */
  conversionActionId?: string;
}

/** A delivery as `send` gets it: the job's id, the event, and the rule that matched it. */
export interface OutgoingEvent {
  id: number;
  event: DestinationEvent;
  rule: EventRule;
}

/** What became of one event at the platform. */
export type SendResult =
  /** Accepted; `status` is the platform's HTTP status when the module reports it. */
  | { kind: 'delivered'; status?: number }
  /** Passing trouble (timeouts, 5xx, 429): try again, after `retryAfterMs` if the platform said so. */
  | { kind: 'retry'; error: string; status?: number; retryAfterMs?: number }
  /** The platform refused it for good (4xx other than 408/429): a dead letter with its message. */
  | { kind: 'permanent'; error: string; status?: number }
  /** Nothing to send for it (no identifier the platform can match on, a name it reserves): done. */
  | { kind: 'skipped'; reason: string };

export interface SendContext<Config> {
  /** The destination's configuration, secrets opened. */
  config: Config;
  fetch: typeof fetch;
  now: () => Date;
  log: { warn(object: object, message: string): void };
  /** Base URLs of the platforms (GA4_URL, META_GRAPH_URL, …), so tests point them at local fakes. */
  urls: PlatformUrls;
  signal: AbortSignal;
}

export interface PlatformUrls {
  ga4: string;
  metaGraph: string;
  googleDataManager: string;
  googleAds: string;
  googleOauthToken: string;
}

/** The answer of `POST …/destinations/:id/test`. */
export interface TestResult {
  ok: boolean;
  messages: string[];
}

export type DestinationTypeName = 'ga4' | 'meta' | 'google_ads' | 'webhook';

/**
 * A destination platform. `Config` is the destination's whole configuration as stored and opened;
 * `secretFields` are sealed at rest and never returned by the API (shown as `<field>Set: true`).
 */
export interface DestinationType<Config = Record<string, unknown>> {
  type: DestinationTypeName;
  /** TypeBox schema of `config` as the API takes it; a bad value is a 400 naming `config.<field>`. */
  configSchema: TSchema;
  /** Top-level config fields (dotted paths for nested ones, e.g. `oauth.refreshToken`) sealed at rest. */
  secretFields: readonly string[];
  /** Events per request the platform accepts. */
  maxBatch: number;
  /**
   * How long a delivery may be retried: the platform's backdating window (GA4 72 h, Meta 7 days),
   * less a margin, so nothing is sent that the platform would refuse as too old.
   */
  retryWindowMs: number;
  /** Whether the platform receives events only with ads consent (Meta, Google Ads). */
  needsAdsConsent: boolean;
  /** Whether `send` needs the client's full address (kept sealed in the delivery until it is final). */
  needsFullIp: boolean;
  /** The rules a destination gets when it names none. */
  defaultEvents: readonly EventRule[];
  /** Checks a config beyond its schema (e.g. `G-` ids); answers the field and message of the first problem. */
  validateConfig?(config: Config): { field: string; message: string } | undefined;
  /** Sends a batch (at most `maxBatch`) and answers an outcome for every `OutgoingEvent.id`. */
  send(batch: readonly OutgoingEvent[], context: SendContext<Config>): Promise<Map<number, SendResult>>;
  /** Sends a test event the platform does not count (GA4's validation server, Meta's test code, validateOnly). */
  test(event: DestinationEvent, context: SendContext<Config>): Promise<TestResult>;
}
