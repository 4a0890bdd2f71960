import { emptyLookup, type GeoProvider, type IpLookup } from '../geo-provider.ts';

/**
 * Several providers answering as one, e.g. the offline country database with the offline ASN data.
 * Every provider is asked in parallel; per field the first non-null answer in `providers` order
 * wins. Privacy flags and `bogon` are ORed, since any provider that saw a VPN or a bogon is
 * evidence. An address is null only when every provider that answered has nothing for it.
 *
 * A provider that rejects is left out of that call, so one failing source degrades the answer
 * instead of losing it; `onError` hears about it (the answers are then partial and may be cached
 * as such). When every provider rejects, the call rejects with the first provider's error, so
 * a ProviderError's `retryable` still reaches the caller.
 */
export function mergeProviders(
  name: string,
  providers: GeoProvider[],
  options: { onError?: (provider: GeoProvider, error: unknown) => void } = {},
): GeoProvider {
  if (providers.length === 0) throw new Error(`merged provider ${name} needs at least one provider`);
  return {
    name,
    async lookup(ips) {
      // The async wrapper turns a provider's synchronous throw into a rejection like any other.
      const settled = await Promise.allSettled(providers.map(async (provider) => provider.lookup(ips)));
      const answered: Array<Map<string, IpLookup | null>> = [];
      let firstError: { error: unknown } | undefined;
      settled.forEach((outcome, index) => {
        if (outcome.status === 'fulfilled') {
          answered.push(outcome.value);
          return;
        }
        firstError ??= { error: outcome.reason };
        options.onError?.(providers[index]!, outcome.reason);
      });
      if (answered.length === 0) throw firstError!.error;
      const merged = new Map<string, IpLookup | null>();
      for (const ip of ips) merged.set(ip, mergeLookups(answered.map((answers) => answers.get(ip) ?? null)));
      return merged;
    },
  };
}

/** A fresh object: providers may hand out cached lookups that must not be changed. */
function mergeLookups(lookups: Array<IpLookup | null>): IpLookup | null {
  let merged: IpLookup | null = null;
  for (const lookup of lookups) {
    if (lookup === null) continue;
    if (merged === null) {
      merged = emptyLookup({ ...lookup, privacy: { ...lookup.privacy } });
      continue;
    }
    merged.country ??= lookup.country;
    merged.region ??= lookup.region;
    merged.city ??= lookup.city;
    merged.latitude ??= lookup.latitude;
    merged.longitude ??= lookup.longitude;
    merged.asn ??= lookup.asn;
    merged.asName ??= lookup.asName;
    merged.asDomain ??= lookup.asDomain;
    merged.asType ??= lookup.asType;
    merged.companyName ??= lookup.companyName;
    merged.companyDomain ??= lookup.companyDomain;
    merged.companyType ??= lookup.companyType;
    const privacy = merged.privacy;
    privacy.vpn ||= lookup.privacy.vpn;
    privacy.proxy ||= lookup.privacy.proxy;
    privacy.tor ||= lookup.privacy.tor;
    privacy.relay ||= lookup.privacy.relay;
    privacy.hosting ||= lookup.privacy.hosting;
    privacy.service ??= lookup.privacy.service;
    merged.bogon ||= lookup.bogon;
  }
  return merged;
}
