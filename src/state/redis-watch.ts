import type { Availability } from './fallback.ts';

export interface StateLog {
  info(message: string): void;
  warn(message: string): void;
}

/** The part of an ioredis connection the watch needs. */
export interface WatchedConnection {
  readonly status: string;
  on(event: 'ready' | 'close', listener: () => void): unknown;
}

export interface RedisWatchOptions {
  connections: WatchedConnection[];
  /** Resolves when Redis answers on every connection; rejects otherwise (each call bounded). */
  probe(): Promise<void>;
  /** Runs once Redis answers again, before calls go back to it (pub/sub re-subscribes here). */
  onRecovery(): Promise<void>;
  log?: StateLog;
  /** How long calls made at start-up wait for the first connection. */
  startupWaitMs?: number;
  /** While Redis is away: how often it is probed. */
  probeIntervalMs?: number;
  /** While Redis is up: how often it is probed, so a connection that fell silent is noticed. */
  heartbeatMs?: number;
  now?: () => number;
}

export type RedisWatch = Availability & {
  /** True while Redis is unreachable and the in-process fallback serves. */
  degraded(): boolean;
  close(): void;
};

/**
 * Decides whether shared state goes to Redis. Up once every connection is ready and answers a
 * probe; down on a failed call, a closed connection or a failed heartbeat, and then probed every
 * second until it answers. Logs each transition once (warn when lost, info when back), never per call.
 */
export function watchRedis(options: RedisWatchOptions): RedisWatch {
  const log = options.log ?? { info: () => undefined, warn: () => undefined };
  const now = options.now ?? Date.now;
  const probeIntervalMs = options.probeIntervalMs ?? 1_000;
  const heartbeatMs = options.heartbeatMs ?? 5_000;
  let state: 'starting' | 'up' | 'down' = 'starting';
  let downSince = 0;
  let checking = false;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let endStarting!: () => void;
  const settled = new Promise<void>((resolve) => (endStarting = resolve));

  const startupTimer = setTimeout(() => {
    if (state === 'starting') goDown(new Error(`no connection within ${options.startupWaitMs ?? 2_000} ms`));
  }, options.startupWaitMs ?? 2_000);
  startupTimer.unref();

  function schedule(ms: number) {
    clearTimeout(timer);
    if (closed) return;
    timer = setTimeout(async () => {
      await check();
      schedule(state === 'up' ? heartbeatMs : probeIntervalMs);
    }, ms);
    timer.unref();
  }

  function goDown(reason: unknown) {
    if (closed || state === 'down') return;
    state = 'down';
    downSince = now();
    endStarting();
    log.warn(
      `Redis (REDIS_URL) is unreachable (${(reason as Error)?.message ?? String(reason)}): ` +
        'cache, rate limits and pub/sub run in-process until it answers again',
    );
    schedule(probeIntervalMs);
  }

  function goUp() {
    const wasDown = state === 'down';
    state = 'up';
    clearTimeout(startupTimer);
    endStarting();
    if (wasDown) {
      const seconds = Math.round((now() - downSince) / 100) / 10;
      log.info(`Redis answers again after ${seconds} s: cache, rate limits and pub/sub are shared again`);
    }
    schedule(heartbeatMs);
  }

  async function check() {
    if (checking || closed) return;
    checking = true;
    try {
      if (!options.connections.every((connection) => connection.status === 'ready')) {
        throw new Error('not connected');
      }
      await options.probe();
      if (state !== 'up') {
        await options.onRecovery();
        if (!closed) goUp();
      }
    } catch (error) {
      if (state === 'up') goDown(error);
    } finally {
      checking = false;
    }
  }

  for (const connection of options.connections) {
    // Becoming ready is the moment to try: start-up and recovery need not wait for the next probe.
    connection.on('ready', () => {
      if (state !== 'up') void check();
    });
    connection.on('close', () => {
      if (state === 'up') goDown(new Error('connection closed'));
    });
  }
  schedule(probeIntervalMs);

  return {
    starting: () => state === 'starting',
    settled,
    usable: () => state === 'up',
    degraded: () => state === 'down',
    lost(error) {
      if (state === 'up') goDown(error);
    },
    close() {
      closed = true;
      clearTimeout(timer);
      clearTimeout(startupTimer);
      endStarting();
    },
  };
}
