import { describe, expect, it } from 'vitest';
import { parseRetryAfter, retryDelayMs, type Backoff } from './backoff.ts';

const HOUR = 60 * 60 * 1000;
/** The hot-lead webhooks' backoff: 30 s doubling to 6 h, ±20 %. */
const webhooks: Backoff = { baseDelayMs: 30_000, maxDelayMs: 6 * HOUR, jitter: 0.2 };

describe('retryDelayMs', () => {
  it.each([
    [1, 0.5, undefined, 30_000],
    [2, 0.5, undefined, 60_000],
    [3, 0.5, undefined, 120_000],
    [1, 0, undefined, 24_000],
    [1, 1, undefined, 36_000],
    [40, 0.5, undefined, 6 * HOUR],
    // Retry-After: honoured when longer than the backoff, never beyond the maximum.
    [1, 0.5, 90_000, 90_000],
    [3, 0.5, 1_000, 120_000],
    [1, 0.5, 10 * 365 * 24 * HOUR, 6 * HOUR],
  ])('after %s failures (draw %s, Retry-After %s ms) waits %i ms', (failures, draw, retryAfter, delay) => {
    expect(retryDelayMs(webhooks, failures, () => draw, retryAfter)).toBe(delay);
  });

  describe('robustness', () => {
    it.each([
      ['no failures yet', 0, 0.5, undefined, 30_000],
      ['NaN failures', NaN, 0.5, undefined, 30_000],
      ['negative failures', -3, 0.5, undefined, 30_000],
      ['a huge count', Number.MAX_SAFE_INTEGER, 0.5, undefined, 6 * HOUR],
      ['a NaN draw', 2, NaN, undefined, 60_000],
      ['a draw above 1', 1, 7, undefined, 36_000],
      ['a NaN Retry-After', 1, 0.5, NaN, 30_000],
      ['a negative Retry-After', 1, 0.5, -5_000, 30_000],
    ])('%s', (_case, failures, draw, retryAfter, delay) => {
      expect(retryDelayMs(webhooks, failures, () => draw, retryAfter)).toBe(delay);
    });

    it('treats a nonsense jitter as none', () => {
      expect(retryDelayMs({ ...webhooks, jitter: NaN }, 1, () => 0)).toBe(30_000);
    });
  });
});

describe('parseRetryAfter', () => {
  const now = new Date('2026-03-01T12:00:00Z');
  it.each([
    ['120', 120_000],
    [' 0 ', 0],
    ['Sun, 01 Mar 2026 12:01:30 GMT', 90_000],
    ['Sun, 01 Mar 2026 11:00:00 GMT', 0],
    [undefined, undefined],
    [null, undefined],
    ['', undefined],
    ['soon', undefined],
    ['-5', undefined],
    ['1.5', undefined],
    ['2026', 2_026_000],
  ])('%j → %s ms', (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });
});
