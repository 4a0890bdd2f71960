import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the Google fakes see it. */
export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  text: string;
}

export interface FakeResponse {
  status: number;
  headers?: Record<string, string>;
  /** Sent as JSON; undefined sends no body. */
  body?: unknown;
}

/** Trouble a test orders: the next requests answer this instead of being handled. */
export interface Fault {
  status: number;
  /** Data Manager's `ErrorInfo.metadata.quota_limit` on a 429 (`IngestionMutateRequestsPerMinutePerProject`). */
  quotaLimit?: string;
  retryAfter?: string;
}

export interface FakeHttp {
  url: string;
  /** The next `times` requests get `fault`. */
  failNext(fault: Fault, times?: number): void;
  /** While on, requests are read and never answered (until `hang(false)` or `close`). */
  hang(on: boolean): void;
  /** How many requests are hanging now. */
  hanging(): number;
  close(): Promise<void>;
}

const CANONICAL: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** Google's REST error envelope (google.rpc.Status as JSON), as Google APIs answer errors. */
export function googleError(status: number, message: string, details: object[] = []): FakeResponse {
  return {
    status,
    body: {
      error: {
        code: status,
        message,
        status: CANONICAL[status] ?? 'UNKNOWN',
        ...(details.length ? { details } : {}),
      },
    },
  };
}

/**
 * A local HTTP server for a fake Google API: reads each request whole, then answers an ordered fault,
 * hangs, or hands it to `handle`. Hanging responses are ended on `close`, so tests never leak sockets.
 */
export async function startFakeHttp(
  handle: (request: FakeRequest) => FakeResponse | Promise<FakeResponse>,
  faultResponse: (fault: Fault) => FakeResponse,
): Promise<FakeHttp> {
  const faults: Fault[] = [];
  const held = new Set<ServerResponse>();
  let hanging = false;

  const server = createServer((request, response) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const url = new URL(request.url ?? '/', 'http://fake');
      if (hanging) {
        held.add(response);
        response.on('close', () => held.delete(response));
        return;
      }
      const fault = faults.shift();
      const answer = fault
        ? faultResponse(fault)
        : await handle({
            method: request.method ?? 'GET',
            path: url.pathname,
            query: url.searchParams,
            headers: request.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          });
      response.writeHead(answer.status, {
        ...(answer.body === undefined ? {} : { 'content-type': 'application/json; charset=UTF-8' }),
        ...answer.headers,
      });
      response.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    })().catch(() => response.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  const release = () => {
    for (const response of held) response.destroy();
    held.clear();
  };

  return {
    url: `http://127.0.0.1:${port}`,
    failNext(fault, times = 1) {
      for (let count = 0; count < times; count++) faults.push(fault);
    },
    hang(on) {
      hanging = on;
      if (!on) release();
    },
    hanging: () => held.size,
    async close() {
      release();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** The usual fault bodies of Google APIs: 500 INTERNAL, 503 UNAVAILABLE, 504 DEADLINE_EXCEEDED, 429 with quota. */
export function googleFault(domain: string) {
  return (fault: Fault): FakeResponse => {
    const details =
      fault.status === 429
        ? [
            {
              '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
              reason: 'RATE_LIMIT_EXCEEDED',
              domain,
              metadata: fault.quotaLimit ? { quota_limit: fault.quotaLimit } : {},
            },
          ]
        : [];
    const message =
      fault.status === 429
        ? 'Quota exceeded.'
        : fault.status === 503
          ? 'The service is currently unavailable.'
          : 'Internal error encountered.';
    const response = googleError(fault.status, message, details);
    return fault.retryAfter ? { ...response, headers: { 'retry-after': fault.retryAfter } } : response;
  };
}
