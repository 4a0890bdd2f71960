import { EventEmitter } from 'node:events';
import { LRUCache } from 'lru-cache';
import type { Cache, PubSub, RateLimitStore, SharedState } from './interface.ts';

export function createMemoryCache(maxEntries = 100_000): Cache {
  const entries = new LRUCache<string, string>({ max: maxEntries });
  return {
    async get(key) {
      return entries.get(key);
    },
    async set(key, value, ttlMs) {
      entries.set(key, value, { ttl: ttlMs });
    },
    async delete(key) {
      entries.delete(key);
    },
  };
}

export function createMemoryRateLimitStore(now: () => number = Date.now): RateLimitStore {
  const windows = new Map<string, { count: number; resetAt: number }>();
  let lastSweep = now();
  return {
    async hit(key, windowMs, cost = 1) {
      const time = now();
      // Sweep expired windows at most once a minute so idle keys do not accumulate.
      if (time - lastSweep > 60_000) {
        for (const [name, window] of windows) if (window.resetAt <= time) windows.delete(name);
        lastSweep = time;
      }
      let window = windows.get(key);
      if (window === undefined || window.resetAt <= time) {
        window = { count: 0, resetAt: time + windowMs };
        windows.set(key, window);
      }
      window.count += cost;
      return { count: window.count, resetInMs: window.resetAt - time };
    },
    async reset(key) {
      windows.delete(key);
    },
  };
}

export function createMemoryPubSub(): PubSub {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    async publish(channel, message) {
      emitter.emit(channel, message);
    },
    async subscribe(channel, onMessage) {
      emitter.on(channel, onMessage);
      return async () => {
        emitter.off(channel, onMessage);
      };
    },
  };
}

export function createMemoryState(): SharedState {
  return {
    backend: 'in-process',
    cache: createMemoryCache(),
    rateLimits: createMemoryRateLimitStore(),
    pubsub: createMemoryPubSub(),
    async ping() {
      return true;
    },
    degraded: () => false,
    async close() {},
  };
}
