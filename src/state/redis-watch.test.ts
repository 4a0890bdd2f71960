import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { watchRedis, type RedisWatch, type WatchedConnection } from './redis-watch.ts';

/** A connection as ioredis reports it: a status and the events the watch listens to. */
class FakeConnection extends EventEmitter implements WatchedConnection {
  status = 'connecting';
  become(status: 'ready' | 'reconnecting') {
    this.status = status;
    this.emit(status === 'ready' ? 'ready' : 'close');
  }
}

function setUp() {
  const connections = [new FakeConnection(), new FakeConnection()];
  const logs: string[] = [];
  let answers = true;
  const probes = { count: 0 };
  const recoveries = { count: 0 };
  const watch = watchRedis({
    connections,
    probe: async () => {
      probes.count += 1;
      if (!answers) throw new Error('Command timed out');
    },
    onRecovery: async () => {
      recoveries.count += 1;
    },
    log: {
      info: (message) => logs.push(`info: ${message}`),
      warn: (message) => logs.push(`warn: ${message}`),
    },
    startupWaitMs: 2_000,
    probeIntervalMs: 1_000,
    heartbeatMs: 5_000,
  });
  return {
    watch,
    logs,
    probes,
    recoveries,
    connect: () => connections.forEach((connection) => connection.become('ready')),
    drop: () => connections[0]!.become('reconnecting'),
    answer: (value: boolean) => (answers = value),
  };
}

const stateOf = (watch: RedisWatch) =>
  watch.starting() ? 'starting' : watch.usable() ? 'up' : watch.degraded() ? 'down' : 'unknown';

describe('watchRedis', () => {
  let current: ReturnType<typeof setUp> | undefined;
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    current?.watch.close();
    vi.useRealTimers();
  });

  it('comes up once every connection is ready and answers, quietly', async () => {
    current = setUp();
    const { watch, logs, recoveries, connect } = current;
    expect(stateOf(watch)).toBe('starting');
    connect();
    await vi.advanceTimersByTimeAsync(0);
    expect(stateOf(watch)).toBe('up');
    await expect(watch.settled).resolves.toBeUndefined();
    expect(recoveries.count).toBe(1);
    expect(logs).toEqual([]);
  });

  it('stops making start-up calls wait after the start-up bound, says so once, and comes up when Redis answers', async () => {
    current = setUp();
    const { watch, logs, recoveries, connect } = current;
    await vi.advanceTimersByTimeAsync(1_999);
    expect(stateOf(watch)).toBe('starting');
    await vi.advanceTimersByTimeAsync(1);
    expect(stateOf(watch)).toBe('down');
    await expect(watch.settled).resolves.toBeUndefined();
    await vi.advanceTimersByTimeAsync(10_000);
    connect();
    await vi.advanceTimersByTimeAsync(0);
    expect(stateOf(watch)).toBe('up');
    expect(recoveries.count).toBe(1);
    expect(logs).toEqual([
      expect.stringMatching(/^warn: Redis \(REDIS_URL\) is unreachable \(no connection within 2000 ms\)/),
      expect.stringMatching(/^info: Redis answers again after 10 s/),
    ]);
  });

  it('goes down once however many calls fail, probes every second, and logs the way back once', async () => {
    current = setUp();
    const { watch, logs, probes, recoveries, connect, answer } = current;
    connect();
    await vi.advanceTimersByTimeAsync(0);
    answer(false);
    for (let index = 0; index < 5; index++) watch.lost(new Error('Command timed out'));
    expect(stateOf(watch)).toBe('down');
    const probesBefore = probes.count;
    await vi.advanceTimersByTimeAsync(3_000);
    expect(probes.count - probesBefore).toBe(3);
    expect(stateOf(watch)).toBe('down');
    answer(true);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(stateOf(watch)).toBe('up');
    expect(recoveries.count).toBe(2);
    expect(logs).toEqual([
      expect.stringMatching(/^warn: .*\(Command timed out\): cache, rate limits and pub\/sub run in-process/),
      expect.stringMatching(/^info: Redis answers again after 4 s/),
    ]);
  });

  it('goes down when a connection closes, and comes up when it is ready again', async () => {
    current = setUp();
    const { watch, connect, drop } = current;
    connect();
    await vi.advanceTimersByTimeAsync(0);
    drop();
    expect(stateOf(watch)).toBe('down');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(stateOf(watch)).toBe('down');
    connect();
    await vi.advanceTimersByTimeAsync(0);
    expect(stateOf(watch)).toBe('up');
  });

  it('notices a Redis that fell silent between calls at the next heartbeat', async () => {
    current = setUp();
    const { watch, connect, answer } = current;
    connect();
    await vi.advanceTimersByTimeAsync(0);
    answer(false);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(stateOf(watch)).toBe('up');
    await vi.advanceTimersByTimeAsync(1);
    expect(stateOf(watch)).toBe('down');
  });

  it('after close, neither probes nor logs', async () => {
    current = setUp();
    const { watch, logs, probes, connect } = current;
    connect();
    await vi.advanceTimersByTimeAsync(0);
    watch.close();
    const probesBefore = probes.count;
    watch.lost(new Error('connection closed'));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(probes.count).toBe(probesBefore);
    expect(logs).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
