import { timingSafeEqual } from 'node:crypto';
import { Gauge, type Registry } from 'prom-client';
import { Type } from 'typebox';
import { pingDatabase, type Pool } from '../db/pool.ts';
import { AppError } from '../errors.ts';
import type { SharedState } from '../state/interface.ts';
import type { App } from './types.ts';

/**
 * /ready answers within this bound even when PostgreSQL stalls: a load balancer's health check must
 * learn that this instance cannot serve, not time out on it.
 */
export const READY_TIMEOUT_MS = 2_000;

/** Whether `header` is `Bearer <token>`, compared in constant time. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const expected = Buffer.from(`Bearer ${token}`);
  const given = Buffer.from(header ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function registerHealthRoutes(
  app: App,
  deps: {
    db: Pool;
    state: SharedState;
    metrics: Registry;
    /** METRICS_TOKEN: when set, /metrics answers only `Authorization: Bearer <token>`. */
    metricsToken?: string;
  },
) {
  new Gauge({
    name: 'beacon_shared_state_degraded',
    help: 'Whether Redis (REDIS_URL) is unreachable and cache, rate limits and pub/sub run in-process (1) or not (0)',
    registers: [deps.metrics],
    collect() {
      this.set(deps.state.degraded() ? 1 : 0);
    },
  });

  app.get(
    '/health',
    {
      schema: {
        tags: ['operations'],
        summary: 'Liveness: 200 while the process runs',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  const Readiness = Type.Object({
    status: Type.Union([Type.Literal('ready'), Type.Literal('unavailable')]),
    checks: Type.Object({ database: Type.Boolean(), state: Type.Boolean() }),
    stateBackend: Type.String(),
  });
  app.get(
    '/ready',
    {
      schema: {
        tags: ['operations'],
        summary: 'Readiness: 200 when PostgreSQL and a configured Redis answer, else 503 (within 2 s)',
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async (_request, reply) => {
      // The state's ping is bounded by the state itself (one Redis call, or none while it is away).
      const [database, state] = await Promise.all([
        pingDatabase(deps.db, READY_TIMEOUT_MS),
        deps.state.ping(),
      ]);
      const ready = database && state;
      return reply.status(ready ? 200 : 503).send({
        status: ready ? 'ready' : 'unavailable',
        checks: { database, state },
        stateBackend: deps.state.backend,
      });
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['operations'],
        summary: 'Prometheus metrics; with METRICS_TOKEN set, only for `Authorization: Bearer <token>`',
        produces: ['text/plain'],
      },
    },
    async (request, reply) => {
      if (
        deps.metricsToken !== undefined &&
        !bearerMatches(request.headers.authorization, deps.metricsToken)
      ) {
        throw new AppError('unauthorized', 'Authorization: Bearer <METRICS_TOKEN> is required');
      }
      reply.header('content-type', deps.metrics.contentType);
      return deps.metrics.metrics();
    },
  );
}
