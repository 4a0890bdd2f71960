import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { isBogon } from '../../src/enrich/bogons.ts';

export const FAKE_IPINFO_TOKEN = 'test-token';

export type FakeIpinfoMode =
  'normal' | 'rate_limited' | 'server_error' | 'slow' | 'html' | 'truncated' | 'wrong_types';

export interface FakeIpinfoRequest {
  method: string;
  /** Path and query string, as received. */
  path: string;
  authorization: string | undefined;
  /** The JSON body parsed, the raw text when it is not JSON, undefined when there is none. */
  body: unknown;
}

export interface FakeIpinfo {
  url: string;
  requests: FakeIpinfoRequest[];
  setMode(mode: FakeIpinfoMode): void;
  close(): Promise<void>;
}

/** Same limit as the real /batch. */
const BATCH_LIMIT = 1000;
const SLOW_MS = 2000;

const noPrivacy = { vpn: false, proxy: false, tor: false, relay: false, hosting: false, service: '' };

/** The official IPinfo SDK's fixture for 8.8.8.8: the whole legacy response, every object present. */
export const GOOGLE_DNS_ANSWER = {
  ip: '8.8.8.8',
  hostname: 'dns.google',
  anycast: true,
  city: 'Mountain View',
  region: 'California',
  country: 'US',
  loc: '37.4056,-122.0775',
  org: 'AS15169 Google LLC',
  postal: '94043',
  timezone: 'America/Los_Angeles',
  asn: { asn: 'AS15169', name: 'Google LLC', domain: 'google.com', route: '8.8.8.0/24', type: 'hosting' },
  company: { name: 'Google LLC', domain: 'google.com', type: 'hosting' },
  privacy: { ...noPrivacy, hosting: true },
  abuse: {
    address: 'US, CA, Mountain View, 1600 Amphitheatre Parkway, 94043',
    country: 'US',
    email: 'network-abuse@google.com',
    name: 'Abuse',
    network: '8.8.8.0/24',
    phone: '+1-650-253-0000',
  },
  domains: {
    ip: '8.8.8.8',
    total: 12095,
    domains: ['hdchina.org', 'musicool.cn', 'allnet.cn', 'aonode.com', 'didifilm.com'],
  },
};

/**
 * Known addresses, in the legacy full response shape (external-apis.md, "4. IPinfo"). 8.8.8.8 is the
 * official SDK's fixture; the others are made up in the same shape, one per visitor class.
 */
