import { Redis, type RedisOptions } from 'ioredis';
import { cacheWithFallback, pubsubWithFallback, rateLimitsWithFallback, routeBy } from './fallback.ts';
import type { Cache, RateLimitStore, SharedState } from './interface.ts';
import { createMemoryCache, createMemoryRateLimitStore } from './memory.ts';
import { watchRedis, type StateLog } from './redis-watch.ts';

// INCRBY and set the expiry on the first hit, atomically, so a crash cannot leave a counter without TTL.
const HIT_SCRIPT = `
local count = redis.call('INCRBY', KEYS[1], ARGV[2])
if count == tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
return {count, ttl}`;

/**
 * A Redis call answers in well under a millisecond on a healthy network; one that takes this long
 * means Redis is stalled or gone, and the call is served in-process instead. Requests pay this at
 * most once per outage: after it, calls go in-process without trying Redis.
 */
export const REDIS_CALL_TIMEOUT_MS = 500;

/**
 * Calls fail at once instead of queuing while disconnected, and are never replayed after a
 * reconnect (a hit counted in-process meanwhile must not count twice); a connection that owes
 * answers and stays silent (a frozen server) is dropped and made again, forever, at most every 2 s.
 */
const CONNECTION_OPTIONS: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  // pubsubWithFallback re-subscribes itself once Redis answers, subscriptions made meanwhile included.
  autoResubscribe: false,
  commandTimeout: REDIS_CALL_TIMEOUT_MS,
  socketTimeout: 2 * REDIS_CALL_TIMEOUT_MS,
  connectTimeout: 2_000,
  retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
};

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

export interface RedisStateOptions {
  url: string;
  /** Namespaces every key and channel, so tests and several deployments can share one Redis. */
  prefix?: string;
  /** Where the state says, once each, that Redis went away and that it came back. */
  log?: StateLog;
}

/**
 * Shared state in Redis, with the in-process implementations standing in while Redis is away (see
 * redis-watch.ts for when, fallback.ts for what each part then does). Pub/sub listens on a
 * connection of its own, so messages never wait behind commands.
 */
export function createRedisState(options: RedisStateOptions): SharedState & { redis: Redis } {
  const prefix = options.prefix ?? 'beacon:';
  const channelPrefix = `${prefix}ps:`;
  const redis = new Redis(options.url, CONNECTION_OPTIONS);
  const subscriber = redis.duplicate();
  // Failures surface as failed calls, which the watch turns into the fallback; the client reconnects by itself.
  redis.on('error', () => undefined);
  subscriber.on('error', () => undefined);

  const probe = async () => {
    // A write, as the calls it stands for are writes: a Redis that is out of memory or read-only
    // answers PING but would fail every counter.
    await Promise.all([redis.set(`${prefix}probe`, '1', 'PX', 60_000), subscriber.ping()]);
  };
  const watch = watchRedis({
    connections: [redis, subscriber],
    probe,
    onRecovery: () => channels.resubscribe(),
    log: options.log,
  });
  const route = routeBy(watch);
  const channels = pubsubWithFallback(
    {
      publish: async (channel, message) => {
        await redis.publish(channelPrefix + channel, message);
      },
      subscribe: async (names) => {
        await subscriber.subscribe(...names.map((channel) => channelPrefix + channel));
      },
      unsubscribe: async (channel) => {
        await subscriber.unsubscribe(channelPrefix + channel);
      },
    },
    route,
  );
  subscriber.on('message', (channel: string, message: string) => {
    if (channel.startsWith(channelPrefix)) channels.deliver(channel.slice(channelPrefix.length), message);
  });

  return {
    backend: 'redis',
    redis,
    cache: cacheWithFallback(createRedisCache(redis, `${prefix}cache:`), createMemoryCache(), route),
    rateLimits: rateLimitsWithFallback(
      createRedisRateLimitStore(redis, `${prefix}rl:`),
      createMemoryRateLimitStore(),
      route,
    ),
    pubsub: channels.pubsub,
    async ping() {
      if (watch.starting()) await watch.settled;
      if (!watch.usable()) return false;
      try {
        return (await redis.ping()) === 'PONG';
      } catch (error) {
        watch.lost(error);
        return false;
      }
    },
    degraded: () => watch.degraded(),
    async close() {
      watch.close();
      // quit() fails on a connection that is down; disconnect() then stops it reconnecting.
      await Promise.all(
        [redis, subscriber].map((connection) => connection.quit().catch(() => connection.disconnect())),
      );
    },
  };
}
