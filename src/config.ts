import { isIP } from 'node:net';
import path from 'node:path';
import { isEmailAddress } from './lib/email-address.ts';

/**
 * The only reader of process.env. Every setting is parsed and validated here, once, at start-up;
 * a bad value throws a ConfigError that names the setting, and main.ts prints it and exits.
 */
export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  /** A read replica that report queries run on; unset, they run on the primary. */
  analyticsDatabaseUrl: string | undefined;
  databasePoolSize: number;
  /** Longest an API or job statement may run before PostgreSQL cancels it. */
  databaseStatementTimeoutMs: number;
  redisUrl: string | undefined;
  dataDir: string;
  secret: string | undefined;
  /** The secret before a rotation: values sealed with it still open until `secrets rotate` re-seals them. */
  previousSecret: string | undefined;
  admin: { email: string; password: string } | undefined;
  trustedProxies: string[];
  /** Native HTTPS for deployments without a TLS-terminating proxy: PEM file paths. */
  tls: { certFile: string; keyFile: string } | undefined;
  /** Tracking limits, in events per minute: from one client address (browsers), for one site. */
  trackingRateLimits: { perIpPerMinute: number; perSitePerMinute: number };
  logLevel: LogLevel;
  /** Bearer token /metrics requires; unset: /metrics is open (bind it to a private network then). */
  metricsToken: string | undefined;
  ipinfo: { token: string | undefined; url: string };
  geoipDb: string | undefined;
  /** SMTP_URL unset: mail goes to the log. `smtpUrl` carries the credentials: never log it. */
  mail: { smtpUrl: string | undefined; from: string };
  /**
   * Where people open the dashboard (`https://beacon.agency.example`), for the links mails carry:
   * invitations, password resets, client reports. Unset: `http://localhost:<PORT>`.
   */
  publicUrl: string;
  destinationUrls: {
    ga4: string;
    metaGraph: string;
    googleDataManager: string;
    googleAds: string;
    googleOauthToken: string;
  };
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * A setting that is invalid, thrown here; or one that does not work on this machine (an unreachable
 * DATABASE_URL, a PORT in use), thrown at start-up by what uses it. Either way an expected failure:
 * main.ts prints the message, which names the setting, without a stack.
 */
export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    problem: string,
  ) {
    super(`${setting}: ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

function parsePort(env: Env, name: string, fallback: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 0 || port > 65535) {
    throw new ConfigError(name, `must be a port number between 0 and 65535, got "${raw}"`);
  }
  return port;
}

function parsePositiveInt(env: Env, name: string, fallback: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || value > max) {
    throw new ConfigError(name, `must be a whole number from 1 to ${max}, got "${raw}"`);
  }
  return value;
}

function parseUrl(env: Env, name: string, protocols: string[], fallback?: string): string | undefined {
  const raw = read(env, name) ?? fallback;
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `is not a valid URL`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(' or ')}, got "${url.protocol}"`);
  }
  return raw.replace(/\/+$/, '');
}

/** Accepts addresses and CIDR ranges (`10.0.0.0/8`, `::1`), comma separated, plus `loopback`. */
function parseTrustedProxies(env: Env): string[] {
  const raw = read(env, 'TRUSTED_PROXIES') ?? 'loopback';
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of entries) {
    if (entry === 'loopback') continue;
    const [address, bits, ...rest] = entry.split('/');
    const family = isIP(address ?? '');
    const maxBits = family === 6 ? 128 : 32;
    const bitsOk = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= maxBits);
    if (family === 0 || !bitsOk || rest.length > 0) {
      throw new ConfigError('TRUSTED_PROXIES', `"${entry}" is not an IP address, CIDR range or "loopback"`);
    }
  }
  return entries;
}

function parseAdmin(env: Env): Config['admin'] {
  const email = read(env, 'BEACON_ADMIN_EMAIL');
  const password = env.BEACON_ADMIN_PASSWORD;
  if (email === undefined && !password) return undefined;
  if (email === undefined)
    throw new ConfigError('BEACON_ADMIN_EMAIL', 'is required with BEACON_ADMIN_PASSWORD');
  if (!password) throw new ConfigError('BEACON_ADMIN_PASSWORD', 'is required with BEACON_ADMIN_EMAIL');
  if (!isEmailAddress(email)) {
    throw new ConfigError('BEACON_ADMIN_EMAIL', `"${email}" is not an email address`);
  }
  if (password.length < 10) throw new ConfigError('BEACON_ADMIN_PASSWORD', 'must be at least 10 characters');
  return { email: email.toLowerCase(), password };
}

/** `Name <local@domain>` or a bare `local@domain`, on one line (it becomes a mail header). */
const MAIL_FROM_PATTERN = /^(?:[^<>\r\n]*<[^<>@\s]+@[^<>@\s]+>|[^<>@\s]+@[^<>@\s]+)$/;

function parseMail(env: Env): Config['mail'] {
  const smtpUrl = parseUrl(env, 'SMTP_URL', ['smtp:', 'smtps:']);
  if (smtpUrl !== undefined) {
    const url = new URL(smtpUrl);
    if (url.hostname === '') throw new ConfigError('SMTP_URL', 'must name a host');
    if (url.search !== '' || url.hash !== '' || (url.pathname !== '' && url.pathname !== '/')) {
      throw new ConfigError(
        'SMTP_URL',
        'takes no path, query or fragment: smtp[s]://user:password@host:port (percent-encode / ? # @ : in the password)',
      );
    }
  }
  const from = read(env, 'MAIL_FROM') ?? 'Beacon <beacon@localhost>';
  if (!MAIL_FROM_PATTERN.test(from)) {
    throw new ConfigError(
      'MAIL_FROM',
      `"${from}" is not an address such as "Beacon <beacon@agency.example>"`,
    );
  }
  return { smtpUrl, from };
}

