import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { liveChannel } from '../../companies/hot-lead-notification.ts';
import { createMemoryPubSub } from '../../state/memory.ts';
import { createLiveHub, LIVE_CLOSE, type LiveLimits, type LiveSocket } from './live-hub.ts';

/** A socket that records what the hub does with it; `bufferedAmount` is set by the test. */
class FakeSocket implements LiveSocket {
  bufferedAmount = 0;
  sent: string[] = [];
  pings = 0;
  closedWith: { code: number; reason: string } | undefined;
  terminated = false;
  send(data: string) {
    this.sent.push(data);
  }
  ping() {
    this.pings += 1;
  }
  close(code: number, reason: string) {
    this.closedWith ??= { code, reason };
  }
  terminate() {
    this.terminated = true;
  }
  /** What it received, parsed. */
  messages() {
    return this.sent.map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

const LIMITS: LiveLimits = {
  perSite: 3,
  perUser: 2,
  maxBufferedBytes: 1000,
  slowCloseAfterMs: 5_000,
  heartbeatMs: 1_000,
  accessCheckMs: 60_000,
  closeGraceMs: 1_000,
};
const log = { warn: () => undefined };

function setup(limits: Partial<LiveLimits> = {}) {
  const pubsub = createMemoryPubSub();
  const firstClients: string[] = [];
  let dropped = 0;
  const hub = createLiveHub({
    pubsub,
    limits: { ...LIMITS, ...limits },
    onFirstClient: (siteId) => firstClients.push(siteId),
    onDropped: (count) => (dropped += count),
    log,
  });
  const join = (siteId: string, userKey: string, stillAllowed = async () => true) => {
    const socket = new FakeSocket();
    const client = hub.join({ socket, siteId, userKey, stillAllowed });
    return { socket, client };
  };
  return { pubsub, hub, join, firstClients, dropped: () => dropped };
}

const event = (id: string) => JSON.stringify({ type: 'event', event: { id } });

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('live hub', () => {
  it("sends each line of a site's message to that site's clients only, after telling them they are subscribed", async () => {
    const { pubsub, join, firstClients } = setup();
    const a1 = join('site_a', 'user_1');
    const a2 = join('site_a', 'user_2');
    const b = join('site_b', 'user_3');
    await vi.advanceTimersByTimeAsync(0);
    await pubsub.publish(liveChannel('site_a'), `${event('e1')}\n${event('e2')}`);
    expect(a1.socket.messages()).toEqual([
      { type: 'subscribed', siteId: 'site_a' },
      { type: 'event', event: { id: 'e1' } },
      { type: 'event', event: { id: 'e2' } },
    ]);
    expect(a2.socket.sent).toEqual(a1.socket.sent);
    expect(b.socket.messages()).toEqual([{ type: 'subscribed', siteId: 'site_b' }]);
    expect(firstClients).toEqual(['site_a', 'site_b']);
  });

  it('subscribes to a site once however many clients watch it, and unsubscribes after the last leaves', async () => {
    const { pubsub, hub, join } = setup();
    const subscribe = vi.spyOn(pubsub, 'subscribe');
    const first = join('site_a', 'user_1');
    const second = join('site_a', 'user_2');
    await vi.advanceTimersByTimeAsync(0);
    expect(subscribe).toHaveBeenCalledTimes(1);
    expect(hub.sites()).toEqual(['site_a']);
    hub.leave(first.client!);
    hub.leave(second.client!);
    hub.leave(second.client!);
    await vi.advanceTimersByTimeAsync(0);
    expect(hub.sites()).toEqual([]);
    expect(hub.connections()).toBe(0);
    await pubsub.publish(liveChannel('site_a'), event('late'));
    expect(first.socket.sent.some((line) => line.includes('late'))).toBe(false);
  });

  it.each([
    ['site', () => ['site_a', 'site_a', 'site_a', 'site_a'], LIVE_CLOSE.tooManyForSite],
    ['user', () => ['site_a', 'site_b', 'site_c'], LIVE_CLOSE.tooManyForUser],
  ])('closes a connection over the per-%s limit with 4029 and a reason', (_limit, sites, expected) => {
    const { join } = setup();
    const joined = sites().map((siteId, index) =>
      join(siteId, expected === LIVE_CLOSE.tooManyForUser ? 'user_1' : `user_${index}`),
    );
    const refused = joined.at(-1)!;
    expect(refused.client).toBeUndefined();
    expect(refused.socket.closedWith).toEqual({ code: 4029, reason: expected.reason });
    expect(joined.slice(0, -1).every((entry) => entry.client !== undefined)).toBe(true);
  });

  it('lets a user connect again once a connection of theirs has closed', () => {
    const { hub, join } = setup();
    const first = join('site_a', 'user_1');
    join('site_a', 'user_1');
    expect(join('site_a', 'user_1').client).toBeUndefined();
    hub.leave(first.client!);
    expect(join('site_a', 'user_1').client).toBeDefined();
  });

  it('drops messages for a client whose buffer is full, and tells it how many once it catches up', async () => {
    const { pubsub, join, dropped } = setup();
    const slow = join('site_a', 'user_1');
    const fast = join('site_a', 'user_2');
    await vi.advanceTimersByTimeAsync(0);
    slow.socket.bufferedAmount = 5_000;
    for (const id of ['e1', 'e2', 'e3']) await pubsub.publish(liveChannel('site_a'), event(id));
    slow.socket.bufferedAmount = 0;
    await pubsub.publish(liveChannel('site_a'), event('e4'));
    expect(slow.socket.messages().slice(1)).toEqual([
      { type: 'dropped', count: 3 },
      { type: 'event', event: { id: 'e4' } },
    ]);
    expect(fast.socket.messages()).toHaveLength(5);
    expect(dropped()).toBe(3);
    expect(slow.socket.closedWith).toBeUndefined();
  });

  it('closes a client that stays behind for slowCloseAfterMs with 4008, then cuts it if it does not answer', async () => {
    const { pubsub, hub, join } = setup();
    const slow = join('site_a', 'user_1');
    const pong = setInterval(() => hub.pong(slow.client!), 500);
    await vi.advanceTimersByTimeAsync(0);
    slow.socket.bufferedAmount = 5_000;
    await pubsub.publish(liveChannel('site_a'), event('e1'));
    await vi.advanceTimersByTimeAsync(LIMITS.slowCloseAfterMs - 1_000);
    expect(slow.socket.closedWith).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(slow.socket.closedWith).toEqual(LIVE_CLOSE.slowConsumer);
    await pubsub.publish(liveChannel('site_a'), event('e2'));
    expect(slow.socket.sent.some((line) => line.includes('e2'))).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(slow.socket.terminated).toBe(true);
    hub.leave(slow.client!);
    expect(hub.connections()).toBe(0);
    clearInterval(pong);
  });

  it('pings every heartbeat and cuts a client that did not answer the previous ping', async () => {
    const { hub, join } = setup();
    const answering = join('site_a', 'user_1');
    const silent = join('site_a', 'user_2');
    await vi.advanceTimersByTimeAsync(LIMITS.heartbeatMs);
    expect([answering.socket.pings, silent.socket.pings]).toEqual([1, 1]);
    hub.pong(answering.client!);
    await vi.advanceTimersByTimeAsync(LIMITS.heartbeatMs);
    expect(silent.socket.terminated).toBe(true);
    expect(answering.socket.terminated).toBe(false);
    expect(answering.socket.pings).toBe(2);
  });

  it('checks access again every accessCheckMs and closes with 4003 when it has ended', async () => {
    let allowed = true;
    const { hub, join } = setup({ accessCheckMs: 3_000 });
    const watched = join('site_a', 'user_1', async () => allowed);
    const pong = setInterval(() => hub.pong(watched.client!), 500);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(watched.socket.closedWith).toBeUndefined();
    allowed = false;
    await vi.advanceTimersByTimeAsync(3_000);
    expect(watched.socket.closedWith).toEqual(LIVE_CLOSE.accessEnded);
    clearInterval(pong);
  });

  it('keeps a connection when the access check fails (database away) rather than answers no', async () => {
    const { hub, join } = setup({ accessCheckMs: 1_000 });
    const watched = join('site_a', 'user_1', async () => {
      throw new Error('database away');
    });
    const pong = setInterval(() => hub.pong(watched.client!), 500);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(watched.socket.closedWith).toBeUndefined();
    clearInterval(pong);
  });

  it('closes every client with 1001 on close, cuts those that do not answer, and refuses new ones', async () => {
    const { hub, join } = setup();
    const answering = join('site_a', 'user_1');
    const silent = join('site_b', 'user_2');
    answering.socket.close = (code, reason) => {
      answering.socket.closedWith = { code, reason };
      hub.leave(answering.client!);
    };
    const closing = hub.close();
    await vi.advanceTimersByTimeAsync(2_000);
    await closing;
    expect(answering.socket.closedWith).toEqual(LIVE_CLOSE.shuttingDown);
    expect(answering.socket.terminated).toBe(false);
    expect(silent.socket.closedWith).toEqual(LIVE_CLOSE.shuttingDown);
    expect(silent.socket.terminated).toBe(true);
    expect(join('site_a', 'user_3').socket.closedWith).toEqual(LIVE_CLOSE.shuttingDown);
  });
});
