import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryPubSub } from '../../state/memory.ts';
import type { PubSub } from '../../state/interface.ts';
import { createListenedSites, LISTENERS_CHANNEL } from './listened-sites.ts';

const log = { warn: () => undefined };
const OPTIONS = { announceEveryMs: 20_000, listenedForMs: 60_000, log };

/** Two instances on one pub/sub, as two Beacons on one Redis. */
async function twoInstances(pubsub: PubSub = createMemoryPubSub()) {
  const ownA: string[] = [];
  const ownB: string[] = [];
  const a = await createListenedSites({ ...OPTIONS, pubsub, ownSites: () => ownA });
  const b = await createListenedSites({ ...OPTIONS, pubsub, ownSites: () => ownB });
  return { a, b, ownA, ownB, pubsub };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('listened sites', () => {
  it('knows no site until one is announced, then on every instance', async () => {
    const { a, b, ownA } = await twoInstances();
    expect([a.none(), b.none(), b.has('site_1')]).toEqual([true, true, false]);
    ownA.push('site_1');
    a.announce(['site_1']);
    expect([a.has('site_1'), b.has('site_1'), b.has('site_2'), b.none()]).toEqual([true, true, false, false]);
  });

  it('keeps a site while its instance announces it again, and forgets it after listenedForMs without', async () => {
    const { a, b, ownA } = await twoInstances();
    ownA.push('site_1');
    a.announce(['site_1']);
    await vi.advanceTimersByTimeAsync(100_000);
    expect(b.has('site_1')).toBe(true);
    ownA.length = 0;
    await vi.advanceTimersByTimeAsync(59_000);
    expect(b.has('site_1')).toBe(true);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(b.has('site_1')).toBe(false);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(b.none()).toBe(true);
  });

  it('hears at once, when it starts, of the sites other instances have clients for', async () => {
    const pubsub = createMemoryPubSub();
    const running = await createListenedSites({ ...OPTIONS, pubsub, ownSites: () => ['site_1'] });
    const started = await createListenedSites({ ...OPTIONS, pubsub, ownSites: () => [] });
    expect(started.has('site_1')).toBe(true);
    await running.close();
    await started.close();
  });

  it('stops listening on close', async () => {
    const { a, b } = await twoInstances();
    await b.close();
    a.announce(['site_1']);
    expect(b.has('site_1')).toBe(false);
  });

  describe('robustness', () => {
    it.each(['not json', 'null', '42', '{"sites":"site_1"}', '{"sites":[1,2]}', '{"ask":"yes"}', '[]'])(
      'ignores a stray message on its channel: %s',
      async (message) => {
        const { a, pubsub } = await twoInstances();
        await pubsub.publish(LISTENERS_CHANNEL, message);
        expect(a.none()).toBe(true);
      },
    );
  });
});
