import { isIPv4, isIPv6 } from 'node:net';

/** Expands an IPv6 address to its 8 groups of numbers; undefined when it is not one. */
function ipv6Groups(address: string): number[] | undefined {
  let text = address.toLowerCase().split('%')[0]!;
  const embedded = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (embedded) {
    const octets = embedded[1]!.split('.').map(Number);
    text =
      text.slice(0, -embedded[1]!.length) +
      `${((octets[0]! << 8) | octets[1]!).toString(16)}:${((octets[2]! << 8) | octets[3]!).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const groups =
    tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill(0), ...right];
  return groups.length === 8 &&
    groups.every((group) => Number.isInteger(group) && group >= 0 && group <= 0xffff)
    ? groups
    : undefined;
}

/** `::ffff:1.2.3.4` (how dual-stack sockets report IPv4 clients) becomes `1.2.3.4`. */
export function normalizeIp(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const address = raw.trim();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped && isIPv4(mapped[1]!)) return mapped[1];
  if (isIPv4(address)) return address;
  if (isIPv6(address)) return address.toLowerCase();
  return undefined;
}

/**
 * The address a provider is asked about, and the key its answer is cached under. IPv4: the address
 * itself. IPv6: the first address of its /64. A /64 is one link, the smallest block a network hands
 * out (SLAAC and privacy extensions choose the 64 host bits themselves and rotate them daily), and
 * providers such as IPinfo publish their data by ranges: every address of a /64 gets the same ASN,
 * company, network type and place. A per-address answer could differ only where a provider flags
 * single hosts (a VPN exit inside a home network), which is rare and lives only as long as the cache
 * entry. Asking about the network address also keeps the visitor's host bits, which may still derive
 * from a device's MAC address, on this machine. A NAT64 address (64:ff9b::/96) stands for the IPv4
 * address in its last 32 bits and is looked up as that address. Undefined when `raw` is not an address.
 */
export function lookupAddress(raw: string | undefined): string | undefined {
  const address = normalizeIp(raw);
  if (address === undefined || isIPv4(address)) return address;
  const groups = ipv6Groups(address);
  if (groups === undefined) return undefined;
  if (groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((group) => group === 0)) {
    return [groups[6]! >> 8, groups[6]! & 255, groups[7]! >> 8, groups[7]! & 255].join('.');
  }
  return minimizeIp(address, 32, 64);
}

/**
 * Data minimisation: keeps the network, drops the host. IPv4 keeps `prefixV4` bits (default /24:
 * `203.0.113.77` → `203.0.113.0`), IPv6 `prefixV6` bits (default /48). Enough for geography and
 * network, not enough to single out a household.
 */
export function minimizeIp(raw: string | undefined, prefixV4 = 24, prefixV6 = 48): string | undefined {
  const address = normalizeIp(raw);
  if (address === undefined) return undefined;
  if (isIPv4(address)) {
    const value = address.split('.').reduce((total, octet) => ((total << 8) | Number(octet)) >>> 0, 0);
    const mask = prefixV4 === 0 ? 0 : (0xffffffff << (32 - prefixV4)) >>> 0;
    const kept = (value & mask) >>> 0;
    return [24, 16, 8, 0].map((shift) => (kept >>> shift) & 255).join('.');
  }
  const groups = ipv6Groups(address);
  if (groups === undefined) return undefined;
  const kept = groups.map((group, index) => {
    const bitsBefore = index * 16;
    if (bitsBefore >= prefixV6) return 0;
    const keep = Math.min(16, prefixV6 - bitsBefore);
    return group & (0xffff << (16 - keep)) & 0xffff;
  });
  return compressIpv6(kept);
}

function compressIpv6(groups: number[]): string {
  let bestStart = -1;
  let bestLength = 0;
  for (let start = 0; start < 8;) {
    if (groups[start] !== 0) {
      start++;
      continue;
    }
    let end = start;
    while (end < 8 && groups[end] === 0) end++;
    if (end - start > bestLength && end - start > 1) {
      bestStart = start;
      bestLength = end - start;
    }
    start = end;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
