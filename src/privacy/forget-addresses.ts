import type { Enrichment } from '../enrich/index.ts';
import type { PubSub } from '../state/interface.ts';

/** Where an instance tells the others to drop cached lookups of erased addresses from their LRUs. */
export const FORGET_ADDRESSES_CHANNEL = 'privacy:forget-addresses';

/**
 * Drops cached IP lookups of erased addresses everywhere: this process's tiers and the shared
 * cache (Redis) at once, the other instances' in-process tiers through pub/sub. The addresses cross
 * Redis only as a message, which Redis does not keep.
 */
export function forgetAddressesEverywhere(deps: {
  enrichment: Pick<Enrichment, 'forget'> | undefined;
  pubsub: Pick<PubSub, 'publish'>;
}): (addresses: readonly string[]) => Promise<void> {
  return async (addresses) => {
    if (deps.enrichment === undefined || addresses.length === 0) return;
    await deps.enrichment.forget(addresses);
    await deps.pubsub.publish(FORGET_ADDRESSES_CHANNEL, JSON.stringify(addresses));
  };
}

/** The receiving side: forgets what another instance erased, in this process only. */
export async function listenForForgottenAddresses(deps: {
  enrichment: Pick<Enrichment, 'forget'>;
  pubsub: Pick<PubSub, 'subscribe'>;
}): Promise<() => Promise<void>> {
  return deps.pubsub.subscribe(FORGET_ADDRESSES_CHANNEL, (message) => {
    const addresses: unknown = JSON.parse(message);
    if (!Array.isArray(addresses)) return;
    void deps.enrichment.forget(
      addresses.filter((address): address is string => typeof address === 'string'),
      { localOnly: true },
    );
  });
}
