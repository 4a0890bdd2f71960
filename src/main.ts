import fs from 'node:fs/promises';
import pino from 'pino';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { startCompanyJobs } from './companies/index.ts';
import { createGuardedFetch, sealedWebhookUrls } from './companies/webhook-urls.ts';
import { openDatabase } from './db/open.ts';
import { ensureEventPartitions } from './db/partitions.ts';
import { createEnrichment, loadGeoProviders } from './enrich/index.ts';
import { buildApp } from './http/app.ts';
import { createMetricsRegistry } from './http/metrics.ts';
import { createIngestion } from './ingest/index.ts';
import { EVENT_ID_DEDUP_DAYS, pruneEventIds } from './ingest/prune-event-ids.ts';
import { createCredentialSealer, deriveKey, loadOrCreateSecret } from './lib/secret.ts';
import { createSharedState } from './state/index.ts';
import { createAccessTokens } from './tenancy/auth/access-tokens.ts';
import { ensureBootstrapAdmin, hasAnyUser } from './tenancy/users/bootstrap-admin.ts';
import { createSmtpMailer, smtpServerOf } from './tenancy/mailer.ts';

/** SIGTERM to exit: in-flight requests finish, buffers flush, pools close, all within this bound. */
const SHUTDOWN_DEADLINE_MS = 10_000;
const PARTITION_CHECK_INTERVAL_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

async function start(config: Config) {
  const startedAt = performance.now();
  const log = pino({ level: config.logLevel, base: { service: 'beacon' } });
  // The offline IP data takes about a second to load: do it while the database starts.
  const [database, geoProviders] = await Promise.all([
    openDatabase({
      databaseUrl: config.databaseUrl,
      poolSize: config.databasePoolSize,
      dataDir: config.dataDir,
      log: { info: (msg) => log.info(msg), warn: (msg) => log.warn(msg) },
    }),
    loadGeoProviders({ ipinfo: config.ipinfo, geoipDb: config.geoipDb }),
  ]);
  const state = createSharedState({ redisUrl: config.redisUrl });
  const secret = await loadOrCreateSecret(config.secret, config.dataDir);
  const tokens = createAccessTokens({ key: deriveKey(secret, 'access-tokens') });

  if (config.admin) {
    const outcome = await ensureBootstrapAdmin({ db: database.pool, admin: config.admin });
    if (outcome === 'created') log.info({ email: config.admin.email }, 'created the instance administrator');
  } else if (!(await hasAnyUser(database.pool))) {
    log.warn(
      'no users yet: set BEACON_ADMIN_EMAIL and BEACON_ADMIN_PASSWORD, or run ' +
        'npm run beacon -- admin create --email you@example.com --password <at least 10 characters>',
    );
  }

  const metrics = createMetricsRegistry({ db: database.pool });
  const enrichment = createEnrichment({
    providers: geoProviders,
    sharedCache: state.cache,
    metrics,
    log: { info: (msg) => log.info(msg), warn: (msg) => log.warn(msg) },
  });
  const ingestion = createIngestion({
    db: database.pool,
    writerDb: database.writerPool,
    log,
    ipEnricher: enrichment.enricher,
  });
  const stopBackfill = enrichment.startBackfill({ db: database.pool, log });
  const webhookUrls = sealedWebhookUrls(createCredentialSealer(secret, config.previousSecret));
  const stopCompanyJobs = startCompanyJobs({
    db: database.pool,
    pubsub: state.pubsub,
    fetch: createGuardedFetch(),
    webhookUrls,
    log,
  });
  const partitionTimer = setInterval(() => {
    ensureEventPartitions(database.pool).catch((error: unknown) =>
      log.error({ err: error }, 'could not create event partitions'),
    );
    ingestion.visitorIds
      .pruneSalts()
      .catch((error: unknown) => log.error({ err: error }, 'could not prune salts'));
    pruneEventIds(database.pool, new Date(Date.now() - EVENT_ID_DEDUP_DAYS * DAY_MS)).catch(
      (error: unknown) => log.error({ err: error }, 'could not prune remembered eventIds'),
    );
  }, PARTITION_CHECK_INTERVAL_MS);
  partitionTimer.unref();

  const trackerScript = await readBuiltTracker();
  const app = await buildApp({
    db: database.pool,
    state,
    tokens,
    ingestion,
    metrics,
    enrichment,
    logger: log,
    trustedProxies: config.trustedProxies,
    trackingLimits: config.trackingRateLimits,
    webhookUrls,
    // Without SMTP_URL, buildApp writes mail to the log.
    mailer:
      config.mail.smtpUrl === undefined
        ? undefined
        : createSmtpMailer({ url: config.mail.smtpUrl, from: config.mail.from }),
    tls: config.tls && {
      cert: await fs.readFile(config.tls.certFile),
      key: await fs.readFile(config.tls.keyFile),
    },
    trackerScript,
  });
  await app.listen({ port: config.port, host: config.host });
  log.info(
    {
      database: database.backend,
      state: state.backend,
      mail: config.mail.smtpUrl ? `smtp ${smtpServerOf(config.mail.smtpUrl)}` : 'log',
      startupMs: Math.round(performance.now() - startedAt),
    },
    `Beacon is listening on ${config.tls ? 'https' : 'http'}://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}`,
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      log.error('shutdown took longer than 10 s; exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    clearInterval(partitionTimer);
    // app.close() stops accepting connections and waits for in-flight requests (and onClose hooks,
    // where capabilities flush their buffers) before the stores below go away.
    await app.close();
    await ingestion.writer.close();
    await stopBackfill();
    await stopCompanyJobs();
    enrichment.close();
    await state.close();
    await database.close();
    log.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

/** `npm run build` puts the tracker beside the compiled server (dist/beacon.js). */
async function readBuiltTracker(): Promise<string> {
  const file = new URL('./beacon.js', import.meta.url);
  return fs.readFile(file, 'utf8').catch(() => {
    throw new Error(`the tracker script ${file.pathname} is missing: run npm run build`);
  });
}

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`Beacon cannot start: invalid setting ${error.message}`);
    process.exit(1);
  }
  throw error;
}
start(config).catch((error: unknown) => {
  console.error('Beacon failed to start:', error);
  process.exit(1);
});
