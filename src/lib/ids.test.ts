import { describe, expect, it } from 'vitest';
import { newId, newSecret, sha256Hex, timeOfId } from './ids.ts';

describe('newId', () => {
  it.each(['agency', 'user', 'site', 'evt'] as const)(
    'starts with the %s prefix and 26 base32 chars',
    (prefix) => {
      expect(newId(prefix)).toMatch(new RegExp(`^${prefix}_[0-9a-hjkmnp-tv-z]{26}$`));
    },
  );

  it('sorts ids made later after ids made earlier', () => {
    const times = [0, 1, 255, 256, 1_700_000_000_000, 1_700_000_000_001, 2 ** 47];
    const ids = times.map((time) => newId('evt', time));
    expect([...ids].sort()).toEqual(ids);
  });

  it('does not repeat across many calls in the same millisecond', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newId('evt', 42)));
    expect(ids.size).toBe(10_000);
  });
});

describe('newSecret', () => {
  it('carries its prefix and 32 base32 chars', () => {
    expect(newSecret('bk_write')).toMatch(/^bk_write_[0-9a-z]{32}$/);
  });
});

describe('sha256Hex', () => {
  it.each([
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
  ])('hashes %j to the SHA-256 test vector', (input, expected) => {
    expect(sha256Hex(input)).toBe(expected);
  });
});

describe('timeOfId', () => {
  it.each([0, 1, 1_764_900_000_123, 2 ** 48 - 1])('tells when an id was made (%i ms)', (ms) => {
    expect(timeOfId(newId('ses', ms))?.getTime()).toBe(ms);
  });

  it.each(['', 'ses_', 'ses_tooshort', 'client-made-visitor-id', 'ses_!!!!!!!!!!!!!!!!!!!!!!!!!!'])(
    'knows no time for %j',
    (id) => {
      expect(timeOfId(id)).toBeUndefined();
    },
  );
});
