import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import { createPool, type Pool } from '../src/db/pool.ts';
import type { Registry } from 'prom-client';
import { createEnrichment, loadGeoProviders, type Enrichment } from '../src/enrich/index.ts';
import type { DestinationServices } from '../src/destinations/destination-services.ts';
import type { PlatformUrls } from '../src/destinations/destination-type.ts';
import { createPlatformFetch } from '../src/destinations/platform-fetch.ts';
import { buildApp } from '../src/http/app.ts';
import { createSealer } from '../src/lib/sealed.ts';
import { createMetricsRegistry } from '../src/http/metrics.ts';
import { createIngestion, type Ingestion } from '../src/ingest/index.ts';
import type { TrackingLimits } from '../src/ingest/accept-events.ts';
import type { App } from '../src/http/types.ts';
import { newId } from '../src/lib/ids.ts';
import type { SharedState } from '../src/state/interface.ts';
import { createMemoryState } from '../src/state/memory.ts';
import { createRedisState } from '../src/state/redis.ts';
import { createAccessTokens, type AccessTokens } from '../src/tenancy/auth/access-tokens.ts';
import { createMemoryMailer, type Mailer, type MailMessage } from '../src/tenancy/mailer.ts';
import { hashPassword } from '../src/tenancy/auth/passwords.ts';
import type { TokenPage } from '../src/tenancy/mail-links.ts';
import type { Role } from '../src/tenancy/users/roles.ts';
import { buildTracker } from '../tracker/build.mjs';
import { FAKE_IPINFO_TOKEN } from './fakes/ipinfo-server.ts';
import { loadDashboard } from '../src/dashboard/load-dashboard.ts';

export const TEST_PASSWORD = 'correct horse battery staple';
/** BEACON_PUBLIC_URL of the test apps: the links in their mails start with it. */
export const TEST_PUBLIC_URL = 'https://beacon.test.example';

/** Platform URLs nothing listens on: a test that forwards points them at its fakes. */
export const TEST_PLATFORM_URLS: PlatformUrls = {
  ga4: 'http://127.0.0.1:9',
  metaGraph: 'http://127.0.0.1:9',
  googleDataManager: 'http://127.0.0.1:9',
  googleAds: 'http://127.0.0.1:9',
  googleOauthToken: 'http://127.0.0.1:9/token',
};

/** A pino logger that keeps every line it writes, parsed, for tests that read the log. */
export function capturingLogger(level: pino.Level = 'info'): {
  logger: FastifyBaseLogger;
  lines: Array<Record<string, unknown>>;
} {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, lines };
}

/** The shared-state backends this run can exercise: in-process always, Redis when the run has one. */
export function stateBackends(): Array<{ name: string; create: () => SharedState }> {
  const redisUrl = inject('redisUrl');
  const backends = [{ name: 'in-process', create: createMemoryState }];
  if (redisUrl) {
    backends.push({
      name: 'redis',
      create: () => createRedisState({ url: redisUrl, prefix: `test:${randomBytes(6).toString('hex')}:` }),
    });
  }
  return backends;
}

export interface TestContext {
  app: App;
  db: Pool;
  state: SharedState;
  tokens: AccessTokens;
  key: Buffer;
  ingestion: Ingestion;
  enrichment: Enrichment | undefined;
  /** Messages the app's mailer sent (invitations, password resets), oldest first. */
  mail: MailMessage[];
  /** Destination credentials sealed with a key of this test file; platform URLs as the test set them. */
  destinations: DestinationServices;
}

/**
 * The one-time token a mail carries twice: in the dashboard link (`TEST_PUBLIC_URL/<page>#token=…`)
 * and alone on a line for API users. Undefined when the mail has neither; an error when it has only
 * one, or two that differ.
 */
export function mailedToken(text: string, page: TokenPage): { token: string; link: string } | undefined {
  const link = text.match(/^https?:\/\/\S+$/m)?.[0];
  const line = text.match(/^[A-Za-z0-9_-]{43}$/m)?.[0];
  if (link === undefined && line === undefined) return undefined;
  const expected = `${TEST_PUBLIC_URL}/${page}#token=${line}`;
  if (link !== expected) throw new Error(`the mail's link ${link} is not ${expected}:\n${text}`);
  return { token: line!, link };
}

