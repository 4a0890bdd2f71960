import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTcpProxy, targetOf, throughProxy, type TcpProxy } from '../../test/fakes/tcp-proxy.ts';
import { createRedisState, REDIS_CALL_TIMEOUT_MS } from './redis.ts';

/**
 * The Redis state against the run's real Redis, seen through a proxy the tests cut and freeze:
 * the shared server itself is never touched.
 */
const redisUrl = inject('redisUrl');

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

describe.skipIf(redisUrl === undefined)('Redis state while Redis is away', () => {
  let proxy: TcpProxy;
  let direct: Redis;
  const made: Array<{ close(): Promise<void> }> = [];
  beforeAll(async () => {
    proxy = await startTcpProxy(targetOf(redisUrl!));
    direct = new Redis(redisUrl!);
  });
  afterEach(async () => {
    proxy.restore();
    await Promise.all(made.splice(0).map((state) => state.close()));
  });
  afterAll(async () => {
    direct.disconnect();
    await proxy.close();
  });

  function stateThroughProxy() {
    const prefix = `test:${randomBytes(6).toString('hex')}:`;
    const logs: string[] = [];
    const state = createRedisState({
      url: throughProxy(redisUrl!, proxy),
      prefix,
      log: {
        info: (message) => logs.push(`info: ${message}`),
        warn: (message) => logs.push(`warn: ${message}`),
      },
    });
    made.push(state);
    return { state, prefix, logs };
  }

  it('serves every part in-process at once while Redis is cut, and goes back to Redis by itself', async () => {
    const { state, prefix, logs } = stateThroughProxy();
    expect((await state.rateLimits.hit('ip:1', 60_000)).count).toBe(1);
    await state.cache.set('kept', 'in redis', 60_000);
    proxy.cut();

    const hit = await timed(() => state.rateLimits.hit('ip:1', 60_000));
    expect(hit.value.count).toBe(1);
    expect(hit.ms).toBeLessThan(REDIS_CALL_TIMEOUT_MS + 1_000);
    expect((await state.rateLimits.hit('ip:1', 60_000)).count).toBe(2);
    await state.cache.set('during', 'outage', 60_000);
    await expect(state.cache.get('during')).resolves.toBe('outage');
    const received: string[] = [];
    await state.pubsub.subscribe('sites', (message) => received.push(message));
    await state.pubsub.publish('sites', 'changed while away');
    expect(received).toEqual(['changed while away']);
    await expect(state.ping()).resolves.toBe(false);
    expect(state.degraded()).toBe(true);

    proxy.restore();
    await expect.poll(() => state.ping(), { timeout: 10_000 }).toBe(true);
    expect(state.degraded()).toBe(false);
    // Counting goes on in Redis from what it held before the outage.
    expect((await state.rateLimits.hit('ip:1', 60_000)).count).toBe(2);
    expect(await direct.get(`${prefix}rl:ip:1`)).toBe('2');
    await expect(state.cache.get('kept')).resolves.toBe('in redis');
    expect(logs).toEqual([
      expect.stringMatching(/^warn: Redis \(REDIS_URL\) is unreachable/),
      expect.stringMatching(/^info: Redis answers again after/),
    ]);
  });

  it('makes at most the first call of an outage wait, and no longer than the call bound, when Redis freezes', async () => {
    const { state } = stateThroughProxy();
    await state.cache.set('a', '1', 60_000);
    proxy.freeze();
    const first = await timed(() => state.rateLimits.hit('ip:2', 60_000));
    expect(first.value.count).toBe(1);
    expect(first.ms).toBeLessThan(REDIS_CALL_TIMEOUT_MS + 1_000);
    const later = await timed(() => state.cache.get('a'));
    expect(later.ms).toBeLessThan(100);
    proxy.restore();
    await expect.poll(() => state.ping(), { timeout: 10_000 }).toBe(true);
    await expect(state.cache.get('a')).resolves.toBe('1');
  });

  it('subscribes again once Redis is back, subscriptions made meanwhile included', async () => {
    const { state, prefix } = stateThroughProxy();
    const received: string[] = [];
    await state.pubsub.subscribe('before', (message) => received.push(`before:${message}`));
    proxy.cut();
    await expect.poll(() => state.degraded()).toBe(true);
    await state.pubsub.subscribe('during', (message) => received.push(`during:${message}`));
    proxy.restore();
    await expect.poll(() => state.ping(), { timeout: 10_000 }).toBe(true);
    // Another instance, on Redis directly.
    await direct.publish(`${prefix}ps:before`, 'one');
    await direct.publish(`${prefix}ps:during`, 'two');
    await expect.poll(() => received).toEqual(['before:one', 'during:two']);
  });

  it('starts without Redis after the start-up wait, and takes it up when it comes', async () => {
    proxy.cut();
    const { state, logs } = stateThroughProxy();
    const first = await timed(() => state.rateLimits.hit('ip:3', 60_000));
    expect(first.value.count).toBe(1);
    expect(first.ms).toBeLessThan(5_000);
    expect(state.degraded()).toBe(true);
    proxy.restore();
    await expect.poll(() => state.ping(), { timeout: 10_000 }).toBe(true);
    expect(logs).toHaveLength(2);
  });
});
