import { describe, expect, it } from 'vitest';
import {
  cacheWithFallback,
  pubsubWithFallback,
  rateLimitsWithFallback,
  routeBy,
  type Availability,
  type RemoteChannels,
} from './fallback.ts';
import type { Cache, RateLimitStore } from './interface.ts';
import { createMemoryCache, createMemoryRateLimitStore } from './memory.ts';

/** Availability as the watch would report it, set by hand; records what calls reported as lost. */
function availability(initial: 'starting' | 'up' | 'down') {
  let state = initial;
  let endStarting!: () => void;
  const settled = new Promise<void>((resolve) => (endStarting = resolve));
  const lost: unknown[] = [];
  const value: Availability = {
    starting: () => state === 'starting',
    settled,
    usable: () => state === 'up',
    lost(error) {
      lost.push(error);
      state = 'down';
    },
  };
  return {
    value,
    lost,
    set(next: 'up' | 'down') {
      state = next;
      endStarting();
    },
  };
}

/** An in-memory stand-in for Redis that can be made to fail, as an unreachable server would. */
function remote<T extends object>(store: T) {
  let failing = false;
  const proxy = new Proxy(store, {
    get(target, property) {
      const original = Reflect.get(target, property) as (...args: unknown[]) => Promise<unknown>;
      return async (...args: unknown[]) => {
        if (failing) throw new Error('Redis is gone');
        return original.apply(target, args);
      };
    },
  });
  return { store: proxy, fail: (value: boolean) => (failing = value) };
}

describe('routeBy', () => {
  it.each([
    ['up', 'redis', 0],
    ['down', 'local', 0],
  ] as const)('while Redis is %s, a call goes to %s', async (state, expected, lostCalls) => {
    const watch = availability(state);
    const route = routeBy(watch.value);
    await expect(
      route(
        async () => 'redis',
        async () => 'local',
      ),
    ).resolves.toBe(expected);
    expect(watch.lost).toHaveLength(lostCalls);
  });

  it('serves a call that fails on Redis in-process, and reports Redis lost once', async () => {
    const watch = availability('up');
    const route = routeBy(watch.value);
    const failure = new Error('Command timed out');
    const calls: string[] = [];
    const first = await route(
      async () => {
        calls.push('redis');
        throw failure;
      },
      async () => 'local',
    );
    const second = await route(
      async () => {
        calls.push('redis');
        return 'redis';
      },
      async () => 'local',
    );
    expect([first, second]).toEqual(['local', 'local']);
    expect(calls).toEqual(['redis']);
    expect(watch.lost).toEqual([failure]);
  });

  it('lets calls made while starting wait for the first connection', async () => {
    const watch = availability('starting');
    const route = routeBy(watch.value);
    const answer = route(
      async () => 'redis',
      async () => 'local',
    );
    watch.set('up');
    await expect(answer).resolves.toBe('redis');
  });
});

describe('cache with fallback', () => {
  it('reads and writes Redis while it is up, and its own entries while it is away', async () => {
    const watch = availability('up');
    const redis = remote<Cache>(createMemoryCache());
    const cache = cacheWithFallback(redis.store, createMemoryCache(), routeBy(watch.value));
    await cache.set('shared', 'from redis', 60_000);
    redis.fail(true);
    await expect(cache.get('shared')).resolves.toBeUndefined();
    await cache.set('during', 'outage', 60_000);
    await expect(cache.get('during')).resolves.toBe('outage');
    await cache.delete('during');
    await expect(cache.get('during')).resolves.toBeUndefined();
    redis.fail(false);
    watch.set('up');
    await expect(cache.get('shared')).resolves.toBe('from redis');
  });
});

