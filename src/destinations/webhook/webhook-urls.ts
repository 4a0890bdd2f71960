import type { LookupAddress } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';
import { isBogon } from '../../enrich/bogons.ts';

/**
 * A webhook URL a site may configure: https, no credentials in the authority, and not a name or
 * literal address inside the network Beacon runs in (server-side request forgery). Returns why not.
 */
export function webhookUrlProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute https URL';
  }
  if (url.protocol !== 'https:') return 'must use https';
  if (url.username || url.password) return 'must not carry credentials before the host';
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host.endsWith('.internal') ||
    host.endsWith('.local')
  ) {
    return 'must not point at a local host';
  }
  if (/^[\d.]+$/.test(host) || host.includes(':')) {
    if (isBogon(host)) return 'must not point at a private or reserved address';
  }
  return undefined;
}

/** A name's addresses, as `dns.lookup(host, { all: true })` answers them. */
export type Resolve = (host: string) => Promise<Array<{ address: string; family: number }>>;

const systemResolve: Resolve = (host) => dnsLookup(host, { all: true });

const isIpLiteral = (host: string) => isIP(host) !== 0;

/**
 * fetch for requests to URLs a tenant configured (webhooks), which refuses to reach private,
 * loopback or reserved addresses. The check runs where the connection is made: the agent resolves
 * the name once, vets every address, and connects to what it vetted, so a name cannot answer a
 * public address to a check and an inner one to the connection (DNS rebinding). Redirects are
 * refused: a Location naming an address literal would never be looked up.
 */
export function createGuardedFetch(
  options: {
    /** Name resolution; tests pass their own. */
    resolve?: Resolve;
    /** Which addresses may not be reached; default: private, loopback and reserved ranges. */
    isRefused?: (address: string) => boolean;
    connectTimeoutMs?: number;
  } = {},
): typeof fetch {
  const resolve = options.resolve ?? systemResolve;
  const isRefused = options.isRefused ?? isBogon;
  const refusal = (host: string) =>
    new Error(`webhook host ${host} resolves to a private or reserved address`);
  const lookup = (
    hostname: string,
    lookupOptions: { all?: boolean },
    callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    resolve(hostname).then(
      (addresses) => {
        if (addresses.length === 0 || addresses.some(({ address }) => isRefused(address))) {
          callback(refusal(hostname), []);
        } else if (lookupOptions.all) {
          callback(null, addresses);
        } else {
          callback(null, addresses[0]!.address, addresses[0]!.family);
        }
      },
      (error: Error) => callback(error, []),
    );
  };
  const agent = new Agent({ connect: { lookup, timeout: options.connectTimeoutMs ?? 10_000 } });
  const guarded = async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const host = url.hostname.replace(/^\[|\]$/g, '');
    // An address literal is connected to without a lookup: vet it here.
    if (isIpLiteral(host) && isRefused(host)) throw refusal(host);
    return undiciFetch(url, {
      ...(init as Parameters<typeof undiciFetch>[1]),
      redirect: 'error',
      dispatcher: agent,
    });
  };
  return guarded as unknown as typeof fetch;
}
