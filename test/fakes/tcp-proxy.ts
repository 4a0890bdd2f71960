import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';

/** Where the proxy forwards to: a TCP port, or a Unix socket path (the embedded PostgreSQL's). */
export type ProxyTarget = { host: string; port: number } | { path: string };

export type ProxyMode = 'forwarding' | 'frozen' | 'cut';

export interface TcpProxy {
  /** The loopback port clients connect to instead of the target. */
  port: number;
  /**
   * Stops forwarding in both directions without closing anything: connections stay open, bytes
   * wait in buffers, new connections are accepted and wait too. A stalled server, as a client sees it.
   */
  freeze(): void;
  /** Closes every connection (with a reset) and resets each new one at once: a server that is gone. */
  cut(): void;
  /** Forwards again; what waited while frozen flows on. */
  restore(): void;
  mode(): ProxyMode;
  /** Connections open now (client sides). */
  connections(): number;
  close(): Promise<void>;
}

/**
 * Where a `postgres://` or `redis://` URL points: its host and port, or for a host that is a
 * directory (the embedded PostgreSQL listening on a Unix socket), the socket in it.
 */
export function targetOf(url: string): ProxyTarget {
  const parsed = new URL(url);
  const host = decodeURIComponent(parsed.hostname);
  const port = Number(parsed.port || (parsed.protocol.startsWith('redis') ? 6379 : 5432));
  return host.startsWith('/') ? { path: `${host}/.s.PGSQL.${port}` } : { host, port };
}

/** The same URL (credentials, database) with the proxy in place of the server. */
export function throughProxy(url: string, proxy: TcpProxy): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(proxy.port);
  return parsed.toString();
}

interface Pair {
  client: Socket;
  server: Socket;
}

/**
 * A TCP proxy on 127.0.0.1 that a test puts between Beacon and PostgreSQL or Redis, to make the
 * server stall or vanish without touching the shared server itself.
 */
export async function startTcpProxy(target: ProxyTarget): Promise<TcpProxy> {
  let mode: ProxyMode = 'forwarding';
  const pairs = new Set<Pair>();

  /** Forwards by hand rather than with pipe(): pipe resumes a paused source on 'drain', which would thaw a frozen pair. */
  function forward(from: Socket, to: Socket) {
    from.on('data', (chunk: Buffer) => {
      if (!to.write(chunk)) from.pause();
    });
    to.on('drain', () => {
      if (mode === 'forwarding') from.resume();
    });
    from.on('end', () => to.end());
  }

  const server = createServer((client) => {
    if (mode === 'cut') {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(target);
    const pair = { client, server: upstream };
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    forward(client, upstream);
    forward(upstream, client);
    if (mode === 'frozen') {
      client.pause();
      upstream.pause();
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');

  return {
    port: (server.address() as { port: number }).port,
    freeze() {
      mode = 'frozen';
      for (const { client, server: upstream } of pairs) {
        client.pause();
        upstream.pause();
      }
    },
    cut() {
      mode = 'cut';
      for (const { client, server: upstream } of pairs) {
        client.resetAndDestroy();
        upstream.destroy();
      }
      pairs.clear();
    },
    restore() {
      mode = 'forwarding';
      for (const { client, server: upstream } of pairs) {
        client.resume();
        upstream.resume();
      }
    },
    mode: () => mode,
    connections: () => pairs.size,
    async close() {
      for (const { client, server: upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
