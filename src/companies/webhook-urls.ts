import { lookup as dnsLookup } from 'node:dns/promises';
import { isBogon } from '../enrich/bogons.ts';
import type { Sealer } from '../lib/sealed.ts';

/**
 * How webhook URLs are kept at rest. A Slack incoming-webhook URL is a credential (whoever has it can
 * post), so stored URLs are sealed with AES-256-GCM; `open` still accepts plain URLs written before
 * sealing, and `npm run beacon -- secrets rotate` seals them.
 */
export interface WebhookUrlSealer {
  seal(url: string): string;
  open(stored: string): string;
}

export const plainWebhookUrls: WebhookUrlSealer = { seal: (url) => url, open: (stored) => stored };

export function sealedWebhookUrls(sealer: Sealer): WebhookUrlSealer {
  return {
    seal: (url) => sealer.seal(url),
    open: (stored) => (stored.startsWith('v1.') ? sealer.open(stored) : stored),
  };
}

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

/**
 * fetch for webhook delivery that refuses hosts resolving to private, loopback or reserved
 * addresses, so a configured name cannot be pointed at the inside of the network later.
 */
export function createGuardedFetch(
  options: {
    fetch?: typeof fetch;
    lookup?: (host: string) => Promise<Array<{ address: string }>>;
  } = {},
): typeof fetch {
  const fetchFn = options.fetch ?? fetch;
  const lookup = options.lookup ?? ((host: string) => dnsLookup(host, { all: true }));
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const addresses = /^[\d.]+$/.test(host) || host.includes(':') ? [{ address: host }] : await lookup(host);
    if (addresses.length === 0 || addresses.some(({ address }) => isBogon(address))) {
      throw new Error(`webhook host ${host} resolves to a private or reserved address`);
    }
    return fetchFn(input, init);
  };
}
