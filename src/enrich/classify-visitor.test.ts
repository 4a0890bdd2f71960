import { describe, expect, it } from 'vitest';
import { classifyVisitor, companyOf, DATACENTER_ASNS, type VisitorClass } from './classify-visitor.ts';
import { emptyLookup, type IpLookup } from './geo-provider.ts';

const noPrivacy = emptyLookup().privacy;

// The shapes IPinfo answers with, as Beacon's IpLookup (see docs: external-apis.md, "4. IPinfo").
const GOOGLE_DNS = emptyLookup({
  country: 'US',
  city: 'Mountain View',
  asn: 15169,
  asName: 'Google LLC',
  asDomain: 'google.com',
  asType: 'hosting',
  companyName: 'Google LLC',
  companyDomain: 'google.com',
  companyType: 'hosting',
  privacy: { ...noPrivacy, hosting: true },
});
const COMCAST_HOME = emptyLookup({
  country: 'US',
  asn: 7922,
  asName: 'Comcast Cable Communications, LLC',
  asDomain: 'comcast.com',
  asType: 'isp',
  companyName: 'Comcast Cable Communications, LLC',
  companyDomain: 'comcast.com',
  companyType: 'isp',
});
const BANK_OFFICE = emptyLookup({
  country: 'US',
  asn: 7922,
  asName: 'Comcast Cable Communications, LLC',
  asDomain: 'comcast.com',
  asType: 'isp',
  companyName: 'First Example Bank',
  companyDomain: 'WWW.FirstExampleBank.com',
  companyType: 'business',
});
const UNIVERSITY = emptyLookup({
  country: 'US',
  asn: 25,
  asName: 'University of California at Berkeley',
  asDomain: 'berkeley.edu',
  asType: 'education',
  companyName: 'University of California at Berkeley',
  companyDomain: 'berkeley.edu',
  companyType: 'education',
});
const CITY_HALL = emptyLookup({
  asn: 64496,
  asName: 'City of Example',
  asDomain: 'example.gov',
  asType: 'government',
});
const VPN_EXIT = emptyLookup({
  asn: 9009,
  asName: 'M247 Europe SRL',
  asType: 'hosting',
  companyName: 'ExampleVPN',
  companyDomain: 'examplevpn.com',
  companyType: 'business',
  privacy: { ...noPrivacy, vpn: true, hosting: true, service: 'ExampleVPN' },
});
const TOR_EXIT = emptyLookup({
  asn: 60729,
  asType: 'hosting',
  privacy: { ...noPrivacy, tor: true, hosting: true },
});
const OPEN_PROXY = emptyLookup({ asType: 'isp', privacy: { ...noPrivacy, proxy: true } });
const PRIVATE_RELAY = emptyLookup({
  asn: 36183,
  asName: 'Akamai Technologies, Inc.',
  asType: 'hosting',
  privacy: { ...noPrivacy, relay: true, service: 'Apple Private Relay' },
});
const OFFLINE_AWS = emptyLookup({ country: 'US', asn: 16509, asName: 'Amazon.com, Inc.' });
const OFFLINE_HOME = emptyLookup({ country: 'DE', asn: 3320, asName: 'Deutsche Telekom AG' });
const BOGON = emptyLookup({ bogon: true });