let tracker: Promise<string> | undefined;

/** The tracker script as `npm run build` makes it; built once per test file. */
export function trackerScript(): Promise<string> {
  tracker ??= buildTracker().then(({ code }) => code);
  return tracker;
}

/**
 * An in-process app on the run's real PostgreSQL, built once per test file. Shared state is Redis
 * when the run has one, so route tests exercise the production backend.
 */
export function useTestApp(
  options: {
    enrichment?: (state: SharedState, metrics: Registry) => Promise<Enrichment>;
    trackingLimits?: TrackingLimits;
    /** Replaces the memory mailer (whose messages `mail` holds), e.g. an SMTP mailer that cannot connect. */
    mailer?: Mailer;
    /** A pino logger for the app, for tests of what it logs; default: a silent app. */
    logger?: FastifyBaseLogger;
    metricsToken?: string;
    /** Platform base URLs (local fakes), read when the app is built. */
    platformUrls?: () => Partial<PlatformUrls>;
    /** Shared state instead of the run's, e.g. a Redis behind a proxy that the test cuts. */
    state?: () => SharedState;
    /** The API's and the writer's pools, e.g. through a proxy that the test freezes; closed after. */
    pools?: () => { pool: Pool; writerPool: Pool };
    /** Serve the built dashboard (dist/dashboard, which the run's global setup builds) at /. */
    dashboard?: boolean;
  } = {},
): TestContext {
  const context = {} as TestContext;
  let writerPool: Pool | undefined;
  beforeAll(async () => {
    const pools = options.pools?.();
    writerPool = pools?.writerPool;
    context.db = pools?.pool ?? createPool({ connectionString: inject('databaseUrl'), max: 4 });
    const backends = stateBackends();
    context.state = options.state?.() ?? backends[backends.length - 1]!.create();
    context.key = randomBytes(32);
    context.destinations = {
      sealer: createSealer({ current: randomBytes(32) }),
      urls: { ...TEST_PLATFORM_URLS, ...options.platformUrls?.() },
      fetch: createPlatformFetch(),
      webhookFetch: fetch,
    };
    context.tokens = createAccessTokens({ key: context.key });
    const metrics = createMetricsRegistry({ db: context.db });
    context.enrichment = await options.enrichment?.(context.state, metrics);
    context.ingestion = createIngestion({
      db: context.db,
      writerDb: writerPool,
      ipEnricher: context.enrichment?.enricher,
    });
    const { mailer: memoryMailer, sent } = createMemoryMailer();
    context.mail = sent;
    context.app = await buildApp({
      db: context.db,
      state: context.state,
      tokens: context.tokens,
      ingestion: context.ingestion,
      metrics,
      enrichment: context.enrichment,
      trackingLimits: options.trackingLimits,
      destinations: context.destinations,
      mailer: options.mailer ?? memoryMailer,
      publicUrl: TEST_PUBLIC_URL,
      logger: options.logger,
      metricsToken: options.metricsToken,
      trackerScript: await trackerScript(),
      dashboard: options.dashboard
        ? await loadDashboard(path.resolve(import.meta.dirname, '..', 'dist', 'dashboard'))
        : undefined,
    });
    await context.app.ready();
  });
  afterAll(async () => {
    await context.app?.close();
    await context.ingestion?.writer.close();
    context.enrichment?.close();
    await context.state?.close();
    await writerPool?.end();
    await context.db?.end();
  });
  return context;
}

export interface TestTenant {
  agencyId: string;
  userId: string;
  email: string;
  accessToken: string;
  auth: { authorization: string };
}

/** A site as route tests use it: its owner, its id and the key its tracker sends. */
export interface TestSite {
  tenant: TestTenant;
  id: string;
  siteKey: string;
}

