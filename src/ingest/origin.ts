export interface SiteHosts {
  domain: string;
  allowedDomains: string[];
}

function hostOf(value: string | undefined): string | undefined {
  if (value === undefined || value === '' || value === 'null') return undefined;
  try {
    return new URL(value).hostname.toLowerCase().replace(/\.$/, '') || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The page host a browser request comes from: the Origin header, else the Referer, else the event's
 * own `url` (what server-side callers and some privacy tools leave us).
 */
export function sourceHost(input: { origin?: string; referer?: string; url?: string }): string | undefined {
  return hostOf(input.origin) ?? hostOf(input.referer) ?? hostOf(input.url);
}

/**
 * Whether a site accepts events from a page host: its domain (with or without `www.`), an exact entry
 * of allowedDomains, or a subdomain of a `*.example.com` entry.
 */
export function isAllowedHost(host: string, site: SiteHosts): boolean {
  const bare = (name: string) => (name.startsWith('www.') ? name.slice(4) : name);
  if (bare(host) === bare(site.domain)) return true;
  for (const entry of site.allowedDomains) {
    if (entry.startsWith('*.')) {
      const parent = entry.slice(2);
      if (host === parent || host.endsWith(`.${parent}`)) return true;
    } else if (host === entry) {
      return true;
    }
  }
  return false;
}
