import { liveChannel } from '../../companies/hot-lead-notification.ts';
import type { PubSub, Unsubscribe } from '../../state/interface.ts';
import { liveNotice } from './live-message.ts';

/** What the hub needs of a WebSocket; `ws`'s WebSocket is one. */
export interface LiveSocket {
  /** Bytes queued for the client and not yet handed to the network. */
  readonly bufferedAmount: number;
  send(data: string): void;
  ping(): void;
  close(code: number, reason: string): void;
  terminate(): void;
}

export interface LiveLimits {
  /** Open live connections per site on one instance. */
  perSite: number;
  /** Open live connections per user (or API key) on one instance. */
  perUser: number;
  /** Bytes a client may have waiting; messages beyond are dropped for it. */
  maxBufferedBytes: number;
  /** A client that has had messages dropped for this long without catching up is closed. */
  slowCloseAfterMs: number;
  /** Pings go out this often; a client that has not answered the previous one is dropped. */
  heartbeatMs: number;
  /** How often a connection's access to its site is checked again (user removed, site deleted). */
  accessCheckMs: number;
  /** How long a closed client gets to answer the close frame before its connection is cut. */
  closeGraceMs: number;
}

export const DEFAULT_LIVE_LIMITS: LiveLimits = {
  perSite: 20,
  perUser: 20,
  maxBufferedBytes: 1024 * 1024,
  slowCloseAfterMs: 10_000,
  heartbeatMs: 30_000,
  accessCheckMs: 5 * 60_000,
  closeGraceMs: 1_000,
};

/** Close codes and reasons a live client can act on (reasons stay under the 123 bytes a close frame holds). */
export const LIVE_CLOSE = {
  shuttingDown: { code: 1001, reason: 'Beacon is shutting down; reconnect' },
  unavailable: { code: 1011, reason: 'the live feed is unavailable; reconnect later' },
  accessEnded: { code: 4003, reason: 'access to this site has ended' },
  slowConsumer: { code: 4008, reason: 'closed: the client read too slowly and messages were dropped' },
  tooManyForSite: { code: 4029, reason: 'too many live connections for this site' },
  tooManyForUser: { code: 4029, reason: 'too many live connections for this user' },
} as const;
export type LiveClose = (typeof LIVE_CLOSE)[keyof typeof LIVE_CLOSE];

export interface LiveClient {
  readonly siteId: string;
}

interface Client extends LiveClient {
  socket: LiveSocket;
  userKey: string;
  stillAllowed: () => Promise<boolean>;
  /** Answered the last ping. */
  alive: boolean;
  /** Messages dropped since the client last caught up. */
  dropped: number;
  /** When messages first had to be dropped; undefined while it keeps up. */
  slowSince: number | undefined;
  accessCheckedAt: number;
  /** Closed by the hub: it gets no more messages. */
  closing: boolean;
}

export interface LiveHub {
  /**
   * Adds a connected client for the site and subscribes this instance to the site's channel if it
   * is the first; sends `{"type":"subscribed"}` once messages flow. Over a limit the socket is
   * closed with 4029 and undefined returned. Synchronous, so the caller can attach its close
   * listener (which calls leave()) before the socket can close.
   */
  join(input: {
    socket: LiveSocket;
    siteId: string;
    userKey: string;
    stillAllowed: () => Promise<boolean>;
  }): LiveClient | undefined;
  /** The client's socket is closed: forget it. Safe to call twice. */
  leave(client: LiveClient): void;
  /** The client answered a ping. */
  pong(client: LiveClient): void;
  /** Sites this instance has clients for. */
  sites(): string[];
  connections(): number;
  /** Closes every socket (1001), cutting those that do not answer within closeGraceMs, and unsubscribes. */
  close(): Promise<void>;
}

/**
 * The live clients of one instance. Each site's channel is subscribed to once, however many
 * clients watch it; a message on it (one JSON message per line) goes to each of them. A client
 * that reads too slowly never makes the server hold more than about maxBufferedBytes for it:
 * messages beyond are dropped for that client alone, it is told how many once it catches up, and
 * it is closed if it stays behind for slowCloseAfterMs.
 */
