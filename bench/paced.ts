import http from 'node:http';
import type { LoadOptions, LoadResult } from './load.ts';
import { summarise } from './load.ts';

/** How long answers are awaited after the last request was due: the phase must stay bounded. */
const DRAIN_MS = 10_000;

/**
 * Open-loop load at a fixed offered rate: requests leave at Poisson arrival times (independent
 * visitors) whether or not earlier ones were answered, over at most `connections` keep-alive
 * sockets. Latency counts from the moment a request was due, so time spent queued in the client
 * because the server fell behind is charged to the server, as a visitor would experience it.
 *
 * Why not autocannon's overallRate: it gives each connection a quota per one-second window and sends
 * that quota back to back as soon as the window opens (lib/httpClient.js, rateInterval), so
 * "2,000/s" arrives as one burst at full concurrency each second and then silence: the p99 of
 * that is the p99 at maximum load, not at 2,000/s.
 */
export function runPaced(options: LoadOptions & { overallRate: number }): Promise<LoadResult> {
  const url = new URL(options.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let errors = 0;
  let timeouts = 0;
  let firstError: string | undefined;
  let inFlight = 0;
  let maxLateMs = 0;
  let lastResponse = 0;

  const durationMs = options.durationSeconds * 1000;
  const start = performance.now();
  let nextDue = start;
  let issuing = true;

  return new Promise((resolve) => {
    let finished = false;
    let drainTimer: NodeJS.Timeout | undefined;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(drainTimer);
      // Whatever is still queued after the drain bound is a request a visitor never got answered.
      if (inFlight > 0) {
        errors += inFlight;
        firstError ??= `${inFlight} requests still unanswered ${DRAIN_MS / 1000} s after the last was due`;
      }
      agent.destroy();
      resolve(
        summarise({
          // Until the last answer: a server that fell behind is still answering after the deadline,
          // and its rate is what it served, not what was offered.
          seconds: Math.max(durationMs, lastResponse - start) / 1000,
          latencies,
          statuses,
          errors,
          timeouts,
          firstError,
          note: maxLateMs > 5 ? `the load generator fell up to ${maxLateMs.toFixed(0)} ms behind` : undefined,
        }),
      );
    };

    const send = (due: number) => {
      const { headers, body } = options.makeRequest();
      inFlight += 1;
      // A socket error after the response ended must not count the request twice.
      let settled = false;
      const request = http.request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { ...headers, 'content-length': Buffer.byteLength(body) },
          timeout: 10_000,
        },
        (response) => {
          response.resume();
          response.on('end', () => {
            if (settled) return;
            settled = true;
            lastResponse = performance.now();
            latencies.push(lastResponse - due);
            const status = response.statusCode ?? 0;
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
            done();
          });
        },
      );
      request.on('timeout', () => {
        timeouts += 1;
        request.destroy(new Error('request timed out'));
      });
      request.on('error', (error) => {
        if (settled) return;
        settled = true;
        errors += 1;
        firstError ??= error.message;
        done();
      });
      request.end(body);
    };

    const done = () => {
      inFlight -= 1;
      if (!issuing && inFlight === 0) finish();
    };

    const tick = () => {
      const now = performance.now();
      while (nextDue <= now && nextDue - start < durationMs) {
        maxLateMs = Math.max(maxLateMs, now - nextDue);
        send(nextDue);
        // Exponential gaps: the arrivals of many independent visitors.
        nextDue += (-Math.log(1 - Math.random()) * 1000) / options.overallRate;
      }
      if (nextDue - start < durationMs) {
        setTimeout(tick, Math.max(0, Math.min(1, nextDue - performance.now())));
      } else {
        issuing = false;
        if (inFlight === 0) finish();
        else drainTimer = setTimeout(finish, DRAIN_MS);
      }
    };
    tick();
  });
}
