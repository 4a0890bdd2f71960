import type { FastifyRequest } from 'fastify';
import { isIPv6 } from 'node:net';
import { minimizeIp, normalizeIp } from '../enrich/ip-address.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Memo of clientIp(): undefined until asked, null when the address is not an IP. */
    normalizedIp: string | null | undefined;
  }
}

/**
 * The client's address (`request.ip`, so X-Forwarded-For counts only through TRUSTED_PROXIES),
 * normalised and worked out once per request: Fastify's `request.ip` walks the forwarding chain
 * through proxy-addr on every read, and the rate limit and the pipeline both need it.
 */
export function clientIp(request: FastifyRequest): string | undefined {
  if (request.normalizedIp === undefined) request.normalizedIp = normalizeIp(request.ip) ?? null;
  return request.normalizedIp ?? undefined;
}

/**
 * What a per-address rate limit counts: an IPv4 address, or an IPv6 address's /64, the block one
 * subscriber usually gets whole, so rotating addresses inside it does not escape the limit.
 */
export function rateLimitKey(request: FastifyRequest): string {
  const address = clientIp(request);
  if (address === undefined) return request.ip;
  return isIPv6(address) ? minimizeIp(address, 32, 64)! : address;
}
