/**
 * Beacon's API as the dashboard calls it. The access token lives in this object's memory only, never
 * in storage a script could read later; the refresh token is an HttpOnly cookie that only the auth
 * routes receive, and they want the CSRF cookie's value echoed in a header. An answer of 401
 * refreshes the session once and retries; a reload resumes the session the same way.
 */

const CSRF_COOKIE = 'beacon_csrf';
const CSRF_HEADER = 'x-beacon-csrf';

function csrfToken(): string {
  const pair = document.cookie.split('; ').find((cookie) => cookie.startsWith(`${CSRF_COOKIE}=`));
  return pair === undefined ? '' : pair.slice(CSRF_COOKIE.length + 1);
}

export interface User {
  id: string;
  email: string;
  role: string;
}

export interface Session {
  accessToken: string;
  user: User;
}

export interface Site {
  id: string;
  name: string;
  domain: string;
  siteKey: string;
  timezone: string;
}

export interface Metrics {
  visitors: number;
  sessions: number;
  pageviews: number;
  viewsPerSession: number;
  bounceRate: number;
  avgSessionSeconds: number;
  conversions: number;
  conversionRate: number;
}

export interface Overview extends Metrics {
  previous?: Metrics;
}

export interface TimeseriesPoint {
  t: string;
  visitors?: number;
  pageviews?: number;
}

export interface Timeseries {
  interval: 'hour' | 'day' | 'week' | 'month';
  points: TimeseriesPoint[];
  /** With compare=previous: the period of equal length just before, bucket by bucket. */
  previous?: { points: TimeseriesPoint[] };
}

export interface BreakdownRow extends Metrics {
  value: string;
}

export interface Breakdown {
  rows: BreakdownRow[];
  total: number;
}

/**
 * A failed call, with the message Beacon gave (`{ error: { code, message, field? } }`) or what went
 * wrong; `field` names the input a 400 is about (`config.apiSecret`), for a form to show it there.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

async function errorOf(response: Response): Promise<ApiError> {
  const body = (await response.json().catch(() => undefined)) as
    { error?: { code?: string; message?: string; field?: string } } | undefined;
  return new ApiError(
    response.status,
    body?.error?.code ?? 'http_error',
    body?.error?.message ?? `Beacon answered ${response.status} ${response.statusText}`,
    body?.error?.field,
  );
}

/** A JSON answer, or undefined for one without a body (204). */
async function parsed<T>(response: Response): Promise<T> {
  return (response.status === 204 ? undefined : await response.json()) as T;
}

async function send(path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(path, init);
  } catch {
    throw new ApiError(0, 'network_error', 'Beacon cannot be reached: check your connection and try again.');
  }
}

export interface Api {
  session(): Session | undefined;
  /** Resumes the session of the cookie, after a reload; false when there is none to resume. */
  resume(): Promise<boolean>;
  signIn(email: string, password: string): Promise<Session>;
  signOut(): Promise<void>;
  get<T>(path: string, query?: Record<string, string>): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  patch<T>(path: string, body: unknown): Promise<T>;
  delete(path: string): Promise<void>;
  /** A file the API makes (a CSV export), as a Blob for the browser to save. */
  download(path: string, query?: Record<string, string>): Promise<Download>;
}

/** A file, and whether the server cut it short (`x-beacon-truncated`), with the rows it holds. */
export interface Download {
  blob: Blob;
  truncated: boolean;
  rows: number;
}

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** `onSignedOut` runs when the session ended without the user asking (its refresh was refused). */
export function createApi(onSignedOut: () => void): Api {
  let current: Session | undefined;

  const postJson = async (path: string, body: unknown): Promise<Response> =>
    send(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [CSRF_HEADER]: csrfToken() },
      body: JSON.stringify(body),
    });

  const refresh = async (): Promise<boolean> => {
    const response = await postJson('/api/auth/refresh', {});
    if (!response.ok) return false;
    current = (await response.json()) as Session;
    return true;
  };

  /** One API call with the access token; a 401 refreshes the session once and tries again. */
  const call = async (
    path: string,
    method: Method,
    query: Record<string, string> = {},
    body?: unknown,
  ): Promise<Response> => {
    const search = new URLSearchParams(query).toString();
    const url = search === '' ? path : `${path}?${search}`;
    const attempt = () =>
      send(url, {
        method,
        headers: {
          ...(current ? { authorization: `Bearer ${current.accessToken}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    let response = await attempt();
    if (response.status === 401) {
      if (!(await refresh())) {
        current = undefined;
        onSignedOut();
      } else response = await attempt();
    }
    if (!response.ok) throw await errorOf(response);
    return response;
  };

  return {
    session: () => current,

    // No CSRF cookie, no session: asking would only earn a 401 in the console of every fresh visit.
    resume: () => (csrfToken() === '' ? Promise.resolve(false) : refresh().catch(() => false)),

    async signIn(email, password) {
      const response = await postJson('/api/auth/login', { email, password, cookie: true });
      if (!response.ok) throw await errorOf(response);
      current = (await response.json()) as Session;
      return current;
    },

    async signOut() {
      current = undefined;
      await postJson('/api/auth/logout', {}).catch(() => undefined);
    },

    get: async <T>(path: string, query: Record<string, string> = {}) =>
      (await call(path, 'GET', query)).json() as Promise<T>,
    post: async <T>(path: string, body: unknown = {}) => parsed<T>(await call(path, 'POST', {}, body)),
    patch: async <T>(path: string, body: unknown) => parsed<T>(await call(path, 'PATCH', {}, body)),
    delete: async (path: string) => {
      await call(path, 'DELETE');
    },
    download: async (path: string, query: Record<string, string> = {}) => {
      const response = await call(path, 'GET', query);
      return {
        blob: await response.blob(),
        truncated: response.headers.get('x-beacon-truncated') === 'true',
        rows: Number(response.headers.get('x-beacon-rows') ?? Number.NaN),
      };
    },
  };
}
