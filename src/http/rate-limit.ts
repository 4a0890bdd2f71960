import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { RateLimitStore } from '../state/interface.ts';

/**
 * Lets @fastify/rate-limit count in our shared RateLimitStore, so limits hold across instances when
 * Redis is configured and in-process otherwise, through one code path.
 */
export function rateLimitStoreFor(store: RateLimitStore): FastifyRateLimitStoreCtor {
  class SharedRateLimitStore implements FastifyRateLimitStore {
    constructor(private readonly prefix = 'global:') {}

    incr(
      key: string,
      callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
      timeWindow: number,
    ) {
      store.hit(this.prefix + key, timeWindow).then(
        (hit) => callback(null, { current: hit.count, ttl: hit.resetInMs }),
        (error: unknown) => callback(error as Error),
      );
    }

    child(routeOptions: { method: string | string[]; url: string }) {
      return new SharedRateLimitStore(`${String(routeOptions.method)}:${routeOptions.url}:`);
    }
  }
  return SharedRateLimitStore as unknown as FastifyRateLimitStoreCtor;
}
