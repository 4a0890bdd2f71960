import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

const SECRET = 'a secret of at least thirty-two characters';

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      secret: undefined,
      port: 3000,
      host: '0.0.0.0',
      databaseUrl: undefined,
      analyticsDatabaseUrl: undefined,
      databasePoolSize: 10,
      databaseStatementTimeoutMs: 30_000,
      redisUrl: undefined,
      dataDir: path.resolve('./data'),
      admin: undefined,
      trustedProxies: ['loopback'],
      logLevel: 'info',
      ipinfo: { token: undefined, url: 'https://ipinfo.io' },
      mail: { smtpUrl: undefined, from: 'Beacon <beacon@localhost>' },
    });
    expect(config.destinationUrls.ga4).toBe('https://www.google-analytics.com');
  });

  it.each([
    [{ PORT: '8080' }, { port: 8080 }],
    [
      { DATABASE_URL: 'postgres://u:p@db:5432/beacon', BEACON_SECRET: SECRET },
      { databaseUrl: 'postgres://u:p@db:5432/beacon', secret: SECRET },
    ],
    [{ REDIS_URL: 'redis://cache:6379', BEACON_SECRET: SECRET }, { redisUrl: 'redis://cache:6379' }],
    [{ BEACON_SECRET: SECRET }, { secret: SECRET }],
    [
      { TRUSTED_PROXIES: '10.0.0.0/8, 192.168.1.1,::1' },
      { trustedProxies: ['10.0.0.0/8', '192.168.1.1', '::1'] },
    ],
    [
      { BEACON_ADMIN_EMAIL: 'Admin@Example.com', BEACON_ADMIN_PASSWORD: 'long enough!' },
      { admin: { email: 'admin@example.com', password: 'long enough!' } },
    ],
    [
      { IPINFO_URL: 'http://127.0.0.1:9999/' },
      { ipinfo: { token: undefined, url: 'http://127.0.0.1:9999' } },
    ],
    [{ PORT: '' }, { port: 3000, publicUrl: 'http://localhost:3000' }],
    [{ PORT: '8080' }, { publicUrl: 'http://localhost:8080' }],
    [{ BEACON_PUBLIC_URL: 'https://beacon.agency.example/' }, { publicUrl: 'https://beacon.agency.example' }],
    [
      { BEACON_PUBLIC_URL: 'https://agency.example/analytics/' },
      { publicUrl: 'https://agency.example/analytics' },
    ],
    [{ METRICS_TOKEN: 'a-long-scrape-token-1234' }, { metricsToken: 'a-long-scrape-token-1234' }],
    [
      { TRACKING_RATE_LIMIT_IP: '600' },
      { trackingRateLimits: { perIpPerMinute: 600, perSitePerMinute: 300_000 } },
    ],
    [{ DATABASE_STATEMENT_TIMEOUT_MS: '120000' }, { databaseStatementTimeoutMs: 120_000 }],
    [
      { ANALYTICS_DATABASE_URL: 'postgres://reader@replica:5432/beacon' },
      { analyticsDatabaseUrl: 'postgres://reader@replica:5432/beacon' },
    ],
    [
      { SMTP_URL: 'smtp://user:p%40ss@mail.example.com:587' },
      { mail: { smtpUrl: 'smtp://user:p%40ss@mail.example.com:587', from: 'Beacon <beacon@localhost>' } },
    ],
    [
      { SMTP_URL: 'smtps://mail.example.com', MAIL_FROM: 'beacon@agency.example' },
      { mail: { smtpUrl: 'smtps://mail.example.com', from: 'beacon@agency.example' } },
    ],
    [
      { MAIL_FROM: '"Agency, Analytics" <reports@agency.example>' },
      { mail: { smtpUrl: undefined, from: '"Agency, Analytics" <reports@agency.example>' } },
    ],
  ])('parses %j', (env, expected) => {
    expect(loadConfig(env)).toMatchObject(expected);
  });

  describe('robustness to invalid data: a bad value names its setting', () => {
    it.each([
      [{ PORT: 'eighty' }, 'PORT'],
      [{ METRICS_TOKEN: 'short' }, 'METRICS_TOKEN'],
      [{ METRICS_TOKEN: 'has a space inside it' }, 'METRICS_TOKEN'],
      [{ PORT: '70000' }, 'PORT'],
      [{ PORT: '-1' }, 'PORT'],
      [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
      [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL'],
      [{ REDIS_URL: 'http://x' }, 'REDIS_URL'],
      [{ ANALYTICS_DATABASE_URL: 'mysql://replica/beacon' }, 'ANALYTICS_DATABASE_URL'],
      [{ DATABASE_POOL_SIZE: '0' }, 'DATABASE_POOL_SIZE'],
      [{ DATABASE_POOL_SIZE: '1e3' }, 'DATABASE_POOL_SIZE'],
      [{ DATABASE_STATEMENT_TIMEOUT_MS: '0' }, 'DATABASE_STATEMENT_TIMEOUT_MS'],
      [{ DATABASE_STATEMENT_TIMEOUT_MS: '30s' }, 'DATABASE_STATEMENT_TIMEOUT_MS'],
      [{ DATABASE_STATEMENT_TIMEOUT_MS: '3600001' }, 'DATABASE_STATEMENT_TIMEOUT_MS'],
      [{ TRUSTED_PROXIES: 'everyone' }, 'TRUSTED_PROXIES'],
      [{ TRUSTED_PROXIES: '10.0.0.0/33' }, 'TRUSTED_PROXIES'],
      [{ BEACON_SECRET: 'short' }, 'BEACON_SECRET'],
      [{ DATABASE_URL: 'postgres://db/beacon' }, 'BEACON_SECRET'],
      [{ REDIS_URL: 'redis://cache:6379' }, 'BEACON_SECRET'],
      [
        { DATABASE_URL: 'postgres://db/beacon', REDIS_URL: 'redis://cache', BEACON_SECRET: ' ' },
        'BEACON_SECRET',
      ],
      [{ BEACON_ADMIN_EMAIL: 'a@b.co' }, 'BEACON_ADMIN_PASSWORD'],
      [{ BEACON_ADMIN_PASSWORD: 'long enough!' }, 'BEACON_ADMIN_EMAIL'],
      [{ BEACON_ADMIN_EMAIL: 'nobody', BEACON_ADMIN_PASSWORD: 'long enough!' }, 'BEACON_ADMIN_EMAIL'],
      [{ BEACON_ADMIN_EMAIL: 'a@b.co', BEACON_ADMIN_PASSWORD: 'short' }, 'BEACON_ADMIN_PASSWORD'],
      [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
      [{ HOST: 'my host' }, 'HOST'],
      [{ GA4_URL: 'ftp://x' }, 'GA4_URL'],
      [{ SMTP_URL: 'http://mail.example.com' }, 'SMTP_URL'],
      [{ SMTP_URL: 'mail.example.com:587' }, 'SMTP_URL'],
      [{ SMTP_URL: 'smtp://user:pa#ss@mail.example.com' }, 'SMTP_URL'],
      [{ SMTP_URL: 'smtp://mail.example.com:587?pool=true' }, 'SMTP_URL'],
      [{ SMTP_URL: 'smtp://mail.example.com/inbox' }, 'SMTP_URL'],
      [{ BEACON_PUBLIC_URL: 'beacon.agency.example' }, 'BEACON_PUBLIC_URL'],
      [{ BEACON_PUBLIC_URL: 'ftp://beacon.agency.example' }, 'BEACON_PUBLIC_URL'],
      [{ BEACON_PUBLIC_URL: 'https://beacon.agency.example/?x=1' }, 'BEACON_PUBLIC_URL'],
      [{ BEACON_PUBLIC_URL: 'https://user:pw@beacon.agency.example' }, 'BEACON_PUBLIC_URL'],
      [{ MAIL_FROM: 'Beacon' }, 'MAIL_FROM'],
      [{ MAIL_FROM: 'Beacon <beacon>' }, 'MAIL_FROM'],
      [{ MAIL_FROM: 'a@b.example, c@d.example' }, 'MAIL_FROM'],
      [{ MAIL_FROM: 'Beacon <a@b.example>\r\nBcc: x@y.example' }, 'MAIL_FROM'],
    ])('rejects %j naming %s', (env, setting) => {
      let caught: unknown;
      try {
        loadConfig(env);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ConfigError);
      expect((caught as ConfigError).setting).toBe(setting);
      expect((caught as ConfigError).message).toMatch(new RegExp(`^${setting}: `));
    });
  });

  it('says why BEACON_SECRET is required with a shared database or Redis', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://db/beacon' })).toThrow(
      /^BEACON_SECRET: is required with DATABASE_URL: instances sharing it would each generate their own/,
    );
    expect(() => loadConfig({ REDIS_URL: 'redis://cache' })).toThrow(/required with REDIS_URL/);
  });

  it('never repeats SMTP_URL credentials in its error', () => {
    for (const url of ['http://user:hunter22@mail.example.com', 'smtp://user:hunter22@mail.example.com/x']) {
      expect(() => loadConfig({ SMTP_URL: url })).toThrow(ConfigError);
      expect(() => loadConfig({ SMTP_URL: url })).not.toThrow(/hunter22/);
    }
  });
});
