import { describe, expect, it } from 'vitest';
import { newPasswordProblem, tokenFromFragment } from './token-fragment.ts';

describe('tokenFromFragment', () => {
  it.each([
    ['#token=abc_DEF-123', 'abc_DEF-123'],
    ['token=abc', 'abc'],
    ['#other=1&token=abc', 'abc'],
    ['#token=', undefined],
    ['#token=%20', undefined],
    ['', undefined],
    ['#', undefined],
    ['#tokens=abc', undefined],
    ['#token=a%2Bb', 'a+b'],
  ])('%j → %j', (hash, token) => {
    expect(tokenFromFragment(hash)).toBe(token);
  });
});

describe('newPasswordProblem', () => {
  it.each([
    ['long enough and repeated', 'a long password', 'a long password', undefined],
    ['too short', 'short', 'short', 'password'],
    ['empty', '', '', 'password'],
    ['exactly ten characters', '0123456789', '0123456789', undefined],
    ['repeated differently', 'a long password', 'a long passwort', 'repeat'],
  ])('%s', (_, password, repeated, field) => {
    expect(newPasswordProblem(password, repeated)?.field).toBe(field);
  });
});
