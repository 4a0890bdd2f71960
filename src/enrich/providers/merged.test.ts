import { describe, expect, it } from 'vitest';
import { emptyLookup, ProviderError, type GeoProvider, type IpLookup } from '../geo-provider.ts';
import { mergeProviders } from './merged.ts';

/** Answers from a fixed table; every address asked gets an entry, as the GeoProvider contract says. */
function tableProvider(
  name: string,
  table: Record<string, IpLookup | null>,
): GeoProvider & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    name,
    calls,
    async lookup(ips) {
      calls.push(ips);
      return new Map(ips.map((ip) => [ip, table[ip] ?? null]));
    },
  };
}

function failingProvider(name: string, error: Error): GeoProvider {
  return {
    name,
    async lookup() {
      throw error;
    },
  };
}

const privacy = (overrides: Partial<IpLookup['privacy']>): IpLookup['privacy'] => ({
  ...emptyLookup().privacy,
  ...overrides,
});

describe('mergeProviders', () => {
  const country = tableProvider('country', {
    '8.8.8.8': emptyLookup({ country: 'US' }),
    '1.1.1.1': emptyLookup({ country: 'AU', asn: 1 }),
    '10.0.0.1': emptyLookup({ bogon: true }),
  });
  const asn = tableProvider('asn', {
    '8.8.8.8': emptyLookup({ asn: 15169, asName: 'Google LLC' }),
    '1.1.1.1': emptyLookup({ country: 'US', asn: 13335, asName: 'Cloudflare, Inc.' }),
    '2001:4860:4860::8888': emptyLookup({ asn: 15169 }),
  });
  const privacyOnly = tableProvider('privacy', {
    '1.1.1.1': emptyLookup({ privacy: privacy({ vpn: true, service: 'WARP' }), bogon: false }),
    '8.8.8.8': emptyLookup({ privacy: privacy({ hosting: true }) }),
  });
  const merged = mergeProviders('offline', [country, asn, privacyOnly]);

  it.each([
    [
      '8.8.8.8',
      emptyLookup({ country: 'US', asn: 15169, asName: 'Google LLC', privacy: privacy({ hosting: true }) }),
    ],
    [
      '1.1.1.1',
      emptyLookup({
        country: 'AU',
        asn: 1,
        asName: 'Cloudflare, Inc.',
        privacy: privacy({ vpn: true, service: 'WARP' }),
      }),
    ],
    ['2001:4860:4860::8888', emptyLookup({ asn: 15169 })],
    ['10.0.0.1', emptyLookup({ bogon: true })],
    ['192.0.2.1', null],
  ])('%s: the first non-null answer wins per field, flags are ORed', async (ip, expected) => {
    const answers = await merged.lookup([ip]);
    expect(answers.get(ip), JSON.stringify(answers.get(ip))).toEqual(expected);
  });

  it('asks every provider once with the whole batch and answers every address', async () => {
    const first = tableProvider('first', {});
    const second = tableProvider('second', {});
    const answers = await mergeProviders('both', [first, second]).lookup(['8.8.8.8', 'x', '1.1.1.1']);
    expect(first.calls).toEqual([['8.8.8.8', 'x', '1.1.1.1']]);
    expect(second.calls).toEqual([['8.8.8.8', 'x', '1.1.1.1']]);
    expect([...answers]).toEqual([
      ['8.8.8.8', null],
      ['x', null],
      ['1.1.1.1', null],
    ]);
  });

  it('asks the providers in parallel', async () => {
    let running = 0;
    let overlapped = false;
    const slow = (name: string): GeoProvider => ({
      name,
      async lookup(ips) {
        running++;
        overlapped ||= running > 1;
        await new Promise((resolve) => setTimeout(resolve, 10));
        running--;
        return new Map(ips.map((ip) => [ip, null]));
      },
    });
    await mergeProviders('slow', [slow('a'), slow('b')]).lookup(['8.8.8.8']);
    expect(overlapped).toBe(true);
  });

  it('does not change the lookups the providers returned', async () => {
    const shared = emptyLookup({ country: 'US' });
    const sharedPrivacy = shared.privacy;
    const first = tableProvider('first', { '8.8.8.8': shared });
    const second = tableProvider('second', {
      '8.8.8.8': emptyLookup({ asn: 15169, privacy: privacy({ tor: true }) }),
    });
    const answer = (await mergeProviders('m', [first, second]).lookup(['8.8.8.8'])).get('8.8.8.8');
    expect(answer).toEqual(emptyLookup({ country: 'US', asn: 15169, privacy: privacy({ tor: true }) }));
    expect(shared).toEqual(emptyLookup({ country: 'US' }));
    expect(shared.privacy).toBe(sharedPrivacy);
    expect(answer?.privacy).not.toBe(sharedPrivacy);
  });

  it('treats a missing entry in a provider answer as null', async () => {
    const sparse: GeoProvider = { name: 'sparse', lookup: async () => new Map() };
    const answers = await mergeProviders('m', [sparse, asn]).lookup(['8.8.8.8', '192.0.2.1']);
    expect(answers.get('8.8.8.8')?.asn).toBe(15169);
    expect(answers.get('192.0.2.1')).toBeNull();
  });

  it('keeps the name it was given', () => {
    expect(merged.name).toBe('offline');
  });

  it('refuses an empty provider list', () => {
    expect(() => mergeProviders('none', [])).toThrow('merged provider none needs at least one provider');
  });

  describe('when providers reject', () => {
    it('answers from the others and reports the failure', async () => {
      const failure = new ProviderError('IPinfo returned 503', true);
      const reported: Array<[string, unknown]> = [];
      const partial = mergeProviders('m', [failingProvider('ipinfo', failure), asn], {
        onError: (provider, error) => reported.push([provider.name, error]),
      });
      const answers = await partial.lookup(['8.8.8.8', '192.0.2.1']);
      expect(answers.get('8.8.8.8')).toEqual(emptyLookup({ asn: 15169, asName: 'Google LLC' }));
      expect(answers.get('192.0.2.1')).toBeNull();
      expect(reported).toEqual([['ipinfo', failure]]);
    });

    it('rejects with the first provider’s error when all reject', async () => {
      const first = new ProviderError('timeout', true);
      const second = new Error('closed');
      const allFailing = mergeProviders('m', [failingProvider('a', first), failingProvider('b', second)]);
      await expect(allFailing.lookup(['8.8.8.8'])).rejects.toBe(first);
    });

    it('rejects with the first error in provider order, not in time order', async () => {
      const late = new Error('late but first');
      const early = new Error('early but second');
      const slowFailure: GeoProvider = {
        name: 'slow',
        async lookup() {
          await new Promise((resolve) => setTimeout(resolve, 10));
          throw late;
        },
      };
      const allFailing = mergeProviders('m', [slowFailure, failingProvider('fast', early)]);
      await expect(allFailing.lookup(['8.8.8.8'])).rejects.toBe(late);
    });

    it('treats a provider that throws synchronously like one that rejects', async () => {
      const throwing: GeoProvider = {
        name: 'sync',
        lookup: () => {
          throw new Error('sync failure');
        },
      };
      const answers = await mergeProviders('m', [throwing, asn]).lookup(['8.8.8.8']);
      expect(answers.get('8.8.8.8')?.asn).toBe(15169);
      await expect(mergeProviders('m', [throwing]).lookup(['8.8.8.8'])).rejects.toThrow('sync failure');
    });
  });
});
