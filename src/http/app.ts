import { randomUUID } from 'node:crypto';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import type { Registry } from 'prom-client';
import type { Pool } from '../db/pool.ts';
import type { Enrichment } from '../enrich/index.ts';
import { registerAnalyticsRoutes } from '../analytics/analytics-routes.ts';
import { registerRealtimeRoutes } from '../analytics/realtime/realtime-routes.ts';
import { registerCompanyRoutes } from '../companies/company-routes.ts';
import { registerDashboardRoutes } from '../dashboard/dashboard-routes.ts';
import { registerReportRoutes } from '../reports/report-routes.ts';
import type { DashboardFiles } from '../dashboard/load-dashboard.ts';
import { registerDestinationRoutes } from '../destinations/destination-routes.ts';
import type { DestinationServices } from '../destinations/destination-services.ts';
import { registerEnrichmentRoutes } from '../enrich/enrichment-routes.ts';
import { registerEventRoutes } from '../ingest/event-routes.ts';
import type { Ingestion } from '../ingest/index.ts';
import { DEFAULT_TRACKING_LIMITS, type TrackingLimits } from '../ingest/accept-events.ts';
import { registerTrackRoutes } from '../ingest/track-routes.ts';
import { registerTrackerRoutes } from '../ingest/tracker-routes.ts';
import type { SharedState } from '../state/interface.ts';
import type { AccessTokens } from '../tenancy/auth/access-tokens.ts';
import { registerAgencyRoutes } from '../tenancy/users/agency-routes.ts';
import { registerApiKeyRoutes } from '../tenancy/api-keys/api-key-routes.ts';
import { registerAuditRoutes } from '../tenancy/audit/audit-routes.ts';
import { registerAuthRoutes } from '../tenancy/auth/auth-routes.ts';
import { registerInvitationRoutes } from '../tenancy/invitations/invitation-routes.ts';
import { createUnconfiguredMailer, type Mailer } from '../tenancy/mailer.ts';
import { registerPasswordResetRoutes } from '../tenancy/auth/password-reset-routes.ts';
import { registerSessionRoutes } from '../tenancy/auth/session-routes.ts';
import { registerSiteRoutes, SITE_CHANGED_CHANNEL } from '../tenancy/sites/site-routes.ts';
import { registerUserRoutes } from '../tenancy/users/user-routes.ts';
import { rateLimitKey } from './client-ip.ts';
import { AppError } from '../errors.ts';
import { errorBody, renderError } from './errors.ts';
import { registerOptOutRoutes } from '../privacy/opt-out-routes.ts';
import { registerPrivacyRoutes } from '../privacy/privacy-routes.ts';
import { registerHealthRoutes } from './health-routes.ts';
import { createMetricsRegistry, instrumentRequests } from './metrics.ts';
import { rateLimitStoreFor } from './rate-limit.ts';
import { ErrorResponse, type App } from './types.ts';
import { createValidatorCompiler } from './validation.ts';

export interface AppDeps {
  db: Pool;
  /** `ANALYTICS_DATABASE_URL`: a read replica report queries run on; the primary when absent. */
  analyticsDb?: Pool;
  state: SharedState;
  tokens: AccessTokens;
  ingestion: Ingestion;
  /** pino logger; tests pass none and get a silent app. */
  logger?: FastifyBaseLogger;
  /** `TRUSTED_PROXIES`: which hops may set X-Forwarded-For. */
  trustedProxies?: string[];
  /** PEM certificate and key: Beacon then speaks HTTPS itself, TLS 1.3 only, with HSTS. */
  tls?: { cert: Buffer; key: Buffer };
  /** TRACKING_RATE_LIMIT_IP / _SITE. */
  trackingLimits?: TrackingLimits;
  /** Largest accepted request body in bytes. */
  bodyLimit?: number;
  /** Prometheus registry shared with components built outside the app (enrichment); made here if absent. */
  metrics?: Registry;
  /** IP enrichment, for its admin statistics route; absent when no provider is configured. */
  enrichment?: Enrichment;
  /** Destinations: the sealer of their credentials, the platforms' URLs, fetch for tests of them. */
  destinations: DestinationServices;
  /** METRICS_TOKEN: protects /metrics with a bearer token when set. */
  metricsToken?: string;
  /** Sends invitations and password resets; default: none configured, which says so in the log. */
  mailer?: Mailer;
  /** BEACON_PUBLIC_URL: where people open the dashboard; the links in mails start with it. */
  publicUrl: string;
  /** The built tracker served as /beacon.js (dist/beacon.js, from `npm run build`). */
  trackerScript: string;
  /** The built dashboard served at / (dist/dashboard, from `npm run build`); absent: an API-only app. */
  dashboard?: DashboardFiles;
}

export const DEFAULT_BODY_LIMIT = 256 * 1024;
const REQUEST_TIMEOUT_MS = 60_000;

