import { describe, expect, it } from 'vitest';
import { isBogon } from './bogons.ts';

describe('isBogon', () => {
  it.each([
    ['0.0.0.0', 'this network'],
    ['0.255.255.255', 'this network, last address'],
    ['10.0.0.1', 'RFC 1918 10/8'],
    ['10.255.255.255', 'RFC 1918 10/8, last address'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.255', 'carrier-grade NAT, last address'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback, high end'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['172.16.0.1', 'RFC 1918 172.16/12'],
    ['172.31.255.255', 'RFC 1918 172.16/12, last address'],
    ['192.0.0.8', 'IETF protocol assignments'],
    ['192.0.2.1', 'TEST-NET-1'],
    ['192.168.1.1', 'RFC 1918 192.168/16'],
    ['198.18.0.1', 'benchmarking'],
    ['198.19.255.255', 'benchmarking, last address'],
    ['198.51.100.1', 'TEST-NET-2'],
    ['203.0.113.10', 'TEST-NET-3'],
    ['224.0.0.251', 'multicast (mDNS)'],
    ['239.255.255.250', 'multicast (SSDP)'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'limited broadcast'],
    ['::', 'IPv6 unspecified'],
    ['::1', 'IPv6 loopback'],
    ['0:0:0:0:0:0:0:1', 'IPv6 loopback, long form'],
    ['::ffff:10.0.0.1', 'IPv4-mapped private address'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:c0a8:101', 'IPv4-mapped 192.168.1.1 in hex'],
    ['::8.8.8.8', 'deprecated IPv4-compatible address'],
    ['64:ff9b::10.1.2.3', 'NAT64 of a private address'],
    ['64:ff9b::c0a8:101', 'NAT64 of 192.168.1.1 in hex'],
    ['64:ff9b:1::8.8.8.8', 'local-use NAT64'],
    ['100::1', 'discard-only'],
    ['2001:db8::1', 'documentation'],
    ['2001:DB8:85A3::8A2E:370:7334', 'documentation, upper case'],
    ['3fff::1', 'documentation (RFC 9637)'],
    ['2001::1', 'Teredo'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo with a public server address'],
    ['2001:2::1', 'benchmarking'],
    ['2001:10::1', 'ORCHID'],
    ['2001:20::1', 'ORCHIDv2'],
    ['2002:a00:1::1', '6to4 of 10.0.0.1'],
    ['2002:c0a8:101::1', '6to4 of 192.168.1.1'],
    ['2002:7f00:1::', '6to4 of 127.0.0.1'],
    ['fc00::1', 'unique local'],
    ['fd12:3456:789a::1', 'unique local (fd00::/8)'],
    ['fe80::1', 'link-local'],
    ['febf:ffff::1', 'link-local, high end'],
    ['fe80::1%eth0', 'link-local with a zone'],
    ['fec0::1', 'deprecated site-local'],
    ['ff02::1', 'multicast'],
    ['4000::1', 'outside 2000::/3'],
  ])('%s is a bogon (%s)', (ip) => {
    expect(isBogon(ip)).toBe(true);
  });

  it.each([
    ['8.8.8.8', 'Google DNS'],
    ['1.1.1.1', 'Cloudflare DNS'],
    ['9.255.255.255', 'just below 10/8'],
    ['11.0.0.0', 'just above 10/8'],
    ['100.63.255.255', 'just below carrier-grade NAT'],
    ['100.128.0.0', 'just above carrier-grade NAT'],
    ['172.15.255.255', 'just below 172.16/12'],
    ['172.32.0.0', 'just above 172.16/12'],
    ['192.0.1.1', 'between 192.0.0/24 and 192.0.2/24'],
    ['192.167.255.255', 'just below 192.168/16'],
    ['198.17.255.255', 'just below 198.18/15'],
    ['198.20.0.0', 'just above 198.18/15'],
    ['203.0.112.255', 'just below TEST-NET-3'],
    ['223.255.255.255', 'just below multicast'],
    ['73.0.0.1', 'Comcast'],
    ['::ffff:8.8.8.8', 'IPv4-mapped public address'],
    ['64:ff9b::8.8.8.8', 'NAT64 of a public address'],
    ['2002:808:808::1', '6to4 of 8.8.8.8'],
    ['2001:4860:4860::8888', 'Google DNS over IPv6'],
    ['2606:4700:4700::1111', 'Cloudflare DNS over IPv6'],
    ['2a00:1450:4001:82b::200e', 'a European Google address'],
    ['2001:db7:ffff::1', 'just below the documentation prefix'],
    ['2001:1::1', 'between Teredo and benchmarking'],
  ])('%s is routable (%s)', (ip) => {
    expect(isBogon(ip)).toBe(false);
  });

  describe('robustness to invalid data', () => {
    it.each([
      [''],
      [' 8.8.8.8'],
      ['8.8.8.8 '],
      ['localhost'],
      ['example.com'],
      ['999.1.1.1'],
      ['1.2.3'],
      ['01.2.3.4'],
      ['8.8.8.8/32'],
      ['8.8.8.8:443'],
      ['[2001:4860:4860::8888]'],
      ['1:2:3:4:5:6:7:8:9'],
      ['2001::db8::1'],
      ['::g'],
      ['2a00:1450::1%eth0'],
      ['8.8.8.8\n'],
      ['a'.repeat(5000)],
      ['1.'.repeat(5000)],
    ])('treats %j as a bogon', (input) => {
      expect(isBogon(input)).toBe(true);
    });

    it.each([[undefined], [null], [42], [{}], [['8.8.8.8']], [Number.NaN]])(
      'treats a %j that is not a string as a bogon',
      (input) => {
        expect(isBogon(input as unknown as string)).toBe(true);
      },
    );
  });
});