describe('classifyVisitor', () => {
  it.each<[string, IpLookup | null, boolean, ReadonlySet<number>, VisitorClass | null]>([
    ['a Google address (hosting on every count)', GOOGLE_DNS, false, new Set(), 'hosting'],
    ['a Comcast home line', COMCAST_HOME, false, new Set(), 'isp'],
    ['a bank on a business line from an ISP', BANK_OFFICE, false, new Set(), 'business'],
    ['a university', UNIVERSITY, false, new Set(), 'education'],
    ['a city hall known only by its AS', CITY_HALL, false, new Set(), 'government'],
    ['a VPN exit run by a business', VPN_EXIT, false, new Set(), 'vpn'],
    [
      'a Tor exit that is also a VPN',
      { ...TOR_EXIT, privacy: { ...TOR_EXIT.privacy, vpn: true } },
      false,
      new Set(),
      'tor',
    ],
    ['an open proxy on an ISP', OPEN_PROXY, false, new Set(), 'proxy'],
    ['iCloud Private Relay', PRIVATE_RELAY, false, new Set(), 'relay'],
    ['a private address', BOGON, false, new Set(), 'private'],
    ['a bot on a home line', COMCAST_HOME, true, new Set(), 'bot'],
    ['a bot on a private address', BOGON, true, new Set(), 'bot'],
    ['a bot with no lookup', null, true, new Set(), 'bot'],
    ['no lookup', null, false, new Set(), null],
    ['an empty lookup', emptyLookup(), false, new Set(), null],
    ['an AWS address from an offline database', OFFLINE_AWS, false, DATACENTER_ASNS, 'hosting'],
    ['the same address without the curated list', OFFLINE_AWS, false, new Set(), null],
    ['a home line from an offline database', OFFLINE_HOME, false, DATACENTER_ASNS, null],
    ['a business in a data-centre AS', { ...BANK_OFFICE, asn: 16509 }, false, DATACENTER_ASNS, 'hosting'],
    ['a business on a hosting AS', { ...BANK_OFFICE, asType: 'hosting' }, false, new Set(), 'hosting'],
    ['an ISP block inside a business AS', { ...COMCAST_HOME, asType: 'business' }, false, new Set(), 'isp'],
    [
      'a company of unknown type on a business AS',
      { ...CITY_HALL, companyType: 'unknown', asType: 'business' },
      false,
      new Set(),
      'business',
    ],
    ['an AS typed "inactive"', emptyLookup({ asType: 'inactive' }), false, new Set(), null],
    ['types in another case', emptyLookup({ companyType: ' Education ' }), false, new Set(), 'education'],
  ])('%s → %s', (_label, lookup, isBot, datacenterAsns, expected) => {
    expect(classifyVisitor({ lookup, isBot, datacenterAsns })).toBe(expected);
  });

  describe('robustness to invalid data', () => {
    it.each<[string, unknown]>([
      ['privacy flags that are not booleans', emptyLookup({ privacy: { vpn: 'yes', tor: 1 } as never })],
      ['a privacy object that is missing', { ...emptyLookup(), privacy: undefined }],
      ['types that are not strings', emptyLookup({ asType: 42 as never, companyType: {} as never })],
      ['empty types', emptyLookup({ asType: '', companyType: '' })],
      ['a NaN ASN', emptyLookup({ asn: Number.NaN })],
      ['an ASN given as a string', emptyLookup({ asn: '16509' as never })],
      ['a huge type string', emptyLookup({ asType: 'business'.repeat(10_000) })],
      ['a bogon flag that is a string', emptyLookup({ bogon: 'true' as never })],
      ['a lookup that is not an object', 'hosting'],
    ])('answers null for %s', (_label, lookup) => {
      expect(
        classifyVisitor({ lookup: lookup as IpLookup, isBot: false, datacenterAsns: DATACENTER_ASNS }),
      ).toBeNull();
    });
  });
});