/** A desktop Chrome, which no bot rule matches. */
export const CHROME_USER_AGENT =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/** A site on shop.example, of `tenant` or of a new agency. */
export async function createTestSite(
  context: TestContext,
  tenant?: TestTenant,
  payload: Record<string, unknown> = { name: 'Shop', domain: 'shop.example' },
): Promise<TestSite> {
  const owner = tenant ?? (await createTenant(context));
  const response = await context.app.inject({
    method: 'POST',
    url: '/api/sites',
    headers: owner.auth,
    payload,
  });
  expect(response.statusCode, response.body).toBe(201);
  return { tenant: owner, id: response.json().id, siteKey: response.json().siteKey };
}

/** Events as a browser on shop.example sends them, analytics consent given unless an event says otherwise. */
export async function trackFromBrowser(
  context: TestContext,
  site: Pick<TestSite, 'siteKey'>,
  events: Array<Record<string, unknown>>,
  userAgent = CHROME_USER_AGENT,
) {
  const response = await context.app.inject({
    method: 'POST',
    url: '/api/track/batch',
    headers: { origin: 'https://shop.example', 'user-agent': userAgent },
    payload: {
      events: events.map((event) => ({ site: site.siteKey, consent: { analytics: true }, ...event })),
    },
  });
  expect(response.statusCode, response.body).toBe(201);
}

export function uniqueEmail(label = 'user'): string {
  return `${label}-${randomBytes(6).toString('hex')}@test.example`;
}

let testPasswordHash: Promise<string> | undefined;
/** One scrypt hash of TEST_PASSWORD per test file: hashing costs ~0.3 s, and tenants are made per test. */
function hashedTestPassword(): Promise<string> {
  testPasswordHash ??= hashPassword(TEST_PASSWORD);
  return testPasswordHash;
}

/**
 * A fresh agency with an owner (password TEST_PASSWORD) and an access token signed by the app's key.
 * Login itself is tested through its route; fixtures skip it to keep each test fast.
 */
export async function createTenant(
  context: TestContext,
  options: { instanceAdmin?: boolean } = {},
): Promise<TestTenant> {
  const agencyId = newId('agency');
  const email = uniqueEmail('owner');
  await context.db.query('INSERT INTO agencies (id, name) VALUES ($1, $2)', [agencyId, `Agency ${email}`]);
  const tenant = await insertUser(context, agencyId, 'owner', email, options.instanceAdmin ?? false);
  return tenant;
}

/** Adds a user with the given role to an existing agency. */
export async function addUser(context: TestContext, agencyId: string, role: Role): Promise<TestTenant> {
  return insertUser(context, agencyId, role, uniqueEmail(role), false);
}

async function insertUser(
  context: TestContext,
  agencyId: string,
  role: Role,
  email: string,
  isInstanceAdmin: boolean,
): Promise<TestTenant> {
  const userId = newId('user');
  await context.db.query(
    `INSERT INTO dashboard_users (id, agency_id, email, password_hash, role, is_instance_admin)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [userId, agencyId, email, await hashedTestPassword(), role, isInstanceAdmin],
  );
  const accessToken = context.tokens.sign({ userId, agencyId, role, isInstanceAdmin });
  return { agencyId, userId, email, accessToken, auth: { authorization: `Bearer ${accessToken}` } };
}

export async function loginAs(context: TestContext, email: string): Promise<string> {
  const response = await context.app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { email, password: TEST_PASSWORD },
  });
  if (response.statusCode !== 200) throw new Error(`login failed: ${response.statusCode} ${response.body}`);
  return response.json<{ accessToken: string }>().accessToken;
}

/**
 * `useTestApp`'s `enrichment` asking the fake IPinfo at `url()` (read when the app starts, after the
 * fake's own `beforeAll`), with no offline database unless `bundledGeoDatabases` asks for Beacon's own.
 */
export function enrichmentWithFakeIpinfo(url: () => string, { bundledGeoDatabases = false } = {}) {
  return async (state: SharedState, metrics: Registry): Promise<Enrichment> =>
    createEnrichment({
      providers: await loadGeoProviders({
        ipinfo: { token: FAKE_IPINFO_TOKEN, url: url() },
        geoipDb: bundledGeoDatabases ? undefined : 'none',
      }),
      sharedCache: state.cache,
      metrics,
      log: { info: () => undefined, warn: () => undefined },
    });
}
