import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  hashUserIdentifiers,
  normalizeEmail,
  normalizeEmailForGoogle,
  normalizePhone,
} from './user-hashes.ts';

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

describe('normalizeEmail', () => {
  it.each([
    ['John_Smith@gmail.com', 'john_smith@gmail.com'],
    ['  jane@Example.COM ', 'jane@example.com'],
    ['jane+tag@example.co.uk', 'jane+tag@example.co.uk'],
  ])('%j → %j', (input, expected) => {
    expect(normalizeEmail(input)).toBe(expected);
  });

  describe('robustness to invalid data', () => {
    it.each([
      [''],
      ['jane'],
      ['@example.com'],
      ['jane@'],
      ['jane@localhost'],
      ['ja ne@example.com'],
      ['a@b@c.com'],
      ['jane@.com'],
    ])('refuses %j', (input) => {
      expect(normalizeEmail(input)).toBeUndefined();
    });
  });
});

describe('normalizeEmailForGoogle', () => {
  it.each([
    ['jane.doe+news@gmail.com', 'janedoe@gmail.com'],
    ['j.a.n.e@googlemail.com', 'jane@googlemail.com'],
    ['jane.doe+news@example.com', 'jane.doe+news@example.com'],
    ['+tag@gmail.com', undefined],
  ])('%j → %j', (input, expected) => {
    expect(normalizeEmailForGoogle(input)).toBe(expected);
  });
});

describe('normalizePhone', () => {
  it.each([
    ['+44 20 7946 0958', '+442079460958'],
    ['+1 (650) 555-1212', '+16505551212'],
    ['0049 30 1234567', '+49301234567'],
    ['+33.6.12.34.56.78', '+33612345678'],
  ])('%j → %j', (input, expected) => {
    expect(normalizePhone(input)).toBe(expected);
  });

  describe('robustness to invalid data', () => {
    it.each([
      [''],
      ['020 7946 0958'],
      ['+0 123 4567 890'],
      ['+1 555'],
      ['+1234567890123456'],
      ['call me'],
      ['+44 20 7946 0958 ext 2'],
    ])('refuses %j', (input) => {
      expect(normalizePhone(input)).toBeUndefined();
    });
  });
});

describe('hashUserIdentifiers', () => {
  it('matches the golden hashes of Meta’s documentation', () => {
    expect(hashUserIdentifiers({ email: 'John_Smith@gmail.com', phone: '+1 (650) 555-1212' })).toMatchObject({
      em: '62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f',
      ph: 'e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176',
    });
  });

  it('adds the Google forms: gmail rule for email, E.164 with + for phone', () => {
    expect(hashUserIdentifiers({ email: 'Jane.Doe@gmail.com', phone: '+44 20 7946 0958' })).toEqual({
      em: sha256('jane.doe@gmail.com'),
      em_google: sha256('janedoe@gmail.com'),
      ph: sha256('442079460958'),
      ph_e164: sha256('+442079460958'),
    });
  });

  describe('robustness to invalid data', () => {
    it.each([
      [undefined],
      [{}],
      [{ email: 'not an email' }],
      [{ email: 42 }],
      [{ phone: ['+441234567890'] }],
      [{ email: null }],
    ])('gives null for %j', (input) => {
      expect(hashUserIdentifiers(input as never)).toBeNull();
    });
  });

  it('never returns the raw value', () => {
    expect(JSON.stringify(hashUserIdentifiers({ email: 'jane@example.com' }))).not.toContain('jane');
  });
});