describe('companyOf', () => {
  it.each<[string, IpLookup | null, VisitorClass | null, ReturnType<typeof companyOf>]>([
    ['a bank', BANK_OFFICE, 'business', { domain: 'firstexamplebank.com', name: 'First Example Bank' }],
    [
      'a university',
      UNIVERSITY,
      'education',
      { domain: 'berkeley.edu', name: 'University of California at Berkeley' },
    ],
    [
      'a city hall through its AS',
      CITY_HALL,
      'government',
      { domain: 'example.gov', name: 'City of Example' },
    ],
    [
      'a company with no name',
      emptyLookup({ companyDomain: 'acme-corp.example', companyType: 'business', companyName: '  ' }),
      'business',
      { domain: 'acme-corp.example', name: null },
    ],
    [
      'a company domain with a trailing dot',
      emptyLookup({ companyDomain: 'Acme-Corp.Example.', companyType: 'business' }),
      'business',
      { domain: 'acme-corp.example', name: null },
    ],
    [
      'an internationalised domain',
      emptyLookup({ companyDomain: 'müller.de', companyType: 'business' }),
      'business',
      { domain: 'xn--mller-kva.de', name: null },
    ],
    ['an ISP customer', COMCAST_HOME, 'isp', null],
    ['Google', GOOGLE_DNS, 'hosting', null],
    ['a VPN run by a business', VPN_EXIT, 'vpn', null],
    ['a bot from a bank', BANK_OFFICE, 'bot', null],
    ['a bank behind Private Relay', { ...BANK_OFFICE, privacy: PRIVATE_RELAY.privacy }, 'relay', null],
    ['no class', BANK_OFFICE, null, null],
    ['no lookup', null, 'business', null],
    ['a business class but an ISP company (an inconsistent caller)', COMCAST_HOME, 'business', null],
    [
      'a business AS whose domain names its upstream ISP',
      emptyLookup({ asDomain: 'comcast.com', asType: 'isp' }),
      'business',
      null,
    ],
  ])('%s → %j', (_label, lookup, visitorClass, expected) => {
    expect(companyOf(lookup, visitorClass)).toEqual(expected);
  });

  it('agrees with classifyVisitor on the example lookups', () => {
    const companies = [GOOGLE_DNS, COMCAST_HOME, BANK_OFFICE, UNIVERSITY, CITY_HALL, VPN_EXIT, TOR_EXIT].map(
      (lookup) =>
        companyOf(lookup, classifyVisitor({ lookup, isBot: false, datacenterAsns: DATACENTER_ASNS }))?.domain,
    );
    expect(companies).toEqual([
      undefined,
      undefined,
      'firstexamplebank.com',
      'berkeley.edu',
      'example.gov',
      undefined,
      undefined,
    ]);
  });

  describe('robustness to invalid data', () => {
    it.each<[string, unknown]>([
      ['an empty domain', ''],
      ['a blank domain', '   '],
      ['just www.', 'www.'],
      ['an IP address', '8.8.8.8'],
      ['a URL', 'https://acme.example/'],
      ['spaces inside', 'acme corp.example'],
      ['a single label', 'localhost'],
      ['an underscore', 'acme_corp.example'],
      ['a leading hyphen', '-acme.example'],
      ['a huge domain', `${'a'.repeat(5000)}.com`],
      ['a number', 42],
      ['an object', { domain: 'acme.example' }],
    ])('gives no company for %s', (_label, domain) => {
      const lookup = emptyLookup({ companyDomain: domain as string, companyType: 'business' });
      expect(companyOf(lookup, 'business')).toBeNull();
    });

    it('ignores a name that is not a string', () => {
      const lookup = emptyLookup({ companyDomain: 'acme.example', companyName: 42 as never });
      expect(companyOf(lookup, 'business')).toEqual({ domain: 'acme.example', name: null });
    });
  });
});

describe('DATACENTER_ASNS', () => {
  it('holds a curated list of whole, positive AS numbers', () => {
    expect(DATACENTER_ASNS.size).toBeGreaterThanOrEqual(40);
    expect(DATACENTER_ASNS.size).toBeLessThanOrEqual(80);
    for (const asn of DATACENTER_ASNS) expect(Number.isInteger(asn) && asn > 0 && asn < 2 ** 32).toBe(true);
  });

  it.each([
    [16509, 'AWS'],
    [396982, 'Google Cloud'],
    [8075, 'Microsoft'],
    [14061, 'DigitalOcean'],
    [24940, 'Hetzner'],
  ])('includes AS%i (%s)', (asn) => {
    expect(DATACENTER_ASNS.has(asn)).toBe(true);
  });

  it.each([
    [7922, 'Comcast'],
    [3320, 'Deutsche Telekom'],
    [36183, "Akamai's Private Relay network"],
    [54113, 'Fastly'],
  ])('leaves out AS%i (%s)', (asn) => {
    expect(DATACENTER_ASNS.has(asn)).toBe(false);
  });
});
