import { afterAll, describe, expect, inject, it } from 'vitest';
import { stateBackends } from '../../test/helpers.ts';
import type { SharedState } from './interface.ts';
import { createMemoryRateLimitStore } from './memory.ts';

const backends = stateBackends();

it('runs the shared-state contract on every backend this run has', () => {
  console.log(`[state.test] backends: ${backends.map((b) => b.name).join(', ')} (${inject('backends')})`);
  expect(backends.map((b) => b.name)).toContain('in-process');
});

describe.each(backends)('shared state contract on $name', ({ create }) => {
  const state: SharedState = create();
  afterAll(() => state.close());

  it('answers ping, and is not degraded while its store answers', async () => {
    await expect(state.ping()).resolves.toBe(true);
    expect(state.degraded()).toBe(false);
  });

  it('stores, reads and deletes cache entries', async () => {
    await state.cache.set('a', 'one', 60_000);
    await expect(state.cache.get('a')).resolves.toBe('one');
    await state.cache.delete('a');
    await expect(state.cache.get('a')).resolves.toBeUndefined();
  });

  it('expires cache entries after their TTL', async () => {
    await state.cache.set('short', 'x', 40);
    await new Promise((resolve) => setTimeout(resolve, 120));
    await expect(state.cache.get('short')).resolves.toBeUndefined();
  });

  it('counts rate-limit hits within a window and starts over after reset', async () => {
    const first = await state.rateLimits.hit('ip:1', 60_000);
    const second = await state.rateLimits.hit('ip:1', 60_000);
    expect([first.count, second.count]).toEqual([1, 2]);
    expect(second.resetInMs).toBeGreaterThan(0);
    expect(second.resetInMs).toBeLessThanOrEqual(60_000);
    await state.rateLimits.reset('ip:1');
    expect((await state.rateLimits.hit('ip:1', 60_000)).count).toBe(1);
  });

  it('keeps rate-limit keys apart', async () => {
    await state.rateLimits.hit('k:a', 60_000);
    expect((await state.rateLimits.hit('k:b', 60_000)).count).toBe(1);
  });

  it('delivers published messages to subscribers until they unsubscribe', async () => {
    const received: string[] = [];
    const unsubscribe = await state.pubsub.subscribe('site_1', (message) => received.push(message));
    await state.pubsub.publish('site_1', 'hello');
    await state.pubsub.publish('site_2', 'not for us');
    await expect.poll(() => received).toEqual(['hello']);
    await unsubscribe();
    await state.pubsub.publish('site_1', 'after');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received).toEqual(['hello']);
  });
});

describe('in-process rate-limit store', () => {
  it('opens a new window once the old one has passed', async () => {
    let now = 1_000;
    const store = createMemoryRateLimitStore(() => now);
    await store.hit('k', 100);
    await store.hit('k', 100);
    now += 100;
    expect(await store.hit('k', 100)).toEqual({ count: 1, resetInMs: 100 });
  });
});
