import { describe, expect, it } from 'vitest';
import { dimensionOf } from './dimensions.ts';

describe('dimensionOf', () => {
  it.each([
    ['page', 'event', 'e.path'],
    ['country', 'event', 'e.country'],
    ['channel', 'session', 's.referrer_type'],
    ['entry_page', 'session', 's.entry_path'],
    ['prop:plan', 'event', '(e.props ->> $key)'],
    ["prop:it's-%_\\", 'event', '(e.props ->> $key)'],
  ])('%s is a %s dimension over %s', (name, level, sql) => {
    expect(dimensionOf(name)).toMatchObject({ name, level, sql });
  });

  it.each([
    ['an unknown name', 'password'],
    ['a name an object inherits', 'constructor'],
    ['another inherited name', 'toString'],
    ['the prototype', '__proto__'],
    ['a prop without a key', 'prop:'],
    ['a prop key with a space', 'prop:a b'],
    ['a prop key over 100 characters', `prop:${'k'.repeat(101)}`],
    ['a prop key with a NUL', 'prop:a\u0000b'],
    ['a prop key with an unpaired surrogate', 'prop:a\ud800'],
  ])('%s is no dimension', (_case, name) => {
    expect(dimensionOf(name)).toBeUndefined();
  });

  it.each([[''], ['x'.repeat(100_000)], ['PAGE'], [' page']])('robust: %j is no dimension', (name) => {
    expect(dimensionOf(name)).toBeUndefined();
  });
});
