import { isIPv4, isIPv6 } from 'node:net';

/**
 * Non-routable IPv4 ranges (RFC 6890 and friends). No provider knows anything useful about them,
 * and sending them out would leak the shape of the visitor's private network.
 */
const IPV4_BOGONS = [
  v4Range('0.0.0.0', 8), // "this network"
  v4Range('10.0.0.0', 8), // RFC 1918
  v4Range('100.64.0.0', 10), // carrier-grade NAT (RFC 6598)
  v4Range('127.0.0.0', 8), // loopback
  v4Range('169.254.0.0', 16), // link-local
  v4Range('172.16.0.0', 12), // RFC 1918
  v4Range('192.0.0.0', 24), // IETF protocol assignments
  v4Range('192.0.2.0', 24), // TEST-NET-1
  v4Range('192.168.0.0', 16), // RFC 1918
  v4Range('198.18.0.0', 15), // benchmarking
  v4Range('198.51.100.0', 24), // TEST-NET-2
  v4Range('203.0.113.0', 24), // TEST-NET-3
  v4Range('224.0.0.0', 4), // multicast
  v4Range('240.0.0.0', 4), // reserved, includes the broadcast 255.255.255.255
];

const IPV4_MAPPED = v6Prefix('::ffff:0:0', 96);
const NAT64 = v6Prefix('64:ff9b::', 96);
/**
 * Only 2000::/3 is allocated for global unicast. Everything else is reserved, so this one range
 * also rules out ::, ::1, the IPv4-compatible ::/96, 100::/64 (discard), fc00::/7 (unique local),
 * fe80::/10 (link-local), fec0::/10 (old site-local), ff00::/8 (multicast) and the local-use
 * NAT64 prefix 64:ff9b:1::/48.
 */
const GLOBAL_UNICAST = v6Prefix('2000::', 3);
const SIX_TO_FOUR = v6Prefix('2002::', 16);
const IPV6_BOGONS = [
  // Teredo: the visitor's own address is obfuscated in the last 32 bits and the embedded one is the
  // relay server's, so a lookup would describe the relay, not the visitor.
  v6Prefix('2001::', 32),
  v6Prefix('2001:2::', 48), // benchmarking
  v6Prefix('2001:10::', 28), // ORCHID (deprecated)
  v6Prefix('2001:20::', 28), // ORCHIDv2
  v6Prefix('2001:db8::', 32), // documentation
  v6Prefix('3fff::', 20), // documentation (RFC 9637)
];

/**
 * True for private, reserved and otherwise non-routable addresses, and for anything that is not a
 * plain IP address at all: a caller may send only what this says false for to an IP provider.
 * IPv6 forms that embed an IPv4 address (mapped, NAT64, 6to4) are judged by the embedded one.
 */
export function isBogon(ip: string): boolean {
  if (typeof ip !== 'string') return true;
  if (isIPv4(ip)) return isBogonV4(ipv4Value(ip));
  // A zone index only makes sense on a link-local address; on any other it is garbage.
  if (!isIPv6(ip) || ip.includes('%')) return true;
  return isBogonV6(ipv6Value(ip));
}

function isBogonV4(value: number): boolean {
  return IPV4_BOGONS.some(({ network, mask }) => (value & mask) >>> 0 === network);
}

function isBogonV6(value: bigint): boolean {
  if (inPrefix(value, IPV4_MAPPED) || inPrefix(value, NAT64)) return isBogonV4(Number(value & 0xffffffffn));
  if (!inPrefix(value, GLOBAL_UNICAST)) return true;
  if (inPrefix(value, SIX_TO_FOUR)) return isBogonV4(Number((value >> 80n) & 0xffffffffn));
  return IPV6_BOGONS.some((prefix) => inPrefix(value, prefix));
}

interface V4Range {
  network: number;
  mask: number;
}

function v4Range(base: string, length: number): V4Range {
  const mask = (0xffffffff << (32 - length)) >>> 0;
  return { network: (ipv4Value(base) & mask) >>> 0, mask };
}

interface V6Prefix {
  shift: bigint;
  network: bigint;
}

function v6Prefix(base: string, length: number): V6Prefix {
  const shift = BigInt(128 - length);
  return { shift, network: ipv6Value(base) >> shift };
}

function inPrefix(value: bigint, { shift, network }: V6Prefix): boolean {
  return value >> shift === network;
}

/** Expects a valid dotted quad. */
function ipv4Value(address: string): number {
  return address.split('.').reduce((total, octet) => ((total << 8) | Number(octet)) >>> 0, 0);
}

/** Expects a valid IPv6 address without a zone index. */
function ipv6Value(address: string): bigint {
  let text = address.toLowerCase();
  const embedded = /\d+\.\d+\.\d+\.\d+$/.exec(text);
  if (embedded) {
    const v4 = ipv4Value(embedded[0]);
    text = `${text.slice(0, -embedded[0].length)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return all.reduce((total, group) => (total << 16n) | BigInt(parseInt(group, 16)), 0n);
}