/** An origin, perhaps with a path prefix a proxy serves Beacon under; never a query or fragment. */
function parsePublicUrl(env: Env, port: number): string {
  const value = parseUrl(env, 'BEACON_PUBLIC_URL', ['http:', 'https:'], `http://localhost:${port}`) as string;
  const url = new URL(value);
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new ConfigError(
      'BEACON_PUBLIC_URL',
      'takes no query, fragment or credentials: https://host[:port][/path]',
    );
  }
  return url.href.replace(/\/+$/, '');
}

function parseTls(env: Env): Config['tls'] {
  const certFile = read(env, 'TLS_CERT_FILE');
  const keyFile = read(env, 'TLS_KEY_FILE');
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined) throw new ConfigError('TLS_CERT_FILE', 'is required with TLS_KEY_FILE');
  if (keyFile === undefined) throw new ConfigError('TLS_KEY_FILE', 'is required with TLS_CERT_FILE');
  return { certFile: path.resolve(certFile), keyFile: path.resolve(keyFile) };
}

function parseMetricsToken(env: Env): string | undefined {
  const token = read(env, 'METRICS_TOKEN');
  if (token !== undefined && (token.length < 16 || /\s/.test(token))) {
    throw new ConfigError('METRICS_TOKEN', 'must be at least 16 characters without spaces');
  }
  return token;
}

/**
 * Without BEACON_SECRET each instance generates one into its own data directory. That suits the
 * embedded default, a single process; instances sharing a database or Redis would each have their
 * own, so tokens from one fail on the others and credentials sealed by one cannot be opened by them.
 */
function parseSecret(env: Env, shared: { databaseUrl: string | undefined; redisUrl: string | undefined }) {
  const secret = read(env, 'BEACON_SECRET');
  if (secret !== undefined && secret.length < 32) {
    throw new ConfigError('BEACON_SECRET', 'must be at least 32 characters');
  }
  const sharedSetting = shared.databaseUrl ? 'DATABASE_URL' : shared.redisUrl ? 'REDIS_URL' : undefined;
  if (secret === undefined && sharedSetting !== undefined) {
    throw new ConfigError(
      'BEACON_SECRET',
      `is required with ${sharedSetting}: instances sharing it would each generate their own secret, so ` +
        'tokens signed by one would fail on another and credentials sealed by one could not be opened ' +
        'by another. Set the same value (at least 32 characters, e.g. from `openssl rand -base64 48`) ' +
        'on every instance',
    );
  }
  return secret;
}

export function loadConfig(env: Env = process.env): Config {
  const databaseUrl = parseUrl(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  const redisUrl = parseUrl(env, 'REDIS_URL', ['redis:', 'rediss:']);
  const secret = parseSecret(env, { databaseUrl, redisUrl });
  const logLevel = (read(env, 'LOG_LEVEL') ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  }
  const host = read(env, 'HOST') ?? '0.0.0.0';
  if (isIP(host) === 0 && host !== 'localhost') {
    throw new ConfigError('HOST', `"${host}" is not an IP address or localhost`);
  }
  return {
    port: parsePort(env, 'PORT', 3000),
    host,
    databaseUrl,
    analyticsDatabaseUrl: parseUrl(env, 'ANALYTICS_DATABASE_URL', ['postgres:', 'postgresql:']),
    databasePoolSize: parsePositiveInt(env, 'DATABASE_POOL_SIZE', 10, 200),
    databaseStatementTimeoutMs: parsePositiveInt(env, 'DATABASE_STATEMENT_TIMEOUT_MS', 30_000, 3_600_000),
    redisUrl,
    dataDir: path.resolve(read(env, 'BEACON_DATA_DIR') ?? './data'),
    secret,
    previousSecret: read(env, 'BEACON_PREVIOUS_SECRET'),
    admin: parseAdmin(env),
    trustedProxies: parseTrustedProxies(env),
    tls: parseTls(env),
    trackingRateLimits: {
      perIpPerMinute: parsePositiveInt(env, 'TRACKING_RATE_LIMIT_IP', 2_400, 10_000_000),
      perSitePerMinute: parsePositiveInt(env, 'TRACKING_RATE_LIMIT_SITE', 300_000, 100_000_000),
    },
    logLevel,
    metricsToken: parseMetricsToken(env),
    ipinfo: {
      token: read(env, 'IPINFO_TOKEN'),
      url: parseUrl(env, 'IPINFO_URL', ['http:', 'https:'], 'https://ipinfo.io') as string,
    },
    geoipDb: read(env, 'GEOIP_DB'),
    mail: parseMail(env),
    publicUrl: parsePublicUrl(env, parsePort(env, 'PORT', 3000)),
    destinationUrls: {
      ga4: parseUrl(env, 'GA4_URL', ['http:', 'https:'], 'https://www.google-analytics.com') as string,
      metaGraph: parseUrl(env, 'META_GRAPH_URL', ['http:', 'https:'], 'https://graph.facebook.com') as string,
      googleDataManager: parseUrl(
        env,
        'GOOGLE_DATAMANAGER_URL',
        ['http:', 'https:'],
        'https://datamanager.googleapis.com',
      ) as string,
      googleAds: parseUrl(
        env,
        'GOOGLE_ADS_URL',
        ['http:', 'https:'],
        'https://googleads.googleapis.com',
      ) as string,
      googleOauthToken: parseUrl(
        env,
        'GOOGLE_OAUTH_TOKEN_URL',
        ['http:', 'https:'],
        'https://oauth2.googleapis.com/token',
      ) as string,
    },
  };
}
