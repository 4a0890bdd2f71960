/** How a failed job is tried again: exponential backoff from `baseDelayMs`, doubling up to `maxDelayMs`. */
export interface Backoff {
  baseDelayMs: number;
  maxDelayMs: number;
  /** Share of the delay drawn at random either way (0.2: ±20 %), so many failures do not retry in step. */
  jitter: number;
}

/** A queue's retry budget: attempts in all, the first included; after the last, the job fails (dead letter). */
export interface RetryPolicy extends Backoff {
  maxAttempts: number;
}

const clamp = (value: number, min: number, max: number, fallback: number) =>
  Number.isFinite(value) ? Math.min(Math.max(value, min), max) : fallback;

/**
 * The wait after `failures` failures in a row: base, 2×base, 4×base, … up to the maximum, with
 * jitter. A `Retry-After` the other side sent is honoured (never retried sooner), but only up to
 * the maximum, so an answer of "in ten years" cannot park a job.
 */
export function retryDelayMs(
  backoff: Backoff,
  failures: number,
  random: () => number = Math.random,
  retryAfterMs?: number,
): number {
  const exponent = Number.isFinite(failures) ? Math.min(Math.max(0, Math.floor(failures) - 1), 30) : 0;
  const delay = Math.min(backoff.baseDelayMs * 2 ** exponent, backoff.maxDelayMs);
  const jitter = clamp(backoff.jitter, 0, 1, 0);
  const jittered = Math.round(delay * (1 - jitter + 2 * jitter * clamp(random(), 0, 1, 0.5)));
  const asked = retryAfterMs === undefined ? 0 : clamp(retryAfterMs, 0, backoff.maxDelayMs, 0);
  return Math.max(jittered, Math.round(asked));
}

/**
 * `Retry-After` (RFC 9110): delay-seconds or an HTTP date, as milliseconds from `now`; undefined
 * when absent or unreadable. A date in the past is no wait at all.
 */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) || !/[a-z]/i.test(text) ? undefined : Math.max(0, at - now.getTime());
}
