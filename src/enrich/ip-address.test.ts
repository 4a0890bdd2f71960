import { describe, expect, it } from 'vitest';
import { lookupAddress, minimizeIp, normalizeIp } from './ip-address.ts';

describe('normalizeIp', () => {
  it.each([
    ['203.0.113.77', '203.0.113.77'],
    [' 203.0.113.77 ', '203.0.113.77'],
    ['::ffff:203.0.113.77', '203.0.113.77'],
    ['2001:DB8::1', '2001:db8::1'],
  ])('%j → %j', (input, expected) => {
    expect(normalizeIp(input)).toBe(expected);
  });
});

describe('minimizeIp', () => {
  it.each([
    ['203.0.113.77', '203.0.113.0'],
    ['::ffff:198.51.100.200', '198.51.100.0'],
    ['10.1.2.3', '10.1.2.0'],
    ['255.255.255.255', '255.255.255.0'],
    ['2001:db8:85a3:8d3:1319:8a2e:370:7348', '2001:db8:85a3::'],
    ['2001:db8::1', '2001:db8::'],
    ['::1', '::'],
    ['fe80::1%eth0', 'fe80::'],
    ['2001:db8:abcd:12:ffff::1', '2001:db8:abcd::'],
  ])('%j → %j', (input, expected) => {
    expect(minimizeIp(input)).toBe(expected);
  });

  it.each([
    ['203.0.113.77', 16, '203.0.0.0'],
    ['203.0.113.77', 32, '203.0.113.77'],
    ['203.0.113.77', 0, '0.0.0.0'],
  ])('%j with a /%i prefix → %j', (input, prefix, expected) => {
    expect(minimizeIp(input, prefix)).toBe(expected);
  });

  it('keeps 56 bits of IPv6 when asked', () => {
    expect(minimizeIp('2001:db8:abcd:12ff:1::1', 24, 56)).toBe('2001:db8:abcd:1200::');
  });

  describe('robustness to invalid data', () => {
    it.each([
      [undefined],
      [''],
      ['localhost'],
      ['999.1.1.1'],
      ['1.2.3'],
      ['1:2:3:4:5:6:7:8:9'],
      ['::g'],
      ['1.2.3.4/24'],
      ['a'.repeat(5000)],
    ])('gives undefined for %j', (input) => {
      expect(minimizeIp(input)).toBeUndefined();
    });
  });
});

describe('lookupAddress', () => {
  it.each([
    ['an IPv4 address, as it is', '81.2.69.160', '81.2.69.160'],
    ['a mapped IPv4 address, as IPv4', '::ffff:81.2.69.160', '81.2.69.160'],
    [
      'an IPv6 address, as the first address of its /64',
      '2a01:4f8:c17:1a2b:5e3f:9a1:7c2d:11',
      '2a01:4f8:c17:1a2b::',
    ],
    ['another address of the same /64, the same way', '2A01:4F8:C17:1A2B::FFFF', '2a01:4f8:c17:1a2b::'],
    ['an address of the next /64, apart', '2a01:4f8:c17:1a2c::1', '2a01:4f8:c17:1a2c::'],
    ['a /64 with zeros inside', '2001:4860:0:1::8888', '2001:4860:0:1::'],
    ['a NAT64 address, as the IPv4 address it stands for', '64:ff9b::5102:45a0', '81.2.69.160'],
    ['a NAT64 address written with a dotted quad', '64:ff9b::81.2.69.160', '81.2.69.160'],
    [
      'a 6to4 address, by its /64 (which holds the IPv4 address)',
      '2002:5102:45a0:1::9',
      '2002:5102:45a0:1::',
    ],
  ])('looks up %s', (_label, input, expected) => {
    expect(lookupAddress(input)).toBe(expected);
  });

  describe('robustness to invalid data', () => {
    it.each([[undefined], [''], ['localhost'], ['1.2.3.4/24'], ['::g'], ['a'.repeat(5000)]])(
      'gives undefined for %j',
      (input) => {
        expect(lookupAddress(input)).toBeUndefined();
      },
    );
  });
});
