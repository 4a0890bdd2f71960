import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  FAKE_IPINFO_TOKEN,
  GOOGLE_DNS_ANSWER,
  startFakeIpinfo,
  type FakeIpinfo,
  type FakeIpinfoMode,
} from '../../../test/fakes/ipinfo-server.ts';
import { classifyVisitor } from '../classify-visitor.ts';
import { emptyLookup, ProviderError, type IpLookup } from '../geo-provider.ts';
import { createIpinfoProvider, parseIpinfoResponse, type IpinfoProviderOptions } from './ipinfo.ts';

let fake: FakeIpinfo;

beforeAll(async () => {
  fake = await startFakeIpinfo();
});

afterAll(async () => {
  await fake.close();
});

beforeEach(() => {
  fake.setMode('normal');
  fake.requests.length = 0;
});

function createProvider(overrides: Partial<IpinfoProviderOptions> = {}) {
  return createIpinfoProvider({ baseUrl: fake.url, token: FAKE_IPINFO_TOKEN, ...overrides });
}

function createClock() {
  let time = 1_700_000_000_000;
  return {
    now: () => time,
    advance(ms: number) {
      time += ms;
    },
  };
}

async function providerError(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    (value) => value,
    (reason: unknown) => reason,
  );
  expect(error, `expected a ProviderError, got ${JSON.stringify(error)}`).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

/** A fetch that answers every call with the response `respond` builds, for shapes the fake never sends. */
function stubFetch(respond: () => Response | Promise<Response>) {
  const calls: Array<{ url: string; init: RequestInit | undefined }> = [];
  const stub = (async (input: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(input), init });
    return respond();
  }) as typeof fetch;
  return { fetch: stub, calls };
}

const GOOGLE_DNS: IpLookup = emptyLookup({
  country: 'US',
  region: 'California',
  city: 'Mountain View',
  latitude: 37.4056,
  longitude: -122.0775,
  asn: 15169,
  asName: 'Google LLC',
  asDomain: 'google.com',
  asType: 'hosting',
  companyName: 'Google LLC',
  companyDomain: 'google.com',
  companyType: 'hosting',
  privacy: { vpn: false, proxy: false, tor: false, relay: false, hosting: true, service: null },
});