export function createLiveHub(options: {
  pubsub: PubSub;
  limits?: Partial<LiveLimits>;
  /** Called when the instance gets its first client for a site (to announce it). */
  onFirstClient?: (siteId: string) => void;
  /** Called with the number of messages dropped for slow clients. */
  onDropped?: (count: number) => void;
  log: { warn(object: object, message: string): void };
  now?: () => number;
}): LiveHub {
  const limits = { ...DEFAULT_LIVE_LIMITS, ...options.limits };
  const now = options.now ?? Date.now;
  /** Clients that have not left yet, closing ones included. */
  const open = new Set<Client>();
  /** Clients that receive messages, by site. */
  const bySite = new Map<string, Set<Client>>();
  const subscriptions = new Map<string, Promise<Unsubscribe>>();
  const perUser = new Map<string, number>();
  let closed = false;

  function closeClient(client: Client, why: LiveClose) {
    if (client.closing) return;
    stopDelivering(client);
    try {
      client.socket.close(why.code, why.reason);
    } catch {
      // A socket that cannot take the close frame is cut below all the same.
    }
    setTimeout(() => {
      if (open.has(client)) client.socket.terminate();
    }, limits.closeGraceMs).unref();
  }

  function stopDelivering(client: Client) {
    if (client.closing) return;
    client.closing = true;
    const users = (perUser.get(client.userKey) ?? 1) - 1;
    if (users > 0) perUser.set(client.userKey, users);
    else perUser.delete(client.userKey);
    const clients = bySite.get(client.siteId);
    clients?.delete(client);
    if (clients?.size === 0) {
      bySite.delete(client.siteId);
      const subscription = subscriptions.get(client.siteId);
      subscriptions.delete(client.siteId);
      void subscription?.then((unsubscribe) => unsubscribe()).catch(() => undefined);
    }
  }

  function send(client: Client, lines: readonly string[]) {
    for (const line of lines) {
      if (client.socket.bufferedAmount > limits.maxBufferedBytes) {
        client.dropped += 1;
        client.slowSince ??= now();
        options.onDropped?.(1);
        continue;
      }
      if (client.dropped > 0) {
        client.socket.send(liveNotice({ type: 'dropped', count: client.dropped }));
        client.dropped = 0;
      }
      client.slowSince = undefined;
      client.socket.send(line);
    }
    if (client.slowSince !== undefined && now() - client.slowSince >= limits.slowCloseAfterMs) {
      closeClient(client, LIVE_CLOSE.slowConsumer);
    }
  }

  function deliver(siteId: string, message: string) {
    const clients = bySite.get(siteId);
    if (clients === undefined) return;
    const lines = message.includes('\n') ? message.split('\n') : [message];
    for (const client of clients) send(client, lines);
  }

  function heartbeat() {
    const time = now();
    for (const client of open) {
      if (client.closing) continue;
      // First, as a client too slow to read its messages has not read the last ping either.
      if (client.slowSince !== undefined && time - client.slowSince >= limits.slowCloseAfterMs) {
        closeClient(client, LIVE_CLOSE.slowConsumer);
        continue;
      }
      if (!client.alive) {
        // No pong since the last ping: the peer is gone without a close (a dead network, a sleeping laptop).
        stopDelivering(client);
        client.socket.terminate();
        continue;
      }
      client.alive = false;
      client.socket.ping();
      if (time - client.accessCheckedAt >= limits.accessCheckMs) {
        client.accessCheckedAt = time;
        client.stillAllowed().then(
          (allowed) => {
            if (!allowed) closeClient(client, LIVE_CLOSE.accessEnded);
          },
          (error: unknown) =>
            // The database may be away for a moment; the next check decides.
            options.log.warn({ err: error, siteId: client.siteId }, 'live feed: could not check access'),
        );
      }
    }
  }
  const timer = setInterval(heartbeat, limits.heartbeatMs);
  timer.unref();

  return {
    join({ socket, siteId, userKey, stillAllowed }) {
      const refusal = closed
        ? LIVE_CLOSE.shuttingDown
        : (bySite.get(siteId)?.size ?? 0) >= limits.perSite
          ? LIVE_CLOSE.tooManyForSite
          : (perUser.get(userKey) ?? 0) >= limits.perUser
            ? LIVE_CLOSE.tooManyForUser
            : undefined;
      if (refusal !== undefined) {
        socket.close(refusal.code, refusal.reason);
        return undefined;
      }
      const client: Client = {
        siteId,
        socket,
        userKey,
        stillAllowed,
        alive: true,
        dropped: 0,
        slowSince: undefined,
        accessCheckedAt: now(),
        closing: false,
      };
      open.add(client);
      perUser.set(userKey, (perUser.get(userKey) ?? 0) + 1);
      let clients = bySite.get(siteId);
      if (clients === undefined) {
        clients = new Set();
        bySite.set(siteId, clients);
        subscriptions.set(
          siteId,
          options.pubsub.subscribe(liveChannel(siteId), (message) => deliver(siteId, message)),
        );
        options.onFirstClient?.(siteId);
      }
      clients.add(client);
      subscriptions.get(siteId)!.then(
        () => {
          if (!client.closing) socket.send(liveNotice({ type: 'subscribed', siteId }));
        },
        (error: unknown) => {
          options.log.warn({ err: error, siteId }, 'live feed: could not subscribe to the site channel');
          closeClient(client, LIVE_CLOSE.unavailable);
        },
      );
      return client;
    },
    leave(liveClient) {
      const client = liveClient as Client;
      stopDelivering(client);
      open.delete(client);
    },
    pong(liveClient) {
      (liveClient as Client).alive = true;
    },
    sites: () => [...bySite.keys()],
    connections: () => open.size,
    async close() {
      closed = true;
      clearInterval(timer);
      const closing = [...open];
      for (const client of closing) closeClient(client, LIVE_CLOSE.shuttingDown);
      const deadline = now() + limits.closeGraceMs;
      while (open.size > 0 && now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      for (const client of open) client.socket.terminate();
      await Promise.all(
        [...subscriptions.values()].map((subscription) =>
          subscription.then((unsubscribe) => unsubscribe()).catch(() => undefined),
        ),
      );
      subscriptions.clear();
    },
  };
}