/** Builds the whole HTTP app without listening; main.ts listens, tests use inject(). */
export async function buildApp(deps: AppDeps): Promise<App> {
  const app = Fastify({
    ...(deps.tls
      ? { https: { cert: deps.tls.cert, key: deps.tls.key, minVersion: 'TLSv1.3' as const } }
      : {}),
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    trustProxy: deps.trustedProxies ?? ['loopback'],
    bodyLimit: deps.bodyLimit ?? DEFAULT_BODY_LIMIT,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    return503OnClosing: true,
    // A client gets this long to send its whole request; a slow or stalled one (slowloris) then
    // loses its socket instead of holding it. A batch of 1 MB still fits at ~20 KB/s. What a
    // handler waits on is bounded where it waits (PostgreSQL, Redis, providers), not here.
    requestTimeout: REQUEST_TIMEOUT_MS,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(createValidatorCompiler());
  app.decorateRequest('actor', undefined);
  app.decorateRequest('normalizedIp', undefined);
  app.setErrorHandler(renderError);
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send(
        errorBody(
          new AppError('not_found', `No route for ${request.method} ${request.url.split('?')[0]}`),
          request.id,
        ),
      ),
  );
  // A request still running when close() begins would leave its keep-alive connection idle
  // afterwards, and close() waits for idle connections until keepAliveTimeout (72 s): the shutdown
  // would end at its deadline instead. Such replies tell the client to close the connection.
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  // Callback-style hooks on every request: an async one costs a promise and a microtask each time.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  app.addSchema(ErrorResponse);

  await app.register(helmet, {
    // The API serves JSON; /docs (Swagger UI) sets its own CSP through @fastify/swagger-ui.
    contentSecurityPolicy: false,
    crossOriginResourcePolicy: { policy: 'same-site' },
    // Only a response that arrived over TLS may pin the browser to HTTPS.
    hsts: deps.tls ? { maxAge: 31_536_000, includeSubDomains: true } : false,
  });
  await app.register(rateLimit, {
    global: false,
    store: rateLimitStoreFor(deps.state.rateLimits),
    // The shared state falls back to in-process counters while Redis is away, so the store does not
    // fail; should it fail all the same, the request goes on unlimited rather than answering 500:
    // logins keep their per-account lockout in PostgreSQL, and tracking must not lose events.
    skipOnError: true,
    keyGenerator: rateLimitKey,
    errorResponseBuilder: (_request, context) => {
      const error = new AppError(
        'rate_limited',
        `Too many requests; retry in ${Math.ceil(context.ttl / 1000)} s`,
        {
          retryAfterSeconds: Math.ceil(context.ttl / 1000),
        },
      );
      return error;
    },
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Beacon API',
        version: '0.1.0',
        description: 'First-party, server-side tracking: ingestion, management and analytics.',
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, index) => String(json.$id ?? `def-${index}`),
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  const metrics = deps.metrics ?? createMetricsRegistry({ db: deps.db });
  instrumentRequests(app, metrics);

  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  registerHealthRoutes(app, { db: deps.db, state: deps.state, metrics, metricsToken: deps.metricsToken });
  registerAuthRoutes(app, deps);
  registerAgencyRoutes(app, deps);
  registerSiteRoutes(app, deps);
  registerAuditRoutes(app, deps);
  const mailer = deps.mailer ?? createUnconfiguredMailer(app.log);
  registerUserRoutes(app, deps);
  registerInvitationRoutes(app, { ...deps, mailer });
  registerPasswordResetRoutes(app, { ...deps, mailer });
  registerSessionRoutes(app, deps);
  registerApiKeyRoutes(app, deps);
  await registerPrivacyRoutes(app, deps);
  registerOptOutRoutes(app, { db: deps.db, consent: deps.ingestion.consent });
  registerTrackRoutes(app, {
    ingestion: deps.ingestion,
    registry: metrics,
    rateLimits: deps.state.rateLimits,
    limits: deps.trackingLimits ?? DEFAULT_TRACKING_LIMITS,
    sealer: deps.destinations.sealer,
  });
  const unsubscribe = await deps.state.pubsub.subscribe(SITE_CHANGED_CHANNEL, (siteKey) =>
    deps.ingestion.sites.invalidate(siteKey),
  );
  app.addHook('onClose', async () => unsubscribe());
  const dashboard = deps.dashboard && registerDashboardRoutes(app, { files: deps.dashboard });
  registerTrackerRoutes(app, { ...deps, fallback: dashboard?.serveClientRoute });
  registerEnrichmentRoutes(app, { db: deps.db, tokens: deps.tokens, enrichment: deps.enrichment });
  registerEventRoutes(app, deps);
  registerCompanyRoutes(app, deps);
  registerDestinationRoutes(app, deps);
  registerAnalyticsRoutes(app, deps);
  registerReportRoutes(app, deps);
  registerRealtimeRoutes(app, { ...deps, metrics });

  return app;
}
