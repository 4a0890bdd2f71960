import { Type } from 'typebox';
import type { Queryable } from '../db/pool.ts';
import { AppError } from '../errors.ts';
import { actorOf, requireActor } from '../http/auth.ts';
import { errorResponses, type App } from '../http/types.ts';
import type { AccessTokens } from '../tenancy/auth/access-tokens.ts';
import { hitRate, type Enrichment } from './index.ts';

const Tier = Type.Object({ hits: Type.Integer(), misses: Type.Integer() });

export const EnrichmentStatsResponse = Type.Object(
  {
    enabled: Type.Boolean(),
    providers: Type.Array(Type.String()),
    hitRate: Type.Number({ description: 'Share of lookups answered by the in-process or shared tier' }),
    local: Tier,
    shared: Tier,
    provider: Type.Object({
      batches: Type.Integer(),
      addresses: Type.Integer(),
      errors: Type.Integer(),
      meanLatencyMs: Type.Number(),
    }),
    singleFlightJoins: Type.Integer(),
    negativeHits: Type.Integer(),
    fallbackAnswers: Type.Integer(),
    pendingReturned: Type.Integer({
      description: 'Events stored as pending because the lookup missed its budget',
    }),
  },
  {
    examples: [
      {
        enabled: true,
        providers: ['ipinfo', 'mmdb: /var/lib/beacon/ipinfo_lite.mmdb'],
        hitRate: 0.962,
        local: { hits: 184_220, misses: 9_874 },
        shared: { hits: 2_371, misses: 7_503 },
        provider: { batches: 1_204, addresses: 7_503, errors: 3, meanLatencyMs: 41.7 },
        singleFlightJoins: 612,
        negativeHits: 18,
        fallbackAnswers: 3,
        pendingReturned: 27,
      },
    ],
  },
);

export function registerEnrichmentRoutes(
  app: App,
  deps: { db: Queryable; tokens: AccessTokens; enrichment: Enrichment | undefined },
) {
  app.get(
    '/api/admin/enrichment/stats',
    {
      onRequest: requireActor(deps),
      schema: {
        tags: ['admin'],
        summary: 'IP enrichment cache tiers and provider statistics (instance administrator only)',
        security: [{ bearerAuth: [] }],
        response: { 200: EnrichmentStatsResponse, ...errorResponses(401, 403) },
      },
    },
    async (request) => {
      if (!actorOf(request).isInstanceAdmin) {
        throw new AppError('forbidden', 'Only the instance administrator may read enrichment statistics');
      }
      const stats = deps.enrichment?.service?.stats();
      const calls = stats?.providerCalls;
      return {
        enabled: stats !== undefined,
        providers: deps.enrichment?.providers ?? [],
        hitRate: stats ? hitRate(stats) : 0,
        local: stats?.local ?? { hits: 0, misses: 0 },
        shared: stats?.shared ?? { hits: 0, misses: 0 },
        provider: {
          batches: calls?.batches ?? 0,
          addresses: calls?.addresses ?? 0,
          errors: calls?.errors ?? 0,
          meanLatencyMs: calls && calls.batches > 0 ? calls.totalMs / calls.batches : 0,
        },
        singleFlightJoins: stats?.singleFlightJoins ?? 0,
        negativeHits: stats?.negativeHits ?? 0,
        fallbackAnswers: stats?.fallbackAnswers ?? 0,
        pendingReturned: stats?.pendingReturned ?? 0,
      };
    },
  );
}
