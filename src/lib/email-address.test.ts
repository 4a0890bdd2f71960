import { describe, expect, it } from 'vitest';
import { isEmailAddress } from './email-address.ts';

describe('isEmailAddress', () => {
  it.each([
    ['you@example.com', true],
    ['first.last+tag@sub.agency.example', true],
    ["o'brien@example.ie", true],
    ['not-an-email', false],
    ['you@localhost', false],
    ['you@@example.com', false],
    ['you @example.com', false],
    ['@example.com', false],
    ['you@', false],
    ['you@example.com\n', false],
  ])('%j → %s', (value, expected) => {
    expect(isEmailAddress(value)).toBe(expected);
  });

  describe('robustness to invalid data', () => {
    it.each([[''], [`${'a'.repeat(250)}@example.com`], [42], [null], [undefined], [{}], [['a@b.example']]])(
      '%j is not an email address',
      (value) => {
        expect(isEmailAddress(value)).toBe(false);
      },
    );
  });
});
