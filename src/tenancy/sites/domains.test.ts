import { describe, expect, it } from 'vitest';
import { normalizeDomain } from './domains.ts';

describe('normalizeDomain', () => {
  it.each([
    ['example.com', 'example.com'],
    ['  Example.COM  ', 'example.com'],
    ['https://www.example.com/pricing?x=1', 'www.example.com'],
    ['http://shop.example.co.uk:8080', 'shop.example.co.uk'],
    ['example.com.', 'example.com'],
    ['example.com/path', 'example.com'],
    ['example.com:443', 'example.com'],
    ['localhost', 'localhost'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
  ])('turns %j into %j', (input, expected) => {
    expect(normalizeDomain(input)).toBe(expected);
  });

  describe('robustness to invalid data', () => {
    it.each([
      [''],
      ['   '],
      ['not a domain'],
      ['-example.com'],
      ['example-.com'],
      ['exa_mple.com'],
      ['com'],
      ['user@example.com'],
      ['a'.repeat(64) + '.com'],
      [('a'.repeat(60) + '.').repeat(5) + 'com'],
      ['javascript:alert(1)'],
      ['http://'],
    ])('rejects %j', (input) => {
      expect(normalizeDomain(input)).toBeUndefined();
    });
  });
});
