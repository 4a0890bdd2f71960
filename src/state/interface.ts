/**
 * Shared state that several Beacon instances must agree on. With REDIS_URL it lives in Redis;
 * without it, in-process implementations stand in (one instance only). While a configured Redis is
 * unreachable, the in-process implementations stand in for it too, so no call fails or waits long.
 */
export interface Cache {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
}

export interface RateLimitHit {
  /** Hits in the current window, this one included. */
  count: number;
  /** Milliseconds until the window resets. */
  resetInMs: number;
}

/** Fixed-window counters for rate limits and lockouts. */
export interface RateLimitStore {
  /** Adds `cost` (default 1: one request; a batch may charge its events) to the key's window. */
  hit(key: string, windowMs: number, cost?: number): Promise<RateLimitHit>;
  reset(key: string): Promise<void>;
}

export type Unsubscribe = () => Promise<void>;

export interface PubSub {
  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, onMessage: (message: string) => void): Promise<Unsubscribe>;
}

export interface SharedState {
  /** `redis` or `in-process`: printed at start and by the test suite. */
  backend: 'redis' | 'in-process';
  cache: Cache;
  rateLimits: RateLimitStore;
  pubsub: PubSub;
  /** Whether Redis answers (always true in-process); false while the in-process fallback serves. */
  ping(): Promise<boolean>;
  /** True while a configured Redis is unreachable and the in-process fallback serves. */
  degraded(): boolean;
  close(): Promise<void>;
}
