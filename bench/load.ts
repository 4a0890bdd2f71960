import autocannon, { type RequestParams } from 'autocannon';

export interface LoadOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  /** Requests per second across all connections; unset = as fast as the server answers. */
  overallRate?: number;
  /** Called once per request, so every request differs. */
  makeRequest: () => { headers: Record<string, string>; body: string };
}

export interface LoadResult {
  seconds: number;
  responses: number;
  /** Responses per status code, e.g. { 201: 51234, 503: 12 }. */
  statuses: Map<number, number>;
  errors: number;
  timeouts: number;
  firstError: string | undefined;
  /** Latency over every response (2xx or not), in ms. */
  latency: { p50: number; p95: number; p99: number; max: number };
  /** Something the reader must know to trust the figures. */
  note: string | undefined;
}

function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}

export function summarise(raw: {
  seconds: number;
  latencies: ArrayLike<number>;
  statuses: Map<number, number>;
  errors: number;
  timeouts: number;
  firstError: string | undefined;
  note: string | undefined;
}): LoadResult {
  const sorted = Float64Array.from(raw.latencies).sort();
  return {
    seconds: raw.seconds,
    responses: sorted.length,
    statuses: new Map(raw.statuses),
    errors: raw.errors,
    timeouts: raw.timeouts,
    firstError: raw.firstError,
    latency: {
      p50: percentile(sorted, 0.5),
      p95: percentile(sorted, 0.95),
      p99: percentile(sorted, 0.99),
      max: sorted.length === 0 ? Number.NaN : sorted[sorted.length - 1]!,
    },
    note: raw.note,
  };
}

/**
 * Closed-loop load with autocannon: each connection sends its next request when the previous one is
 * answered. Latencies are taken from each response rather than from autocannon's summary, which has
 * no p95.
 */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let firstError: string | undefined;

  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        method: 'POST',
        connections: options.connections,
        duration: options.durationSeconds,
        ...(options.overallRate ? { overallRate: options.overallRate } : {}),
        timeout: 10,
        requests: [
          {
            method: 'POST',
            setupRequest: (request: RequestParams): RequestParams => {
              const { headers, body } = options.makeRequest();
              return { ...request, headers, body };
            },
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error);
        resolve(
          summarise({
            seconds: result.duration,
            latencies,
            statuses,
            errors: result.errors,
            timeouts: result.timeouts,
            firstError,
            note: undefined,
          }),
        );
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
      latencies.push(responseTimeMs);
      statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1);
    });
    instance.on('reqError', (error) => {
      firstError ??= error.message;
    });
  });
}

export function countStatus(result: LoadResult, predicate: (status: number) => boolean): number {
  let total = 0;
  for (const [status, count] of result.statuses) if (predicate(status)) total += count;
  return total;
}
