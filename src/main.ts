import fs from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import { fileURLToPath } from 'node:url';
import pino, { type Logger } from 'pino';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { loadDashboard } from './dashboard/load-dashboard.ts';
import { createGuardedFetch } from './destinations/webhook/webhook-urls.ts';
import type { DestinationServices } from './destinations/destination-services.ts';
import { createPlatformFetch } from './destinations/platform-fetch.ts';
import { openAnalyticsPool, openDatabase } from './db/open.ts';
import { createEnrichment, loadGeoProviders } from './enrich/index.ts';
import { buildApp } from './http/app.ts';
import { createMetricsRegistry } from './http/metrics.ts';
import { createIngestion } from './ingest/index.ts';
import { beaconJobs } from './jobs/catalog.ts';
import { createJobRunner } from './jobs/runner.ts';
import { destinationMetrics } from './destinations/destination-metrics.ts';
import { createCredentialSealer, deriveKey, loadOrCreateSecret } from './lib/secret.ts';
import { createLifecycle, settleAll, type Lifecycle } from './lifecycle.ts';
import { createSharedState } from './state/index.ts';
import { forgetAddressesEverywhere } from './privacy/forget-addresses.ts';
import { openSealedIp } from './privacy/erase-from-site.ts';
import { createAccessTokens } from './tenancy/auth/access-tokens.ts';
import { ensureBootstrapAdmin, hasAnyUser } from './tenancy/users/bootstrap-admin.ts';
import { createSmtpMailer, createUnconfiguredMailer, smtpServerOf } from './tenancy/mailer.ts';

/** SIGTERM to exit: in-flight requests finish, buffers flush, pools close, all within this bound. */
const SHUTDOWN_DEADLINE_MS = 10_000;

/**
 * Opens everything in order and listens. Each resource is handed to `lifecycle` as soon as it is
 * open, so a later step that fails (port in use, a bad TLS file) still closes it: the embedded
 * PostgreSQL never outlives a failed start. Checks that cost little run before the database starts.
 * An unreachable REDIS_URL does not stop the start: the shared state runs in-process, says so in the
 * log and in /ready, and moves to Redis once it answers.
 */
async function start(config: Config, log: Logger, lifecycle: Lifecycle) {
  const startedAt = performance.now();
  const tls = config.tls && (await readTlsFiles(config.tls));
  const trackerScript = await readBuiltTracker();
  // `npm run build` puts the dashboard beside the compiled server (dist/dashboard).
  const dashboard = await loadDashboard(fileURLToPath(new URL('./dashboard/', import.meta.url)));

  // The offline IP data takes about a second to load: do it while the database starts.
  const [database, geoProviders] = await settleAll([
    openDatabase({
      databaseUrl: config.databaseUrl,
      poolSize: config.databasePoolSize,
      statementTimeoutMs: config.databaseStatementTimeoutMs,
      dataDir: config.dataDir,
      log: { info: (msg) => log.info(msg), warn: (msg) => log.warn(msg) },
    }).then((opened) => lifecycle.adopt('the database', opened)),
    loadGeoProviders({ ipinfo: config.ipinfo, geoipDb: config.geoipDb }),
  ]);
  const state = lifecycle.adopt(
    'the shared state',
    createSharedState({
      redisUrl: config.redisUrl,
      log: { info: (msg) => log.info(msg), warn: (msg) => log.warn(msg) },
    }),
  );
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

  const analyticsDb =
    config.analyticsDatabaseUrl === undefined
      ? undefined
      : await openAnalyticsPool({
          url: config.analyticsDatabaseUrl,
          poolSize: config.databasePoolSize,
          statementTimeoutMs: config.databaseStatementTimeoutMs,
        }).then((pool) => lifecycle.adopt('the analytics database', { close: () => pool.end(), pool }).pool);

  const metrics = createMetricsRegistry({ db: database.pool });
  const enrichment = lifecycle.adopt(
    'the IP enrichment',
    createEnrichment({
      providers: geoProviders,
      sharedCache: state.cache,
      metrics,
      log: { info: (msg) => log.info(msg), warn: (msg) => log.warn(msg) },
    }),
  );
  const ingestion = createIngestion({
    db: database.pool,
    writerDb: database.writerPool,
    log,
    ipEnricher: enrichment.enricher,
  });
  lifecycle.onStop('the event writer', () => ingestion.writer.close());
  const destinations: DestinationServices = {
    sealer: createCredentialSealer(secret, config.previousSecret),
    urls: config.destinationUrls,
    fetch: createPlatformFetch(),
    webhookFetch: createGuardedFetch(),
  };
  // Without SMTP_URL, nothing is mailed and each message says so in the log.
  const mailer =
    config.mail.smtpUrl === undefined
      ? createUnconfiguredMailer(log)
      : createSmtpMailer({ url: config.mail.smtpUrl, from: config.mail.from });
  const jobs = createJobRunner({
    db: database.pool,
    log,
    catalog: beaconJobs({
      db: database.pool,
      enrichment,
      visitorIds: ingestion.visitorIds,
      pubsub: state.pubsub,
      destinations: {
        ...destinations,
        db: database.pool,
        log,
        observe: destinationMetrics(metrics),
      },
      reports: { mailer, publicUrl: config.publicUrl, log, analyticsDb },
      erasure: {
        db: database.pool,
        openSealedIp: (sealed) => openSealedIp(destinations.sealer, sealed),
        forgetAddresses: forgetAddressesEverywhere({ enrichment, pubsub: state.pubsub }),
      },
      log,
    }),
  });
  lifecycle.onStop('the job runner', () => jobs.stop());
  jobs.start();

  // Closed first: app.close() stops accepting connections and waits for in-flight requests (and
  // onClose hooks, where capabilities flush their buffers) before the stores above go away.
  const app = lifecycle.adopt(
    'the HTTP server',
    await buildApp({
      db: database.pool,
      analyticsDb,
      state,
      tokens,
      ingestion,
      metrics,
      enrichment,
      logger: log,
      trustedProxies: config.trustedProxies,
      trackingLimits: config.trackingRateLimits,
      metricsToken: config.metricsToken,
      destinations,
      mailer,
      publicUrl: config.publicUrl,
      tls,
      trackerScript,
      dashboard,
    }),
  );
  await app.listen({ port: config.port, host: config.host }).catch((error: unknown) => {
    throw listenError(error, config);
  });
  if (config.mail.smtpUrl === undefined) {
    log.warn(
      'mail is off (no SMTP_URL): the instance administrator hands invitation tokens over, and ' +
        'password reset tokens are made with npm run beacon -- password-reset --email <email>',
    );
  }
  log.info(
    {
      database: database.backend,
      state: state.backend,
      mail: config.mail.smtpUrl ? `smtp ${smtpServerOf(config.mail.smtpUrl)}` : 'off',
      startupMs: Math.round(performance.now() - startedAt),
    },
    `Beacon is listening on ${config.tls ? 'https' : 'http'}://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}`,
  );
}

