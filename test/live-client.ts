import WebSocket from 'ws';

/** A real WebSocket client of the live feed (GET /api/sites/:siteId/live) for tests. */
export interface LiveTestClient {
  socket: WebSocket;
  /** Every message received so far, parsed, oldest first. */
  messages: Array<Record<string, unknown>>;
  /** The first message, received already or later, that matches; rejects after `timeoutMs`. */
  waitFor(
    predicate: (message: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** Settles when the connection is closed, with the close code and reason the server sent. */
  closed: Promise<{ code: number; reason: string }>;
}

/** The HTTP answer of a connection refused before the upgrade. */
export class LiveRefused extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`live feed refused the connection: ${status} ${body}`);
  }
}

export function openLive(
  url: string,
  options: { headers?: Record<string, string>; autoPong?: boolean } = {},
): Promise<LiveTestClient> {
  const socket = new WebSocket(url, { headers: options.headers, autoPong: options.autoPong ?? true });
  const messages: Array<Record<string, unknown>> = [];
  const waiters = new Set<() => void>();
  socket.on('message', (data) => {
    messages.push(JSON.parse(String(data)) as Record<string, unknown>);
    for (const waiter of waiters) waiter();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  const client: LiveTestClient = {
    socket,
    messages,
    closed,
    waitFor(predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find(predicate);
          if (found === undefined) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(messages)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(client));
    socket.once('error', reject);
    socket.once('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += String(chunk)));
      response.on('end', () => reject(new LiveRefused(response.statusCode ?? 0, body)));
      response.on('error', () => reject(new LiveRefused(response.statusCode ?? 0, body)));
    });
  });
}

/** The refusal of a connection that must not open: its status and error body. */
export async function refusedLive(
  url: string,
  headers?: Record<string, string>,
): Promise<{ status: number; error: { code: string; message: string } }> {
  try {
    const client = await openLive(url, { headers });
    client.socket.terminate();
  } catch (error) {
    if (error instanceof LiveRefused) {
      return {
        status: error.status,
        error: (JSON.parse(error.body) as { error: { code: string; message: string } }).error,
      };
    }
    throw error;
  }
  throw new Error(`${url} opened; it should have been refused`);
}
