import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { clientIp, rateLimitKey } from './client-ip.ts';

/** A request as Fastify decorates it, counting how often its (costly) `ip` getter is read. */
function requestFrom(ip: string) {
  const request = {
    reads: 0,
    normalizedIp: undefined,
    get ip() {
      this.reads += 1;
      return ip;
    },
  };
  return request as typeof request & FastifyRequest;
}

describe('rateLimitKey', () => {
  it.each([
    ['IPv4 address as it is', '203.0.113.77', '203.0.113.77'],
    ['IPv4 mapped into IPv6 as IPv4', '::ffff:203.0.113.77', '203.0.113.77'],
    ['IPv6 by its /64', '2001:db8:1:2:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::'],
    ['two addresses of one /64 share a key', '2001:db8:1:2::9', '2001:db8:1:2::'],
    ['IPv6 in capitals like lower case', '2001:DB8:1:2::1', '2001:db8:1:2::'],
    ['loopback', '::1', '::'],
    ['what is not an address stays as it came', 'unknown', 'unknown'],
  ])('%s', (_name, ip, expected) => {
    expect(rateLimitKey(requestFrom(ip))).toBe(expected);
  });
});

describe('clientIp', () => {
  it('normalises the address once per request however often it is asked', () => {
    const request = requestFrom('::ffff:198.51.100.4');
    expect(clientIp(request)).toBe('198.51.100.4');
    expect(rateLimitKey(request)).toBe('198.51.100.4');
    expect(clientIp(request)).toBe('198.51.100.4');
    expect(request.reads).toBe(1);
  });

  it('answers undefined, once, for what is not an address', () => {
    const request = requestFrom('not-an-ip');
    expect(clientIp(request)).toBeUndefined();
    expect(clientIp(request)).toBeUndefined();
    expect(request.reads).toBe(1);
  });
});
