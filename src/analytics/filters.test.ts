import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import { parseFilters } from './filters.ts';

function refusal(raw: string): string | undefined {
  try {
    parseFilters(raw);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return (error as AppError).field;
  }
}

describe('parseFilters', () => {
  it.each([
    ['one filter', [['is', 'country', ['DE', 'AT']]]],
    ['a missing value', [['is_not', 'utm_campaign', ['(none)']]]],
    ['a prop with quotes and LIKE wildcards', [['contains', "prop:it's", ['50%_off\\']]]],
    ['non-ASCII values', [['matches', 'city', ['Münch*', '🛒']]]],
  ])('takes %s', (_case, filters) => {
    expect(
      parseFilters(JSON.stringify(filters)).map((filter) => [
        filter.operator,
        filter.dimension.name,
        filter.values,
      ]),
    ).toEqual(filters);
  });

  it.each([
    ['not JSON', 'nope', 'filters'],
    ['an object', '{"is":"country"}', 'filters'],
    ['a pair', '[["is","country"]]', 'filters.0'],
    ['an unknown operator', '[["is","page",["/"]],["like","page",["/"]]]', 'filters.1.0'],
    ['an unknown dimension', '[["is","password",["x"]]]', 'filters.0.1'],
    ['a dimension an object inherits', '[["is","constructor",["x"]]]', 'filters.0.1'],
    ['no values', '[["is","page",[]]]', 'filters.0.2'],
    ['a number', '[["is","page",["/",7]]]', 'filters.0.2.1'],
    ['an empty value', '[["contains","page",[""]]]', 'filters.0.2.0'],
    ['a NUL character', '[["is","page",["/\\u0000"]]]', 'filters.0.2.0'],
    ['an unpaired surrogate', '[["is","page",["/","\\ud800"]]]', 'filters.0.2.1'],
    ['a prop key with a NUL character', '[["is","prop:a\\u0000b",["x"]]]', 'filters.0.1'],
  ])('refuses %s, naming where', (_case, raw, field) => {
    expect(refusal(raw)).toBe(field);
  });

  it.each([
    ['nothing', undefined, 0],
    ['an empty string', '', 0],
    ['blanks', '  ', 0],
    ['an empty list', '[]', 0],
  ])('robust: %s is no filter', (_case, raw, count) => {
    expect(parseFilters(raw)).toHaveLength(count);
  });

  it.each([
    ['21 filters', JSON.stringify(Array.from({ length: 21 }, () => ['is', 'page', ['/']])), 'filters'],
    ['101 values', JSON.stringify([['is', 'page', Array.from({ length: 101 }, () => '/')]]), 'filters.0.2'],
    ['a value of 501 characters', JSON.stringify([['is', 'page', ['x'.repeat(501)]]]), 'filters.0.2.0'],
    ['a huge document', `[${'['.repeat(10_000)}`, 'filters'],
  ])('robust: refuses %s', (_case, raw, field) => {
    expect(refusal(raw)).toBe(field);
  });
});