describe('createIpinfoProvider', () => {
  it('parses every field of a full answer', async () => {
    const results = await createProvider().lookup(['8.8.8.8']);

    expect(results).toEqual(new Map([['8.8.8.8', GOOGLE_DNS]]));
    expect(fake.requests).toMatchObject([{ method: 'GET', path: '/8.8.8.8/json' }]);
  });

  it('sends the token as a Bearer header and never in the URL', async () => {
    await createProvider().lookup(['8.8.8.8']);
    await createProvider().lookup(['8.8.8.8', '73.0.0.1']);

    expect(fake.requests).toHaveLength(2);
    for (const request of fake.requests) {
      expect(request.authorization).toBe(`Bearer ${FAKE_IPINFO_TOKEN}`);
      expect(request.path).not.toContain(FAKE_IPINFO_TOKEN);
      expect(request.path).not.toContain('token');
    }
  });

  it('asks for an IPv6 address on its own path', async () => {
    const results = await createProvider().lookup(['2606:4700:4700::1111']);

    expect(fake.requests).toMatchObject([{ method: 'GET', path: '/2606:4700:4700::1111/json' }]);
    expect(results.get('2606:4700:4700::1111')).toEqual(emptyLookup({ country: 'US' }));
  });

  it('asks for many addresses in one POST and matches the answers by key', async () => {
    const ips = [
      '8.8.8.8',
      '17.0.0.1',
      '73.0.0.1',
      '128.32.0.1',
      '185.220.101.1',
      '45.83.0.1',
      '172.224.0.1',
      '52.0.0.1',
      '151.101.0.1',
      '1.1.1.1',
    ];
    const results = await createProvider().lookup(ips);

    expect(fake.requests).toMatchObject([{ method: 'POST', path: '/batch', body: ips }]);
    const summary = Object.fromEntries(
      [...results].map(([ip, lookup]) => [
        ip,
        [
          lookup?.asn,
          lookup?.companyDomain,
          classifyVisitor({ lookup: lookup ?? null, isBot: false, datacenterAsns: new Set() }),
        ],
      ]),
    );
    expect(summary).toEqual({
      '8.8.8.8': [15169, 'google.com', 'hosting'],
      '17.0.0.1': [714, 'apple.com', 'business'],
      '73.0.0.1': [7922, 'comcast.com', 'isp'],
      '128.32.0.1': [25, 'berkeley.edu', 'education'],
      '185.220.101.1': [60729, 'stiftung-erneuerbare-freiheit.de', 'tor'],
      '45.83.0.1': [9009, 'm247.com', 'vpn'],
      '172.224.0.1': [36183, 'akamai.com', 'relay'],
      '52.0.0.1': [16509, 'aws.amazon.com', 'hosting'],
      '151.101.0.1': [64496, 'acme-corp.example', 'business'],
      '1.1.1.1': [null, null, null],
    });
    expect(results.get('45.83.0.1')?.privacy.service).toBe('ExampleVPN');
    expect(results.get('8.8.8.8')).toEqual(GOOGLE_DNS);
  });

  it('answers bogons and invalid strings itself, without a request', async () => {
    const ips = [
      '10.0.0.1',
      '192.168.1.1',
      '100.64.0.1',
      '::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      'not an ip',
      '',
    ];
    const results = await createProvider().lookup(ips);

    expect(fake.requests).toEqual([]);
    expect([...results.keys()]).toEqual(ips);
    for (const lookup of results.values()) expect(lookup).toEqual(emptyLookup({ bogon: true }));
  });

  it('sends only the public addresses of a mixed list', async () => {
    const results = await createProvider().lookup(['10.0.0.1', '8.8.8.8', '2001:db8::1']);

    expect(fake.requests).toMatchObject([{ method: 'GET', path: '/8.8.8.8/json' }]);
    expect(results.get('10.0.0.1')?.bogon).toBe(true);
    expect(results.get('2001:db8::1')?.bogon).toBe(true);
    expect(results.get('8.8.8.8')).toEqual(GOOGLE_DNS);
  });

  it('asks once for an address listed twice', async () => {
    const results = await createProvider().lookup(['8.8.8.8', '8.8.8.8']);

    expect(fake.requests).toHaveLength(1);
    expect(results.get('8.8.8.8')).toEqual(GOOGLE_DNS);
  });

  it('makes no request for an empty list', async () => {
    expect(await createProvider().lookup([])).toEqual(new Map());
    expect(fake.requests).toEqual([]);
  });

  it('splits more than 1000 addresses into batches of at most 1000', async () => {
    const ips = Array.from({ length: 2500 }, (_, index) => `11.${index >> 8}.${index & 255}.1`);
    const results = await createProvider().lookup(ips);

    expect(fake.requests.map((request) => [request.method, (request.body as string[]).length])).toEqual([
      ['POST', 1000],
      ['POST', 1000],
      ['POST', 500],
    ]);
    expect(fake.requests.flatMap((request) => request.body as string[])).toEqual(ips);
    expect(results.size).toBe(2500);
    expect([...results.values()].every((lookup) => lookup?.country === 'US')).toBe(true);
  });

  describe('when IPinfo refuses', () => {
    it.each([
      ['a wrong token', 'not-the-token'],
      ['no token', undefined],
    ])('%s is an error no retry can fix', async (_label, token) => {
      const provider = createProvider({ token });
      const error = await providerError(provider.lookup(['8.8.8.8']));

      expect(error.retryable).toBe(false);
      expect(error.message).not.toContain(String(token));
      expect(fake.requests[0]?.authorization).toBe(token === undefined ? undefined : `Bearer ${token}`);
      expect(provider.state()).toBe('closed');
    });

    it('a 429 is retryable and opens the breaker for Retry-After seconds', async () => {
      const clock = createClock();
      const provider = createProvider({ now: clock.now });
      fake.setMode('rate_limited');

      const limited = await providerError(provider.lookup(['8.8.8.8']));
      expect(limited.retryable).toBe(true);
      expect(provider.state()).toBe('open');

      fake.setMode('normal');
      const open = await providerError(provider.lookup(['73.0.0.1', '8.8.8.8']));
      expect(open.message).toBe('circuit open');
      expect(open.retryable).toBe(true);
      expect(fake.requests).toHaveLength(1);

      clock.advance(1999);
      expect(provider.state()).toBe('open');
      clock.advance(1);
      expect(provider.state()).toBe('half_open');
      expect((await provider.lookup(['8.8.8.8'])).get('8.8.8.8')).toEqual(GOOGLE_DNS);
      expect(provider.state()).toBe('closed');
      expect(fake.requests).toHaveLength(2);
    });

    it('still answers bogons while the breaker is open', async () => {
      const provider = createProvider();
      fake.setMode('rate_limited');
      await providerError(provider.lookup(['8.8.8.8']));

      expect(await provider.lookup(['10.0.0.1'])).toEqual(
        new Map([['10.0.0.1', emptyLookup({ bogon: true })]]),
      );
    });

    it.each<[string, string | undefined, number]>([
      ['no Retry-After', undefined, 30_000],
      ['a Retry-After that is not a delay', 'soon', 30_000],
      ['an HTTP-date Retry-After', new Date(1_700_000_000_000 + 10_000).toUTCString(), 10_000],
      ['a Retry-After of a week', String(7 * 24 * 3600), 3600_000],
    ])('a 429 with %s opens the breaker for the right time', async (_label, retryAfter, openForMs) => {
      const clock = createClock();
      const headers: Record<string, string> = retryAfter === undefined ? {} : { 'Retry-After': retryAfter };
      const { fetch } = stubFetch(() => new Response('{}', { status: 429, headers }));
      const provider = createProvider({ fetch, now: clock.now });
      await providerError(provider.lookup(['8.8.8.8']));

      clock.advance(openForMs - 1);
      expect(provider.state()).toBe('open');
      clock.advance(1);
      expect(provider.state()).toBe('half_open');
    });
  });

  describe('when IPinfo fails', () => {
    it('five 500s in a row open the breaker; after openMs one trial decides', async () => {
      const clock = createClock();
      const provider = createProvider({ now: clock.now, breaker: { openMs: 10_000 } });
      fake.setMode('server_error');

      for (let attempt = 1; attempt <= 4; attempt++) {
        expect((await providerError(provider.lookup(['8.8.8.8']))).retryable).toBe(true);
        expect(provider.state()).toBe('closed');
      }
      expect((await providerError(provider.lookup(['8.8.8.8']))).message).toBe('ipinfo answered 500');
      expect(provider.state()).toBe('open');
      expect((await providerError(provider.lookup(['8.8.8.8']))).message).toBe('circuit open');
      expect(fake.requests).toHaveLength(5);

      clock.advance(10_000);
      expect(provider.state()).toBe('half_open');
      await providerError(provider.lookup(['8.8.8.8']));
      expect(provider.state()).toBe('open');
      expect(fake.requests).toHaveLength(6);

      clock.advance(10_000);
      fake.setMode('normal');
      expect((await provider.lookup(['8.8.8.8'])).get('8.8.8.8')).toEqual(GOOGLE_DNS);
      expect(provider.state()).toBe('closed');
    });

    it('a success in between starts the count again', async () => {
      const provider = createProvider({ breaker: { failureThreshold: 3 } });
      for (const mode of [
        'server_error',
        'server_error',
        'normal',
        'server_error',
        'server_error',
      ] as const) {
        fake.setMode(mode);
        await provider.lookup(['8.8.8.8']).catch(() => undefined);
      }
      expect(provider.state()).toBe('closed');
    });

    it('lets a single trial through while half open', async () => {
      const clock = createClock();
      let release: (response: Response) => void = () => undefined;
      let calls = 0;
      const stub = stubFetch(() => {
        calls += 1;
        if (calls === 1) return new Response('{}', { status: 503 });
        return new Promise<Response>((resolve) => {
          release = resolve;
        });
      });
      const provider = createProvider({
        fetch: stub.fetch,
        now: clock.now,
        breaker: { failureThreshold: 1 },
      });
      await providerError(provider.lookup(['8.8.8.8']));
      clock.advance(30_000);

      const trial = provider.lookup(['8.8.8.8']);
      expect((await providerError(provider.lookup(['73.0.0.1']))).message).toBe('circuit open');
      release(Response.json({ ip: '8.8.8.8', country: 'US' }));
      expect((await trial).get('8.8.8.8')).toEqual(emptyLookup({ country: 'US' }));
      expect(provider.state()).toBe('closed');
      expect(stub.calls).toHaveLength(2);
    });

    it.each([
      ['succeeds', () => Response.json({ ip: '8.8.8.8', country: 'US' })],
      ['fails', () => new Response('{}', { status: 500 })],
    ])(
      'a call already under way when a 429 opens the breaker for 60 s %s without changing that',
      async (_label, late) => {
        const clock = createClock();
        let release: (response: Response) => void = () => undefined;
        let calls = 0;
        const stub = stubFetch(() => {
          calls += 1;
          if (calls === 2) return new Response('{}', { status: 429, headers: { 'Retry-After': '60' } });
          return new Promise<Response>((resolve) => {
            release = resolve;
          });
        });
        const provider = createProvider({
          fetch: stub.fetch,
          now: clock.now,
          breaker: { failureThreshold: 1 },
        });

        const underWay = provider.lookup(['8.8.8.8']).catch(() => undefined);
        await providerError(provider.lookup(['73.0.0.1']));
        release(late());
        await underWay;
        clock.advance(59_999);
        expect(provider.state()).toBe('open');
        clock.advance(1);
        expect(provider.state()).toBe('half_open');
      },
    );

    it.each([
      ['succeeds', () => Response.json({ ip: '128.32.0.1', country: 'US' })],
      ['fails', () => new Response('{}', { status: 502 })],
    ])('a 429 that lands while the trial is under way outweighs a trial that %s', async (_label, late) => {
      const clock = createClock();
      const waiting: Array<(response: Response) => void> = [];
      let calls = 0;
      const stub = stubFetch(() => {
        calls += 1;
        if (calls === 2) return new Response('{}', { status: 500 });
        return new Promise<Response>((resolve) => waiting.push(resolve));
      });
      const provider = createProvider({
        fetch: stub.fetch,
        now: clock.now,
        breaker: { failureThreshold: 1 },
      });

      const early = provider.lookup(['8.8.8.8']).catch(() => undefined);
      await providerError(provider.lookup(['73.0.0.1']));
      clock.advance(30_000);
      const trial = provider.lookup(['128.32.0.1']);
      await vi.waitFor(() => expect(waiting).toHaveLength(2));
      waiting[0]!(new Response('{}', { status: 429, headers: { 'Retry-After': '60' } }));
      await early;
      waiting[1]!(late());
      await trial.catch(() => undefined);

      clock.advance(59_999);
      expect(provider.state()).toBe('open');
      clock.advance(1);
      expect(provider.state()).toBe('half_open');
    });

    it('gives up after timeoutMs and counts it as a failure', async () => {
      const provider = createProvider({ timeoutMs: 200, breaker: { failureThreshold: 1 } });
      fake.setMode('slow');
      const started = performance.now();

      const error = await providerError(provider.lookup(['8.8.8.8']));

      expect(performance.now() - started).toBeLessThan(1500);
      expect(error.retryable).toBe(true);
      expect(error.message).toBe('ipinfo did not answer within 200 ms');
      expect(provider.state()).toBe('open');
    });

    it('reports a network failure as retryable', async () => {
      const { fetch } = stubFetch(() => {
        throw new TypeError('fetch failed');
      });
      const error = await providerError(createProvider({ fetch }).lookup(['8.8.8.8']));

      expect(error.retryable).toBe(true);
      expect(error.message).toBe('ipinfo could not be reached');
    });

    it.each<[FakeIpinfoMode, string[]]>([
      ['html', ['8.8.8.8']],
      ['html', ['8.8.8.8', '73.0.0.1']],
      ['truncated', ['8.8.8.8']],
      ['truncated', ['8.8.8.8', '73.0.0.1']],
    ])('a 200 with a %s body for %j is a retryable error, not a lookup', async (mode, ips) => {
      fake.setMode(mode);
      const error = await providerError(createProvider().lookup(ips));

      expect(error.retryable).toBe(true);
      expect(error.message).toBe('ipinfo answered with something other than a JSON object');
    });

    it.each([[['8.8.8.8']], [['8.8.8.8', '73.0.0.1', '10.0.0.1']]])(
      'fields of the wrong type for %j give null, not a half-read lookup',
      async (ips) => {
        fake.setMode('wrong_types');
        const results = await createProvider().lookup(ips);

        expect(results.get('8.8.8.8')).toBeNull();
        expect(results.get('73.0.0.1') ?? null).toBeNull();
        expect(results.get('10.0.0.1') ?? null).toEqual(
          ips.includes('10.0.0.1') ? emptyLookup({ bogon: true }) : null,
        );
      },
    );

    it.each([
      ['an array', '[{"ip": "8.8.8.8"}]'],
      ['a string', '"8.8.8.8"'],
      ['null', 'null'],
      ['nothing', ''],
    ])('a batch answer that is %s is a retryable error', async (_label, body) => {
      const { fetch } = stubFetch(() => new Response(body, { status: 200 }));
      const error = await providerError(createProvider({ fetch }).lookup(['8.8.8.8', '73.0.0.1']));

      expect(error.retryable).toBe(true);
    });

    it('gives null for an address missing from a batch answer or answered with a scalar', async () => {
      const { fetch } = stubFetch(() =>
        Response.json({
          '8.8.8.8': { ip: '8.8.8.8', country: 'US' },
          '73.0.0.1': 'US',
          '1.2.3.4': { country: 'FR' },
        }),
      );
      const results = await createProvider({ fetch }).lookup(['8.8.8.8', '73.0.0.1', '128.32.0.1']);

      expect(results).toEqual(
        new Map([
          ['8.8.8.8', emptyLookup({ country: 'US' })],
          ['73.0.0.1', null],
          ['128.32.0.1', null],
        ]),
      );
    });

    it('asks with Accept: application/json and a JSON body', async () => {
      const stub = stubFetch(() => Response.json({}));
      await createProvider({ fetch: stub.fetch, baseUrl: 'https://ipinfo.example/' }).lookup([
        '8.8.8.8',
        '1.1.1.1',
      ]);

      expect(stub.calls[0]?.url).toBe('https://ipinfo.example/batch');
      expect(stub.calls[0]?.init?.headers).toEqual({
        Accept: 'application/json',
        Authorization: `Bearer ${FAKE_IPINFO_TOKEN}`,
        'Content-Type': 'application/json',
      });
      expect(stub.calls[0]?.init?.body).toBe('["8.8.8.8","1.1.1.1"]');
    });
  });

  describe('the fake checks requests like the real API', () => {
    it.each<[string, string, unknown]>([
      ['more than 1000 addresses', 'POST', Array.from({ length: 1001 }, () => '8.8.8.8')],
      ['an empty list', 'POST', []],
      ['an object', 'POST', { ips: ['8.8.8.8'] }],
    ])('rejects a batch of %s', async (_label, method, body) => {
      const response = await fetch(`${fake.url}/batch`, {
        method,
        headers: { Authorization: `Bearer ${FAKE_IPINFO_TOKEN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status, await response.text()).toBe(400);
    });

    it('answers 404 for an address that is not one', async () => {
      const response = await fetch(`${fake.url}/not-an-ip/json`, {
        headers: { Authorization: `Bearer ${FAKE_IPINFO_TOKEN}` },
      });
      expect(response.status).toBe(404);
      expect(parseIpinfoResponse(await response.json())).toBeNull();
    });
  });
});

const FULL_ANSWER = GOOGLE_DNS_ANSWER;
// What a plan without the asn, company and privacy objects answers.
const BASIC_ANSWER = Object.fromEntries(
  Object.entries(FULL_ANSWER).filter(([key]) => !['asn', 'company', 'privacy'].includes(key)),
);

describe('parseIpinfoResponse', () => {
  it.each<[string, unknown, IpLookup | null]>([
    ['the full answer', FULL_ANSWER, GOOGLE_DNS],
    [
      'a plan without asn, company and privacy (AS from org)',
      BASIC_ANSWER,
      emptyLookup({
        country: 'US',
        region: 'California',
        city: 'Mountain View',
        latitude: 37.4056,
        longitude: -122.0775,
        asn: 15169,
        asName: 'Google LLC',
      }),
    ],
    [
      'an asn object that wins over org',
      { org: 'AS1 Someone Else', asn: { asn: 'AS15169', name: 'Google LLC' } },
      emptyLookup({ asn: 15169, asName: 'Google LLC' }),
    ],
    ['an org without an AS number', { country: 'US', org: 'Google LLC' }, emptyLookup({ country: 'US' })],
    ['a bogon', { ip: '198.51.100.1', bogon: true }, emptyLookup({ bogon: true })],
    ['bogon: false', { ip: '8.8.8.8', bogon: false, country: 'US' }, emptyLookup({ country: 'US' })],
    ['nothing but the address', { ip: '1.2.3.4' }, null],
    ['a lower-case country', { country: 'de' }, emptyLookup({ country: 'DE' })],
    [
      'a country name instead of a code',
      { country: 'Germany', city: 'Berlin' },
      emptyLookup({ city: 'Berlin' }),
    ],
    ['a loc with spaces', { loc: ' 52.52 , 13.40 ' }, emptyLookup({ latitude: 52.52, longitude: 13.4 })],
    ['a loc that is not one', { loc: 'nowhere', city: 'Berlin' }, emptyLookup({ city: 'Berlin' })],
    ['a loc out of range', { loc: '91.0,13.4', city: 'Berlin' }, emptyLookup({ city: 'Berlin' })],
    ['a loc with one number', { loc: '52.52', city: 'Berlin' }, emptyLookup({ city: 'Berlin' })],
    [
      'upper-case types',
      { asn: { asn: 'AS7922', type: 'ISP' }, company: { type: 'Business', domain: 'bank.example' } },
      emptyLookup({ asn: 7922, asType: 'isp', companyType: 'business', companyDomain: 'bank.example' }),
    ],
    [
      'a VPN with its service',
      { privacy: { vpn: true, service: 'ExampleVPN' } },
      emptyLookup({ privacy: { ...emptyLookup().privacy, vpn: true, service: 'ExampleVPN' } }),
    ],
    [
      'null where objects may be absent',
      { country: 'US', asn: null, company: null, privacy: null },
      emptyLookup({ country: 'US' }),
    ],
    ['blank strings', { country: 'US', city: '  ', region: '' }, emptyLookup({ country: 'US' })],
  ])('reads %s', (_label, answer, expected) => {
    expect(parseIpinfoResponse(answer)).toEqual(expected);
  });

  describe('robustness to invalid data', () => {
    it.each<[string, unknown]>([
      ['loc as a number', { ...FULL_ANSWER, loc: 5 }],
      ['asn as a string', { ...FULL_ANSWER, asn: 'x' }],
      ['privacy as a string', { ...FULL_ANSWER, privacy: 'yes' }],
      ['a privacy flag as a string', { ...FULL_ANSWER, privacy: { ...FULL_ANSWER.privacy, vpn: 'true' } }],
      ['a company domain as a number', { ...FULL_ANSWER, company: { ...FULL_ANSWER.company, domain: 42 } }],
      ['asn.asn as a number', { ...FULL_ANSWER, asn: { ...FULL_ANSWER.asn, asn: 15169 } }],
      ['the country as an array', { ...FULL_ANSWER, country: ['US'] }],
      ['bogon as a string', { ip: '10.0.0.1', bogon: 'true' }],
      [
        'an error answer',
        { status: 404, error: { title: 'Wrong ip', message: 'Please provide a valid IP address' } },
      ],
      ['an array', [FULL_ANSWER]],
      ['a string', '8.8.8.8'],
      ['a number', 42],
      ['NaN', Number.NaN],
      ['null', null],
      ['undefined', undefined],
      ['an empty object', {}],
    ])('gives null for %s', (_label, answer) => {
      expect(parseIpinfoResponse(answer)).toBeNull();
    });

    it.each([
      ['AS0', null],
      ['AS4294967295', 4294967295],
      ['AS4294967296', null],
      ['AS99999999999', null],
      ['15169', null],
      ['ASx', null],
      ['as15169', 15169],
    ])('reads the AS number %j as %j', (asn, expected) => {
      expect(parseIpinfoResponse({ country: 'US', asn: { asn } })?.asn).toBe(expected);
    });

    it('copes with huge values', () => {
      const huge = 'x'.repeat(1_000_000);
      expect(parseIpinfoResponse({ country: huge, loc: huge, org: huge, city: 'Berlin' })).toEqual(
        emptyLookup({ city: 'Berlin' }),
      );
    });
  });
});
