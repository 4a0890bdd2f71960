import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashMetaValue, META_HASHED_KEYS, normalizeMetaValue, type MetaHashedKey } from './meta-user-data.ts';

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');
const today = new Date('2026-12-05T00:00:00Z');

describe("Meta's own test vectors (Customer information parameters)", () => {
  it.each<[MetaHashedKey, string, string]>([
    ['em', 'John_Smith@gmail.com', '62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f'],
    ['em', 'john_smith@gmail.com', '62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f'],
    // Meta's example input is `(650)555-1212` "with the US country code added": only the number
    // with its country code normalises to 16505551212.
    ['ph', '1 (650) 555-1212', 'e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176'],
    ['ph', '16505551212', 'e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176'],
    ['ph', '+1 650 555 1212', 'e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176'],
    ['fn', 'Mary', '6915771be1c5aa0c886870b6951b03d7eafc121fea0e80a5ea83beb7c449f4ec'],
    ['fn', 'mary', '6915771be1c5aa0c886870b6951b03d7eafc121fea0e80a5ea83beb7c449f4ec'],
    ['ln', '정', '8fa8cd9c440be61d0151429310034083132b35975c4bea67fdd74158eb51db14'],
    ['fn', 'Valéry', '08e1996b5dd49e62a4b4c010d44e4345592a863bb9f8e3976219bac29417149c'],
    // The same name typed with a combining accent (e + U+0301) is the same name.
    ['fn', 'Vale\u0301ry', '08e1996b5dd49e62a4b4c010d44e4345592a863bb9f8e3976219bac29417149c'],
    ['country', 'US', '79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621'],
    ['country', 'us', '79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621'],
    ['db', '19970216', '01acdbf6ec7b4f478a225f1a246e5d6767eeab1a7ffa17f025265b5b94f40f0c'],
    ['db', '1997-02-16', '01acdbf6ec7b4f478a225f1a246e5d6767eeab1a7ffa17f025265b5b94f40f0c'],
  ])('%s %j → %s', (key, input, expected) => {
    expect(hashMetaValue(key, input, today)).toBe(expected);
  });
});

describe('normalizeMetaValue', () => {
  it.each<[MetaHashedKey, string, string]>([
    ['em', '  Jane.Doe+News@Example.COM ', 'jane.doe+news@example.com'],
    ['ph', '0044 20 7946 0958', '442079460958'],
    ['ph', '+49 (30) 123-4567', '49301234567'],
    ['fn', "  O'Brien-Smith ", 'obriensmith'],
    ['ln', 'van der Berg', 'vanderberg'],
    ['ge', 'Female', 'f'],
    ['ge', ' m ', 'm'],
    ['db', '2000/02/29', '20000229'],
    ['ct', 'New York', 'newyork'],
    ['ct', 'São Paulo', 'sãopaulo'],
    ['ct', 'Frankfurt am Main 2', 'frankfurtammain'],
    ['st', 'California', 'ca'],
    ['st', 'CA', 'ca'],
    ['st', 'New York', 'ny'],
    ['st', 'Île-de-France', 'îledefrance'],
    ['zp', '94043', '94043'],
    ['zp', '94043-1351', '94043'],
    ['zp', 'M1 1AE', 'm11ae'],
    ['zp', '100-0001', '1000001'],
    ['country', ' gb ', 'gb'],
    ['external_id', ' CRM-58213 ', 'crm-58213'],
  ])('%s %j → %j', (key, input, expected) => {
    expect(normalizeMetaValue(key, input, today)).toBe(expected);
  });

  it('hashes what it normalised', () => {
    expect(hashMetaValue('ct', 'New York', today)).toBe(sha256('newyork'));
    expect(hashMetaValue('external_id', 'CRM-58213', today)).toBe(sha256('crm-58213'));
  });
});

describe('already hashed values', () => {
  const hash = sha256('john_smith@gmail.com');

  it.each(META_HASHED_KEYS.map((key) => [key]))('%s: a SHA-256 is passed on, never hashed twice', (key) => {
    expect(hashMetaValue(key, hash, today)).toBe(hash);
    expect(hashMetaValue(key, ` ${hash.toUpperCase()} `, today)).toBe(hash);
  });
});

describe('robustness to invalid data', () => {
  it.each<[MetaHashedKey, unknown]>([
    ['em', ''],
    ['em', 'not an email'],
    ['em', 'jane@localhost'],
    ['ph', '12345'],
    ['ph', '+1 650 555 1212 555 1212 99'],
    ['ph', 'call me'],
    ['fn', '  '],
    ['fn', '...'],
    ['ge', 'x'],
    ['ge', 'other'],
    ['db', '1899-12-31'],
    ['db', '2027-01-01'],
    ['db', '1997-02-30'],
    ['db', '1997-13-01'],
    ['db', '16/02/1997'],
    ['ct', '12345'],
    ['st', '-'],
    ['zp', 'A'],
    ['zp', 'a/b'],
    ['country', 'USA'],
    ['country', 'zz'],
    ['country', 'uk'],
    ['country', 'u1'],
    ['external_id', '   '],
    ['em', undefined],
    ['em', null],
    ['em', 42],
    ['em', ['jane@example.com']],
    ['em', { email: 'jane@example.com' }],
    ['em', NaN],
  ])('%s %j is not sent', (key, input) => {
    expect(hashMetaValue(key, input, today)).toBeUndefined();
  });

  it('copes with a huge value', () => {
    expect(hashMetaValue('fn', 'a'.repeat(1_000_000), today)).toBe(sha256('a'.repeat(1_000_000)));
    expect(hashMetaValue('ph', '1'.repeat(100_000), today)).toBeUndefined();
  });
});