describe('rate limits with fallback', () => {
  it('keeps counting in-process while Redis is away, and in Redis again once it is back', async () => {
    const watch = availability('up');
    const shared = createMemoryRateLimitStore();
    const redis = remote<RateLimitStore>(shared);
    const limits = rateLimitsWithFallback(redis.store, createMemoryRateLimitStore(), routeBy(watch.value));
    expect((await limits.hit('ip', 60_000)).count).toBe(1);
    redis.fail(true);
    const during = [];
    for (let index = 0; index < 3; index++) during.push((await limits.hit('ip', 60_000)).count);
    expect(during).toEqual([1, 2, 3]);
    redis.fail(false);
    watch.set('up');
    expect((await limits.hit('ip', 60_000)).count).toBe(2);
    expect((await shared.hit('ip', 60_000)).count).toBe(3);
  });

  it('charges the cost a hit names, in Redis and in-process alike', async () => {
    const watch = availability('up');
    const shared = createMemoryRateLimitStore();
    const redis = remote<RateLimitStore>(shared);
    const limits = rateLimitsWithFallback(redis.store, createMemoryRateLimitStore(), routeBy(watch.value));
    expect((await limits.hit('batch', 60_000, 500)).count).toBe(500);
    redis.fail(true);
    expect((await limits.hit('batch', 60_000, 7)).count).toBe(7);
  });
});

describe('pub/sub with fallback', () => {
  /** Redis's side as a list of what reached it, delivering published messages back like Redis does. */
  function channels() {
    const subscriptions = new Set<string>();
    const published: Array<[string, string]> = [];
    let deliver: (channel: string, message: string) => void = () => undefined;
    let failing = false;
    const check = () => {
      if (failing) throw new Error('Redis is gone');
    };
    const remoteChannels: RemoteChannels = {
      async publish(channel, message) {
        check();
        published.push([channel, message]);
        if (subscriptions.has(channel)) deliver(channel, message);
      },
      async subscribe(names) {
        check();
        for (const name of names) subscriptions.add(name);
      },
      async unsubscribe(channel) {
        check();
        subscriptions.delete(channel);
      },
    };
    return {
      remoteChannels,
      subscriptions,
      published,
      connect: (to: (channel: string, message: string) => void) => (deliver = to),
      fail: (value: boolean) => (failing = value),
      /** Redis restarted: it forgot every subscription. */
      restart: () => subscriptions.clear(),
    };
  }

  it('delivers through Redis while it is up, and in-process, to this instance only, while it is away', async () => {
    const watch = availability('up');
    const redis = channels();
    const { pubsub, deliver } = pubsubWithFallback(redis.remoteChannels, routeBy(watch.value));
    redis.connect(deliver);
    const received: string[] = [];
    await pubsub.subscribe('sites', (message) => received.push(message));
    await pubsub.publish('sites', 'one');
    redis.fail(true);
    await pubsub.publish('sites', 'two');
    await pubsub.publish('other', 'not ours');
    expect(received).toEqual(['one', 'two']);
    expect(redis.published).toEqual([['sites', 'one']]);
  });

  it('subscribes again on recovery, subscriptions made while Redis was away included', async () => {
    const watch = availability('up');
    const redis = channels();
    const { pubsub, deliver, resubscribe } = pubsubWithFallback(redis.remoteChannels, routeBy(watch.value));
    redis.connect(deliver);
    const received: string[] = [];
    await pubsub.subscribe('before', (message) => received.push(`before:${message}`));
    redis.fail(true);
    redis.restart();
    await pubsub.publish('before', 'lost to Redis, not to us');
    await pubsub.subscribe('during', (message) => received.push(`during:${message}`));
    redis.fail(false);
    await resubscribe();
    watch.set('up');
    expect([...redis.subscriptions].sort()).toEqual(['before', 'during']);
    await pubsub.publish('before', 'again');
    await pubsub.publish('during', 'hello');
    expect(received).toEqual(['before:lost to Redis, not to us', 'before:again', 'during:hello']);
  });

  it('unsubscribes a channel from Redis when its last subscriber leaves, once however often it is called', async () => {
    const watch = availability('up');
    const redis = channels();
    const { pubsub, deliver } = pubsubWithFallback(redis.remoteChannels, routeBy(watch.value));
    redis.connect(deliver);
    const received: string[] = [];
    const first = await pubsub.subscribe('sites', (message) => received.push(`first:${message}`));
    const second = await pubsub.subscribe('sites', (message) => received.push(`second:${message}`));
    await first();
    await first();
    expect(redis.subscriptions.has('sites')).toBe(true);
    await pubsub.publish('sites', 'one');
    await second();
    expect(redis.subscriptions.has('sites')).toBe(false);
    await pubsub.publish('sites', 'two');
    expect(received).toEqual(['second:one']);
  });
});
