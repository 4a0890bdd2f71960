import { Type, type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { isBogon } from '../bogons.ts';
import { emptyLookup, ProviderError, type GeoProvider, type IpLookup } from '../geo-provider.ts';

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface IpinfoProviderOptions {
  /** `https://ipinfo.io`; tests point it at a local fake. */
  baseUrl: string;
  /** Sent as a Bearer header only, so it never lands in URLs, access logs or error messages. */
  token: string | undefined;
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
  breaker?: { failureThreshold?: number; openMs?: number };
}

/** IPinfo's documented ceiling for one /batch request. */
const BATCH_LIMIT = 1000;
/** A broken or hostile Retry-After must not switch the provider off for days. */
const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;

/**
 * IPinfo through its legacy API: `GET /{ip}/json` for one address, `POST /batch` for several.
 * Bogons are answered here and never sent. A circuit breaker spares the API (and the ingest path's
 * latency budget) while it fails: it opens after `failureThreshold` consecutive failures, or at once
 * on a 429 for as long as Retry-After asks, and lets a single trial call through after that.
 */
export function createIpinfoProvider(
  options: IpinfoProviderOptions,
): GeoProvider & { state(): BreakerState } {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 1500;
  const fetchImpl = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const breaker = createBreaker({
    now,
    failureThreshold: options.breaker?.failureThreshold ?? 5,
    openMs: options.breaker?.openMs ?? 30_000,
  });
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.token !== undefined) headers.Authorization = `Bearer ${options.token}`;

  async function request(path: string, body?: string): Promise<Record<string, unknown>> {
    const trial = breaker.acquire();
    const signal = AbortSignal.timeout(timeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await fetchImpl(`${baseUrl}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: body === undefined ? headers : { ...headers, 'Content-Type': 'application/json' },
        body,
        signal,
      });
      // Read inside the timeout too: a server that sends headers and then stalls is just as slow.
      text = await response.text();
    } catch (error) {
      breaker.recordFailure(trial);
      const message = signal.aborted
        ? `ipinfo did not answer within ${timeoutMs} ms`
        : 'ipinfo could not be reached';
      throw new ProviderError(message, true, { cause: error });
    }
    if (response.status === 429) {
      breaker.open(retryAfterMs(response.headers.get('retry-after'), now()));
      throw new ProviderError('ipinfo rate limit reached (429)', true);
    }
    if (response.status >= 500) {
      breaker.recordFailure(trial);
      throw new ProviderError(`ipinfo answered ${response.status}`, true);
    }
    if (!response.ok) {
      // The service is up and said no (bad token, quota plan, bad request): pausing fixes nothing.
      breaker.recordSuccess(trial);
      throw new ProviderError(`ipinfo answered ${response.status}`, false);
    }
    const parsed = parseJson(text);
    if (!isRecord(parsed)) {
      // A 200 with an HTML page or half a document is a proxy or outage in between, not an answer.
      breaker.recordFailure(trial);
      throw new ProviderError('ipinfo answered with something other than a JSON object', true);
    }
    breaker.recordSuccess(trial);
    return parsed;
  }

  return {
    name: 'ipinfo',
    state: () => breaker.state(),
    async lookup(ips) {
      const results = new Map<string, IpLookup | null>();
      const remote: string[] = [];
      for (const ip of new Set(ips)) {
        if (isBogon(ip)) results.set(ip, emptyLookup({ bogon: true }));
        else remote.push(ip);
      }
      if (remote.length === 1) {
        const ip = remote[0]!;
        results.set(ip, parseIpinfoResponse(await request(`/${ip}/json`)));
        return results;
      }
      // One chunk after the other: a failure stops before spending more of the quota.
      for (let start = 0; start < remote.length; start += BATCH_LIMIT) {
        const chunk = remote.slice(start, start + BATCH_LIMIT);
        const answer = await request('/batch', JSON.stringify(chunk));
        for (const ip of chunk) results.set(ip, parseIpinfoResponse(answer[ip]));
      }
      return results;
    },
  };
}

/**
 * Only the trial call decides between half open and closed, and only while no 429 has reopened the
 * breaker in the meantime. Calls that were already under way when the breaker opened do not count
 * either way: a success that left before a 429 must not cut the pause the server asked for short.
 */
function createBreaker(options: { now: () => number; failureThreshold: number; openMs: number }) {
  let failures = 0;
  let openUntil: number | undefined;
  let trialInFlight = false;

  const state = (): BreakerState => {
    if (openUntil === undefined) return 'closed';
    return options.now() < openUntil ? 'open' : 'half_open';
  };

  const open = (ms = options.openMs) => {
    openUntil = options.now() + ms;
    failures = 0;
    trialInFlight = false;
  };

  return {
    state,
    open,
    /** Throws while open, and while half open once the trial is under way; true for the trial. */
    acquire(): boolean {
      const current = state();
      if (current === 'open' || (current === 'half_open' && trialInFlight)) {
        throw new ProviderError('circuit open', true);
      }
      trialInFlight = current === 'half_open';
      return trialInFlight;
    },
    recordSuccess(trial: boolean) {
      if (trial && trialInFlight) {
        openUntil = undefined;
        trialInFlight = false;
      }
      if (state() === 'closed') failures = 0;
    },
    recordFailure(trial: boolean) {
      if (trial && trialInFlight) open();
      else if (state() === 'closed' && ++failures >= options.failureThreshold) open();
    },
  };
}

/** Retry-After is either delay-seconds or an HTTP date; anything else is ignored. */
function retryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value) - nowMs;
  return Number.isNaN(ms) ? undefined : Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Absent and null both mean "not known"; IPinfo omits what a plan does not include.
const Maybe = <T extends TSchema>(schema: T) => Type.Optional(Type.Union([schema, Type.Null()]));

/** The fields of IPinfo's legacy response that Beacon reads; others are ignored, whatever they hold. */
const IpinfoEntry = Type.Object({
  bogon: Maybe(Type.Boolean()),
  city: Maybe(Type.String()),
  region: Maybe(Type.String()),
  country: Maybe(Type.String()),
  loc: Maybe(Type.String()),
  org: Maybe(Type.String()),
  asn: Maybe(
    Type.Object({
      asn: Maybe(Type.String()),
      name: Maybe(Type.String()),
      domain: Maybe(Type.String()),
      type: Maybe(Type.String()),
    }),
  ),
  company: Maybe(
    Type.Object({ name: Maybe(Type.String()), domain: Maybe(Type.String()), type: Maybe(Type.String()) }),
  ),
  privacy: Maybe(
    Type.Object({
      vpn: Maybe(Type.Boolean()),
      proxy: Maybe(Type.Boolean()),
      tor: Maybe(Type.Boolean()),
      relay: Maybe(Type.Boolean()),
      hosting: Maybe(Type.Boolean()),
      service: Maybe(Type.String()),
    }),
  ),
});

const ipinfoEntry = Compile(IpinfoEntry);

/**
 * One entry of an IPinfo answer as an IpLookup, or null when it carries no usable data. An entry
 * in which any field Beacon reads has the wrong JSON type is rejected whole: the server is not
 * speaking the schema we know, so its other fields cannot be trusted either. A field of the right
 * type with an unusable value (`loc: "nowhere"`, `country: ""`) is only dropped.
 */
export function parseIpinfoResponse(value: unknown): IpLookup | null {
  if (!isRecord(value) || 'error' in value || !ipinfoEntry.Check(value)) return null;
  if (value.bogon === true) return emptyLookup({ bogon: true });
  const { asn, company, privacy } = value;
  const location = parseLoc(value.loc);
  // `org` ("AS15169 Google LLC") is the only AS data on plans without the asn object.
  const org = asn ? undefined : /^(AS\d+)\s+(.+)$/i.exec(value.org?.trim() ?? '');
  const lookup = emptyLookup({
    country: countryCode(value.country),
    region: text(value.region),
    city: text(value.city),
    latitude: location?.latitude ?? null,
    longitude: location?.longitude ?? null,
    asn: asNumber(asn ? asn.asn : org?.[1]),
    asName: asn ? text(asn.name) : text(org?.[2]),
    asDomain: text(asn?.domain),
    asType: text(asn?.type)?.toLowerCase() ?? null,
    companyName: text(company?.name),
    companyDomain: text(company?.domain),
    companyType: text(company?.type)?.toLowerCase() ?? null,
    privacy: {
      vpn: privacy?.vpn === true,
      proxy: privacy?.proxy === true,
      tor: privacy?.tor === true,
      relay: privacy?.relay === true,
      hosting: privacy?.hosting === true,
      service: text(privacy?.service),
    },
  });
  return isEmpty(lookup) ? null : lookup;
}

function text(value: string | null | undefined): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
}

function countryCode(value: string | null | undefined): string | null {
  const code = value?.trim().toUpperCase();
  return code !== undefined && /^[A-Z]{2}$/.test(code) ? code : null;
}

function parseLoc(value: string | null | undefined) {
  const match = /^\s*(-?\d{1,3}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$/.exec(value ?? '');
  if (!match) return undefined;
  const latitude = Number(match[1]);
  const longitude = Number(match[2]);
  return Math.abs(latitude) <= 90 && Math.abs(longitude) <= 180 ? { latitude, longitude } : undefined;
}

/** "AS15169" → 15169; AS numbers are 32-bit and 0 is reserved. */
function asNumber(value: string | null | undefined): number | null {
  const match = /^AS(\d{1,10})$/i.exec(value?.trim() ?? '');
  const asn = match ? Number(match[1]) : 0;
  return asn > 0 && asn < 2 ** 32 ? asn : null;
}

/** An entry such as `{"ip": "1.2.3.4"}` says nothing; null tells the caller the provider knows nothing. */
function isEmpty(lookup: IpLookup): boolean {
  const { privacy, bogon, ...fields } = lookup;
  return (
    !bogon &&
    Object.values(fields).every((field) => field === null) &&
    Object.values(privacy).every((flag) => flag === false || flag === null)
  );
}
