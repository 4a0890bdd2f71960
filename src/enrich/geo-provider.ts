/**
 * What an IP provider knows about one address, in Beacon's words. Every field may be missing:
 * providers and plans differ (the offline databases know country and network, IPinfo much more).
 */
export interface IpLookup {
  country: string | null;
  region: string | null;
  city: string | null;
  latitude: number | null;
  longitude: number | null;
  asn: number | null;
  asName: string | null;
  asDomain: string | null;
  /** IPinfo's asn.type: `isp`, `hosting`, `business`, `education`, `government`, … */
  asType: string | null;
  companyName: string | null;
  companyDomain: string | null;
  /** IPinfo's company.type, same vocabulary as asType. */
  companyType: string | null;
  privacy: {
    vpn: boolean;
    proxy: boolean;
    tor: boolean;
    relay: boolean;
    hosting: boolean;
    service: string | null;
  };
  /** A private, reserved or otherwise non-routable address. */
  bogon: boolean;
}

/**
 * A source of IP data. `lookup` takes many addresses so a provider with a batch API (IPinfo's
 * /batch) can answer them in one call. The result has an entry for every address asked:
 * an IpLookup, or null when the provider has no data for it. Transient failures (timeouts, 429,
 * 5xx, garbage bodies) reject with ProviderError so callers can back off and cache briefly.
 */
export interface GeoProvider {
  readonly name: string;
  lookup(ips: string[]): Promise<Map<string, IpLookup | null>>;
}

export class ProviderError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.name = 'ProviderError';
  }
}

export function emptyLookup(overrides: Partial<IpLookup> = {}): IpLookup {
  return {
    country: null,
    region: null,
    city: null,
    latitude: null,
    longitude: null,
    asn: null,
    asName: null,
    asDomain: null,
    asType: null,
    companyName: null,
    companyDomain: null,
    companyType: null,
    privacy: { vpn: false, proxy: false, tor: false, relay: false, hosting: false, service: null },
    bogon: false,
    ...overrides,
  };
}
