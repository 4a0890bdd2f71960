import { describe, expect, it } from 'vitest';
import { afterClose, MAX_RETRY_MS, reconnectDelay } from './reconnect.ts';

describe('reconnectDelay', () => {
  it.each<[number, number, number]>([
    [0, 0, 1_000],
    [1, 0, 2_000],
    [2, 0, 4_000],
    [4, 0, 16_000],
    [5, 0, 30_000],
    [50, 0, 30_000],
    [0, 0.999999, 500],
    [3, 0.5, 6_000],
    [10, 1, 15_000],
  ])('attempt %d with random %d waits %d ms', (attempt, random, delay) => {
    expect(reconnectDelay(attempt, random)).toBe(delay);
  });

  describe('robustness', () => {
    it.each<[number, number]>([
      [Number.NaN, 0],
      [Number.POSITIVE_INFINITY, 0],
      [-3, 0],
      [2.7, 0],
      [0, Number.NaN],
      [0, -1],
      [0, 7],
    ])('attempt %d with random %d stays between 0.5 s and the ceiling', (attempt, random) => {
      const delay = reconnectDelay(attempt, random);
      expect(delay).toBeGreaterThanOrEqual(500);
      expect(delay).toBeLessThanOrEqual(MAX_RETRY_MS);
    });
  });
});

describe('afterClose', () => {
  it.each<[number, boolean, number]>([
    [1006, true, 0],
    [1001, true, 0],
    [1011, true, 0],
    [4008, true, 0],
    [4029, true, MAX_RETRY_MS],
    [4003, false, 0],
    [1000, true, 0],
  ])('after %d reconnects: %s (waiting at least %d ms)', (code, reconnect, minDelayMs) => {
    const next = afterClose(code);
    expect(next.reconnect).toBe(reconnect);
    if (next.reconnect) expect(next.minDelayMs).toBe(minDelayMs);
    expect(next.message).toMatch(/\S/);
  });
});
