import { describe, expect, it } from 'vitest';
import { rate } from './grouped-metrics.ts';

describe('rate', () => {
  it.each([
    ['views a session, a half that binary scaling loses', 23, 40, 2, 0.58],
    ['views a session, another', 41, 40, 2, 1.03],
    ['views a session, below the half', 1, 3, 2, 0.33],
    ['a percentage, a half that binary scaling loses', 23 * 100, 80, 1, 28.8],
    ['a percentage, another', 41 * 100, 80, 1, 51.3],
    ['a percentage, exact', 1 * 100, 8, 1, 12.5],
    ['a percentage of everything', 7 * 100, 7, 1, 100],
    ['seconds, half up', 5, 2, 0, 3],
    ['seconds, below the half', 1000, 3, 0, 333],
  ])('%s: %d / %d to %d decimals is %d', (_case, part, whole, decimals, expected) => {
    expect(rate(part, whole, decimals)).toBe(expected);
  });

  it.each([
    ['nothing to divide by', 5, 0, 1, 0],
    ['nothing divided', 0, 9, 2, 0],
    ['huge counts', 2 ** 40, 2 ** 41, 1, 0.5],
    ['a huge percentage', 3 * 100, 2 ** 45, 1, 0],
  ])('robust: %s', (_case, part, whole, decimals, expected) => {
    expect(rate(part, whole, decimals)).toBe(expected);
  });
});
