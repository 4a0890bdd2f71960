import { domainToASCII } from 'node:url';
import type { IpLookup } from './geo-provider.ts';

export type VisitorClass =
  | 'business'
  | 'education'
  | 'government'
  | 'isp'
  | 'hosting'
  | 'vpn'
  | 'proxy'
  | 'tor'
  | 'relay'
  | 'private'
  | 'bot';

type NetworkType = 'business' | 'education' | 'government' | 'isp' | 'hosting';
type OrganisationClass = 'business' | 'education' | 'government';

const NETWORK_TYPES: ReadonlySet<string> = new Set<NetworkType>([
  'business',
  'education',
  'government',
  'isp',
  'hosting',
]);
const ORGANISATION_CLASSES: ReadonlySet<string> = new Set<OrganisationClass>([
  'business',
  'education',
  'government',
]);

/**
 * Who is behind an address, from the most to the least telling signal: a bot is a bot wherever it
 * comes from; an anonymiser hides the network it exits from, so the network type says nothing
 * about the visitor; a data centre is not where people sit. Only then does the organisation type
 * count, the company's (the block's actual user) before the AS's (its upstream). Null when nothing
 * is known.
 *
 * `datacenterAsns` stands in for the AS type with providers that have none (the offline
 * databases). It outranks the organisation type: a block IPinfo types `business` inside a listed AS
 * counts as hosting. An empty set leaves the decision to the provider's own typing.
 */
export function classifyVisitor(input: {
  lookup: IpLookup | null;
  isBot: boolean;
  datacenterAsns: ReadonlySet<number>;
}): VisitorClass | null {
  const { lookup, isBot, datacenterAsns } = input;
  if (isBot === true) return 'bot';
  if (lookup === null || typeof lookup !== 'object') return null;
  if (lookup.bogon === true) return 'private';
  const privacy = lookup.privacy ?? {};
  if (privacy.tor === true) return 'tor';
  if (privacy.vpn === true) return 'vpn';
  if (privacy.proxy === true) return 'proxy';
  if (privacy.relay === true) return 'relay';
  const companyType = networkType(lookup.companyType);
  const asType = networkType(lookup.asType);
  if (
    privacy.hosting === true ||
    companyType === 'hosting' ||
    asType === 'hosting' ||
    (typeof lookup.asn === 'number' && datacenterAsns.has(lookup.asn))
  ) {
    return 'hosting';
  }
  return companyType ?? asType;
}

/**
 * The organisation a visitor can be attributed to. Only businesses, schools and public bodies
 * count: an ISP, host, VPN or bot says nothing about who the visitor works for, so even if the
 * lookup names one it never becomes a company. The AS domain stands in only when the AS itself is
 * typed as such an organisation, since otherwise it names the upstream network.
 */
export function companyOf(
  lookup: IpLookup | null,
  visitorClass: VisitorClass | null,
): { domain: string; name: string | null } | null {
  if (lookup === null || typeof lookup !== 'object') return null;
  if (visitorClass === null || !ORGANISATION_CLASSES.has(visitorClass)) return null;
  const companyType = networkType(lookup.companyType);
  const companyDomain = normalizeDomain(lookup.companyDomain);
  if (companyDomain !== null && (companyType === null || ORGANISATION_CLASSES.has(companyType))) {
    return { domain: companyDomain, name: normalizeName(lookup.companyName) };
  }
  const asType = networkType(lookup.asType);
  const asDomain = normalizeDomain(lookup.asDomain);
  if (asDomain !== null && asType !== null && ORGANISATION_CLASSES.has(asType)) {
    return { domain: asDomain, name: normalizeName(lookup.asName) };
  }
  return null;
}

function networkType(value: unknown): NetworkType | null {
  if (typeof value !== 'string') return null;
  const type = value.trim().toLowerCase();
  return NETWORK_TYPES.has(type) ? (type as NetworkType) : null;
}

const HOSTNAME =
  /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

/** `WWW.Example.COM.` and `example.com` are the same company; anything not a hostname is none. */
function normalizeDomain(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 253) return null;
  const ascii = domainToASCII(value.trim().replace(/\.$/, ''));
  const domain = ascii.startsWith('www.') ? ascii.slice(4) : ascii;
  return HOSTNAME.test(domain) ? domain : null;
}

function normalizeName(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const name = value.trim();
  return name === '' ? null : name;
}

/**
 * Cloud and hosting networks, for providers that do not type their ASes (the offline databases).
 * Traffic from these is servers, crawlers, headless browsers and self-hosted VPNs, not people at a
 * desk. Deliberately short and well known: a wrong entry turns real visitors into "hosting".
 *
 * Included on purpose despite carrying some human traffic:
 * - 15169 (Google's own network): IPinfo types it `hosting` too. From it come Googlebot, Google's
 *   fetchers (Translate, PageSpeed, ads checks) and older Google Cloud ranges; Googlers' office
 *   traffic loses its company attribution, which is the cheaper mistake.
 * - 8075 (Microsoft): Azure shares it with Microsoft's own services; same reasoning.
 * - 13335 (Cloudflare): Workers and WARP exits; WARP users are anonymised anyway.
 * Left out: CDN edge networks (Akamai 20940, Fastly 54113) and Apple's relay network (36183), which
 * mostly carry iCloud Private Relay users, who are people.
 */
export const DATACENTER_ASNS: ReadonlySet<number> = new Set([
  // Amazon Web Services
  16509, 14618, 8987,
  // Google Cloud and Google
  396982, 15169, 19527,
  // Microsoft Azure
  8075,
  // Oracle Cloud
  31898,
  // IBM Cloud (SoftLayer)
  36351,
  // Alibaba Cloud
  45102, 37963,
  // Tencent Cloud
  132203, 45090,
  // Huawei Cloud
  136907,
  // Cloudflare
  13335, 209242,
  // DigitalOcean
  14061,
  // Akamai Connected Cloud (Linode)
  63949,
  // Vultr (Choopa)
  20473,
  // OVHcloud
  16276,
  // Hetzner
  24940, 213230, 212317,
  // Scaleway
  12876,
  // Contabo
  51167, 40021,
  // Leaseweb
  60781, 16265, 28753, 59253, 7203, 30633,
  // IONOS, Strato
  8560, 6724,
  // netcup
  197540,
  // Hostinger
  47583,
  // GoDaddy
  26496, 398101,
  // Rackspace
  19994, 27357,
  // Equinix Metal
  54825,
  // Fly.io
  40509,
  // Zenlayer
  21859,
  // Aruba
  31034,
  // M247, home of many commercial VPN exits
  9009,
  // DataCamp (CDN77)
  60068,
  // QuadraNet, ColoCrossing, Psychz, Hostwinds
  8100, 36352, 40676, 54290,
  // Clouvider, FranTech (BuyVM), WorldStream, Hivelocity, Liquid Web
  62240, 53667, 49981, 29802, 32244,
]);