const KNOWN: Readonly<Record<string, Record<string, unknown>>> = {
  '8.8.8.8': GOOGLE_DNS_ANSWER,
  '17.0.0.1': {
    ip: '17.0.0.1',
    city: 'Cupertino',
    region: 'California',
    country: 'US',
    loc: '37.3230,-122.0322',
    org: 'AS714 Apple Inc.',
    postal: '95014',
    timezone: 'America/Los_Angeles',
    asn: { asn: 'AS714', name: 'Apple Inc.', domain: 'apple.com', route: '17.0.0.0/8', type: 'business' },
    company: { name: 'Apple Inc.', domain: 'apple.com', type: 'business' },
    privacy: noPrivacy,
  },
  '73.0.0.1': {
    ip: '73.0.0.1',
    hostname: 'c-73-0-0-1.hsd1.pa.comcast.net',
    city: 'Philadelphia',
    region: 'Pennsylvania',
    country: 'US',
    loc: '39.9524,-75.1636',
    org: 'AS7922 Comcast Cable Communications, LLC',
    postal: '19102',
    timezone: 'America/New_York',
    asn: {
      asn: 'AS7922',
      name: 'Comcast Cable Communications, LLC',
      domain: 'comcast.com',
      route: '73.0.0.0/12',
      type: 'isp',
    },
    company: { name: 'Comcast Cable Communications, LLC', domain: 'comcast.com', type: 'isp' },
    privacy: noPrivacy,
    abuse: {
      address: 'US, PA, Philadelphia, 1800 Arch Street, 19103',
      country: 'US',
      email: 'abuse@comcast.net',
      name: 'Comcast Abuse',
      network: '73.0.0.0-73.255.255.255',
      phone: '+1-888-565-4329',
    },
  },
  '128.32.0.1': {
    ip: '128.32.0.1',
    city: 'Berkeley',
    region: 'California',
    country: 'US',
    loc: '37.8716,-122.2728',
    org: 'AS25 University of California at Berkeley',
    postal: '94720',
    timezone: 'America/Los_Angeles',
    asn: {
      asn: 'AS25',
      name: 'University of California at Berkeley',
      domain: 'berkeley.edu',
      route: '128.32.0.0/16',
      type: 'education',
    },
    company: { name: 'University of California at Berkeley', domain: 'berkeley.edu', type: 'education' },
    privacy: noPrivacy,
  },
  '185.220.101.1': {
    ip: '185.220.101.1',
    hostname: 'tor-exit-1.example.net',
    city: 'Berlin',
    region: 'Land Berlin',
    country: 'DE',
    loc: '52.5244,13.4105',
    org: 'AS60729 Stiftung Erneuerbare Freiheit',
    postal: '10119',
    timezone: 'Europe/Berlin',
    asn: {
      asn: 'AS60729',
      name: 'Stiftung Erneuerbare Freiheit',
      domain: 'stiftung-erneuerbare-freiheit.de',
      route: '185.220.101.0/24',
      type: 'hosting',
    },
    company: {
      name: 'Stiftung Erneuerbare Freiheit',
      domain: 'stiftung-erneuerbare-freiheit.de',
      type: 'hosting',
    },
    privacy: { ...noPrivacy, tor: true, hosting: true },
  },
  '45.83.0.1': {
    ip: '45.83.0.1',
    city: 'Amsterdam',
    region: 'North Holland',
    country: 'NL',
    loc: '52.3740,4.8897',
    org: 'AS9009 M247 Europe SRL',
    postal: '1012',
    timezone: 'Europe/Amsterdam',
    asn: {
      asn: 'AS9009',
      name: 'M247 Europe SRL',
      domain: 'm247.com',
      route: '45.83.0.0/22',
      type: 'hosting',
    },
    company: { name: 'M247 Europe SRL', domain: 'm247.com', type: 'hosting' },
    privacy: { ...noPrivacy, vpn: true, hosting: true, service: 'ExampleVPN' },
  },
  '172.224.0.1': {
    ip: '172.224.0.1',
    city: 'Paris',
    region: 'Île-de-France',
    country: 'FR',
    loc: '48.8534,2.3488',
    org: 'AS36183 Akamai Technologies, Inc.',
    postal: '75000',
    timezone: 'Europe/Paris',
    asn: {
      asn: 'AS36183',
      name: 'Akamai Technologies, Inc.',
      domain: 'akamai.com',
      route: '172.224.0.0/16',
      type: 'hosting',
    },
    company: { name: 'Akamai Technologies, Inc.', domain: 'akamai.com', type: 'hosting' },
    privacy: { ...noPrivacy, relay: true, service: 'Apple Private Relay' },
  },
  '52.0.0.1': {
    ip: '52.0.0.1',
    hostname: 'ec2-52-0-0-1.compute-1.amazonaws.com',
    city: 'Ashburn',
    region: 'Virginia',
    country: 'US',
    loc: '39.0437,-77.4875',
    org: 'AS16509 Amazon.com, Inc.',
    postal: '20147',
    timezone: 'America/New_York',
    asn: {
      asn: 'AS16509',
      name: 'Amazon.com, Inc.',
      domain: 'amazon.com',
      route: '52.0.0.0/15',
      type: 'hosting',
    },
    company: { name: 'Amazon Technologies Inc.', domain: 'aws.amazon.com', type: 'hosting' },
    privacy: { ...noPrivacy, hosting: true },
  },
  '151.101.0.1': {
    ip: '151.101.0.1',
    city: 'Chicago',
    region: 'Illinois',
    country: 'US',
    loc: '41.8500,-87.6500',
    org: 'AS64496 Acme Corp',
    postal: '60601',
    timezone: 'America/Chicago',
    asn: {
      asn: 'AS64496',
      name: 'Acme Corp',
      domain: 'acme-corp.example',
      route: '151.101.0.0/24',
      type: 'business',
    },
    company: { name: 'Acme Corp', domain: 'acme-corp.example', type: 'business' },
    privacy: noPrivacy,
  },
};

const WRONG_IP = { status: 404, error: { title: 'Wrong ip', message: 'Please provide a valid IP address' } };

