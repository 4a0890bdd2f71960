import { Redis } from 'ioredis';
import type { Cache, PubSub, RateLimitStore, SharedState } from './interface.ts';

// INCRBY and set the expiry on the first hit, atomically, so a crash cannot leave a counter without TTL.
const HIT_SCRIPT = `
local count = redis.call('INCRBY', KEYS[1], ARGV[2])
if count == tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
return {count, ttl}`;

export function createRedisCache(redis: Redis, prefix: string): Cache {
  return {
    async get(key) {
      return (await redis.get(prefix + key)) ?? undefined;
    },
    async set(key, value, ttlMs) {
      await redis.set(prefix + key, value, 'PX', Math.max(1, Math.round(ttlMs)));
    },
    async delete(key) {
      await redis.del(prefix + key);
    },
  };
}

export function createRedisRateLimitStore(redis: Redis, prefix: string): RateLimitStore {
  return {
    async hit(key, windowMs, cost = 1) {
      const [count, ttl] = (await redis.eval(HIT_SCRIPT, 1, prefix + key, Math.round(windowMs), cost)) as [
        number,
        number,
      ];
      return { count, resetInMs: ttl > 0 ? ttl : windowMs };
    },
    async reset(key) {
      await redis.del(prefix + key);
    },
  };
}

/** A subscriber connection cannot issue other commands, so pub/sub gets its own. */
export function createRedisPubSub(publisher: Redis, subscriber: Redis, prefix: string): PubSub {
  const handlers = new Map<string, Set<(message: string) => void>>();
  subscriber.on('message', (channel: string, message: string) => {
    for (const handler of handlers.get(channel) ?? []) handler(message);
  });
  return {
    async publish(channel, message) {
      await publisher.publish(prefix + channel, message);
    },
    async subscribe(channel, onMessage) {
      const name = prefix + channel;
      let set = handlers.get(name);
      if (set === undefined) {
        set = new Set();
        handlers.set(name, set);
        await subscriber.subscribe(name);
      }
      set.add(onMessage);
      return async () => {
        set.delete(onMessage);
        if (set.size === 0 && handlers.get(name) === set) {
          handlers.delete(name);
          await subscriber.unsubscribe(name);
        }
      };
    },
  };
}

export interface RedisStateOptions {
  url: string;
  /** Namespaces every key and channel, so tests and several deployments can share one Redis. */
  prefix?: string;
}

export function createRedisState(options: RedisStateOptions): SharedState & { redis: Redis } {
  const prefix = options.prefix ?? 'beacon:';
  const redis = new Redis(options.url, {
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    lazyConnect: false,
  });
  const subscriber = redis.duplicate();
  // Connection errors surface as failed commands and in /ready; the client reconnects by itself.
  redis.on('error', () => undefined);
  subscriber.on('error', () => undefined);
  return {
    backend: 'redis',
    redis,
    cache: createRedisCache(redis, `${prefix}cache:`),
    rateLimits: createRedisRateLimitStore(redis, `${prefix}rl:`),
    pubsub: createRedisPubSub(redis, subscriber, `${prefix}ps:`),
    async ping() {
      try {
        return (await withTimeout(redis.ping(), 1000)) === 'PONG';
      } catch {
        return false;
      }
    },
    async close() {
      await Promise.allSettled([redis.quit(), subscriber.quit()]);
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout')), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error as Error);
      },
    );
  });
}
