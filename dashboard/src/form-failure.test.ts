import { describe, expect, it } from 'vitest';
import { ApiError } from './api.ts';
import { formFailure } from './form-failure.ts';

const FIELDS = ['timezone', 'allowedDomains', 'siteIds'];

describe('formFailure', () => {
  it.each([
    [
      'a field of the form',
      new ApiError(400, 'validation_failed', 'bad zone', 'timezone'),
      { field: 'timezone' },
    ],
    [
      'an item of a list field',
      new ApiError(400, 'validation_failed', 'bad host', 'allowedDomains.2'),
      { field: 'allowedDomains' },
    ],
    ['a field the form does not have', new ApiError(400, 'validation_failed', 'stray', 'agencyId'), {}],
    ['no field', new ApiError(403, 'forbidden', 'not yours'), {}],
    ['an empty field', new ApiError(400, 'validation_failed', 'odd', ''), {}],
    ['a network failure', new Error('offline'), {}],
  ])('places %s', (_, error, place) => {
    expect(formFailure(error, FIELDS)).toEqual({ ...place, message: (error as Error).message });
  });

  it.each([
    ['a string', 'boom'],
    ['undefined', undefined],
    ['a number', 42],
  ])('turns %s thrown into a message for the whole form', (_, thrown) => {
    expect(formFailure(thrown, FIELDS)).toEqual({ message: String(thrown) });
  });
});