/** The PEM files of TLS_CERT_FILE and TLS_KEY_FILE, checked to be a certificate and its key. */
async function readTlsFiles(files: NonNullable<Config['tls']>) {
  const cert = await readSettingFile('TLS_CERT_FILE', files.certFile);
  const key = await readSettingFile('TLS_KEY_FILE', files.keyFile);
  try {
    createSecureContext({ cert });
  } catch (error) {
    throw new ConfigError(
      'TLS_CERT_FILE',
      `${files.certFile} is not a PEM certificate (${errorText(error)})`,
    );
  }
  try {
    createSecureContext({ cert, key });
  } catch (error) {
    throw new ConfigError(
      'TLS_KEY_FILE',
      `${files.keyFile} is not the PEM key of TLS_CERT_FILE's certificate (${errorText(error)})`,
    );
  }
  return { cert, key };
}

async function readSettingFile(setting: string, file: string): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(setting, code === 'ENOENT' ? `file ${file} not found` : errorText(error));
  }
}

/** `npm run build` puts the tracker beside the compiled server (dist/beacon.js). */
async function readBuiltTracker(): Promise<string> {
  const file = new URL('./beacon.js', import.meta.url);
  return fs.readFile(file, 'utf8').catch(() => {
    throw new Error(`the tracker script ${file.pathname} is missing: run npm run build`);
  });
}

/** What a failed listen says about PORT or HOST; other failures are not theirs. */
function listenError(error: unknown, config: Config): unknown {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'EADDRINUSE':
      return new ConfigError('PORT', `${config.port} is already in use on ${config.host}`);
    case 'EACCES':
      return new ConfigError('PORT', `${config.port} needs privileges this process does not have`);
    case 'EADDRNOTAVAIL':
      return new ConfigError('HOST', `${config.host} is not an address of this machine`);
    default:
      return error;
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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
// Written synchronously, so the lines just before an exit (a failed start, "stopped") come out whole
// and in order; the tracking routes log only warnings, so the hot path does not pay for it.
const log = pino(
  { level: config.logLevel, base: { service: 'beacon' } },
  pino.destination({ dest: 1, sync: true }),
);
const lifecycle = createLifecycle({
  log,
  deadlineMs: SHUTDOWN_DEADLINE_MS,
  exit: (code) => process.exit(code),
});
// `on`, not `once`: with no listener left, a repeated signal would kill the process mid-shutdown.
process.on('SIGTERM', () => lifecycle.stop('SIGTERM'));
process.on('SIGINT', () => lifecycle.stop('SIGINT'));
lifecycle.start(
  () => start(config, log, lifecycle),
  // A setting that does not work here is an expected failure: its message, not a stack.
  (error) =>
    error instanceof ConfigError
      ? console.error(`Beacon cannot start: ${error.message}`)
      : console.error('Beacon failed to start:', error),
);
