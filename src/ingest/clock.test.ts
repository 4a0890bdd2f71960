import { describe, expect, it } from 'vitest';
import { correctClockSkew, MAX_EVENT_AGE_MS } from './clock.ts';

const received = Date.UTC(2026, 10, 26, 12, 0, 0);
const hour = 3_600_000;

describe('correctClockSkew', () => {
  it.each([
    ['no ts: the receive time', { ts: undefined, sentAt: undefined }, received],
    ['a correct clock, sent at once', { ts: received, sentAt: undefined }, received],
    ['a clock 2 h fast, sent at once', { ts: received + 2 * hour, sentAt: undefined }, received],
    ['a clock 3 h slow, sent at once', { ts: received - 3 * hour, sentAt: undefined }, received],
    [
      'queued 10 s before sending, clock 1 h fast',
      { ts: received + hour - 10_000, sentAt: received + hour },
      received - 10_000,
    ],
    ['queued 5 min, correct clock', { ts: received - 300_000, sentAt: received }, received - 300_000],
    [
      'claims to be 30 days old: clamped to 7 days',
      { ts: received - 30 * 24 * hour, sentAt: received },
      received - MAX_EVENT_AGE_MS,
    ],
    ['ts after sentAt (nonsense): not in the future', { ts: received + 60_000, sentAt: received }, received],
  ])('%s', (_label, input, expected) => {
    expect(correctClockSkew({ ...input, receivedAt: received })).toBe(expected);
  });

  describe('robustness to invalid data', () => {
    it.each([
      [{ ts: Number.NaN, sentAt: received }],
      [{ ts: Number.POSITIVE_INFINITY, sentAt: undefined }],
      [{ ts: received, sentAt: Number.NaN }],
      [{ ts: -1e15, sentAt: 1e15 }],
    ])('stays within [received - 7 days, received] for %j', (input) => {
      const result = correctClockSkew({ ...input, receivedAt: received });
      expect(result).toBeLessThanOrEqual(received);
      expect(result).toBeGreaterThanOrEqual(received - MAX_EVENT_AGE_MS);
    });
  });
});
