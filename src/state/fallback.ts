import { EventEmitter } from 'node:events';
import type { Cache, PubSub, RateLimitStore } from './interface.ts';

/** Whether calls go to Redis now; redis-watch.ts keeps it up to date. */
export interface Availability {
  /** True until the first connection is made or given up on. */
  starting(): boolean;
  /** Settles when starting ends; calls made while starting wait for it. */
  readonly settled: Promise<void>;
  usable(): boolean;
  /** A call to Redis failed: serve in-process until Redis answers again. */
  lost(error: unknown): void;
}

/** Runs `onRedis` while Redis is usable; `inProcess` while it is not, and when the Redis call fails. */
export type Route = <T>(onRedis: () => Promise<T>, inProcess: () => Promise<T>) => Promise<T>;

export function routeBy(availability: Availability): Route {
  return async (onRedis, inProcess) => {
    if (availability.starting()) await availability.settled;
    if (!availability.usable()) return inProcess();
    try {
      return await onRedis();
    } catch (error) {
      availability.lost(error);
      return inProcess();
    }
  };
}

/**
 * While Redis is away, entries are kept in-process. They are not copied to Redis when it returns,
 * and a delete made meanwhile does not reach it: what Redis held comes back until its TTL ends.
 */
export function cacheWithFallback(redis: Cache, local: Cache, route: Route): Cache {
  return {
    get: (key) =>
      route(
        () => redis.get(key),
        () => local.get(key),
      ),
    set: (key, value, ttlMs) =>
      route(
        () => redis.set(key, value, ttlMs),
        () => local.set(key, value, ttlMs),
      ),
    delete: (key) =>
      route(
        () => redis.delete(key),
        () => local.delete(key),
      ),
  };
}

/**
 * While Redis is away, each instance counts its own hits, so a limit holds per instance (several
 * instances together may allow that many times more). When Redis returns, counting goes on there
 * from what it held; hits counted in-process meanwhile are not added.
 */
export function rateLimitsWithFallback(
  redis: RateLimitStore,
  local: RateLimitStore,
  route: Route,
): RateLimitStore {
  return {
    hit: (key, windowMs, cost) =>
      route(
        () => redis.hit(key, windowMs, cost),
        () => local.hit(key, windowMs, cost),
      ),
    reset: (key) =>
      route(
        () => redis.reset(key),
        () => local.reset(key),
      ),
  };
}

/** Redis's side of pub/sub; channel names as the subscribers use them. */
export interface RemoteChannels {
  publish(channel: string, message: string): Promise<void>;
  subscribe(channels: string[]): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
}

/**
 * Subscribers are held in-process; Redis carries messages between instances and hands each one
 * back through `deliver` (this instance's own included). While Redis is away, a message reaches
 * this instance's subscribers directly and no other instance's: those miss it, and whatever they
 * derive from it must expire by itself (the site cache's TTL does). Once Redis answers again,
 * `resubscribe` restores every subscription, those made meanwhile included. A publish that timed
 * out may still have reached Redis, so subscribers may see a message twice: they must be idempotent.
 */
export function pubsubWithFallback(
  remote: RemoteChannels,
  route: Route,
): { pubsub: PubSub; deliver(channel: string, message: string): void; resubscribe(): Promise<void> } {
  const local = new EventEmitter();
  local.setMaxListeners(0);
  /** Channel → how many subscriptions this instance holds on it. */
  const subscribed = new Map<string, number>();
  const deliver = (channel: string, message: string) => {
    local.emit(channel, message);
  };
  const noop = async () => undefined;

  const pubsub: PubSub = {
    publish: (channel, message) =>
      route(
        () => remote.publish(channel, message),
        async () => deliver(channel, message),
      ),
    async subscribe(channel, onMessage) {
      local.on(channel, onMessage);
      const count = subscribed.get(channel) ?? 0;
      subscribed.set(channel, count + 1);
      // Made while Redis is away, the Redis subscription follows when it returns (resubscribe).
      if (count === 0) await route(() => remote.subscribe([channel]), noop);
      let active = true;
      return async () => {
        if (!active) return;
        active = false;
        local.off(channel, onMessage);
        const left = (subscribed.get(channel) ?? 1) - 1;
        if (left > 0) {
          subscribed.set(channel, left);
          return;
        }
        subscribed.delete(channel);
        await route(() => remote.unsubscribe(channel), noop);
      };
    },
  };
  return {
    pubsub,
    deliver,
    async resubscribe() {
      if (subscribed.size > 0) await remote.subscribe([...subscribed.keys()]);
    },
  };
}