function answerFor(ip: string, mode: FakeIpinfoMode): unknown {
  if (isIP(ip) === 0) return WRONG_IP;
  if (isBogon(ip)) return { ip, bogon: true };
  if (mode === 'wrong_types') return { ip, country: 'US', loc: 5, asn: 'x', privacy: 'yes' };
  return KNOWN[ip] ?? { ip, country: 'US' };
}

/**
 * A local IPinfo (legacy API) that checks requests like the real one: a Bearer token, `GET /{ip}`
 * or `/{ip}/json`, `POST /batch` with a JSON array of at most 1000 addresses. Modes make it fail the
 * ways the real one (or what stands in front of it) does.
 */
export async function startFakeIpinfo(): Promise<FakeIpinfo> {
  const requests: FakeIpinfoRequest[] = [];
  const pending = new Set<NodeJS.Timeout>();
  let mode: FakeIpinfoMode = 'normal';

  const send = (response: ServerResponse, status: number, body: string, headers: Record<string, string>) => {
    if (response.destroyed) return;
    response.writeHead(status, headers);
    response.end(body);
  };
  const sendJson = (response: ServerResponse, status: number, body: unknown, headers = {}) =>
    send(response, status, JSON.stringify(body), { 'Content-Type': 'application/json', ...headers });

  const answer = (request: IncomingMessage, response: ServerResponse, rawBody: string) => {
    const url = new URL(request.url ?? '/', 'http://fake.invalid');
    if (request.headers.authorization !== `Bearer ${FAKE_IPINFO_TOKEN}`) {
      sendJson(response, 401, {
        status: 401,
        error: { title: 'Unknown token', message: 'Please ensure you have entered your token correctly.' },
      });
      return;
    }
    if (mode === 'rate_limited') {
      sendJson(
        response,
        429,
        {
          status: 429,
          error: { title: 'Rate limit exceeded', message: 'You have exceeded your request quota.' },
        },
        { 'Retry-After': '2' },
      );
      return;
    }
    if (mode === 'server_error') {
      sendJson(response, 500, {
        status: 500,
        error: { title: 'Internal error', message: 'Try again later.' },
      });
      return;
    }
    if (mode === 'html') {
      send(response, 200, '<!DOCTYPE html><html><body><h1>Service Unavailable</h1></body></html>', {
        'Content-Type': 'text/html; charset=utf-8',
      });
      return;
    }

    let status = 200;
    let body: unknown;
    const single = /^\/([^/]+)(?:\/json)?$/.exec(url.pathname);
    if (request.method === 'POST' && url.pathname === '/batch') {
      const ips = parseBatch(rawBody);
      if (ips === undefined) {
        sendJson(response, 400, {
          status: 400,
          error: { title: 'Bad request', message: `Send a JSON array of 1 to ${BATCH_LIMIT} addresses.` },
        });
        return;
      }
      body = Object.fromEntries(ips.map((ip) => [ip, answerFor(ip, mode)]));
    } else if (request.method === 'GET' && single && url.pathname !== '/batch') {
      body = answerFor(single[1]!, mode);
      if (body === WRONG_IP) status = 404;
    } else {
      sendJson(response, 404, { status: 404, error: { title: 'Not found', message: 'No such endpoint.' } });
      return;
    }

    const text = JSON.stringify(body);
    send(response, status, mode === 'truncated' ? text.slice(0, Math.floor(text.length / 2)) : text, {
      'Content-Type': 'application/json',
    });
  };

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      requests.push({
        method: request.method ?? '',
        path: request.url ?? '',
        authorization: request.headers.authorization,
        body: rawBody === '' ? undefined : parseJson(rawBody),
      });
      if (mode !== 'slow') {
        answer(request, response, rawBody);
        return;
      }
      const timer = setTimeout(() => {
        pending.delete(timer);
        answer(request, response, rawBody);
      }, SLOW_MS);
      pending.add(timer);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the fake IPinfo has no port');

  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    setMode(next) {
      mode = next;
    },
    async close() {
      for (const timer of pending) clearTimeout(timer);
      pending.clear();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function parseBatch(rawBody: string): string[] | undefined {
  const parsed = parseJson(rawBody);
  if (!Array.isArray(parsed) || parsed.length === 0 || parsed.length > BATCH_LIMIT) return undefined;
  return parsed.every((entry): entry is string => typeof entry === 'string') ? parsed : undefined;
}
