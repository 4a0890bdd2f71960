import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Pool } from '../../db/pool.ts';
import { actorOf, requireActor } from '../../http/auth.ts';
import { rateLimitKey } from '../../http/client-ip.ts';
import { errorResponses, type App } from '../../http/types.ts';
import type { AccessTokens } from './access-tokens.ts';
import { User, USER_EXAMPLE } from '../users/agency-record.ts';
import { login } from './login.ts';
import { refreshSession } from './refresh-session.ts';
import { revokeRefreshToken, type ClientMeta } from './refresh-tokens.ts';

export const LoginBody = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 254, examples: ['owner@agency.example'] }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { examples: [{ email: 'owner@agency.example', password: 'correct horse battery staple' }] },
);

export const SessionResponse = Type.Object(
  {
    accessToken: Type.String({ description: 'JWT, valid for 15 minutes; send as Authorization: Bearer' }),
    refreshToken: Type.String({ description: 'Single-use; exchange at /api/auth/refresh for a new pair' }),
    user: User,
  },
  {
    examples: [
      {
        accessToken:
          'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyXzA2Z3pnam1ucjJnaGY5ZDg3eWh0dHF3NHltIiwiYWlkIjoiYWdlbmN5XzA2Z3pnam1ucjFrOGFxMnp0a2NuZnI2OGJyIiwicm9sZSI6Im93bmVyIiwiYWRtIjpmYWxzZSwiaXNzIjoiYmVhY29uIiwiaWF0IjoxNzk1MTY3MDAwLCJleHAiOjE3OTUxNjc5MDB9.7TXQ9QB_t8FMaBQO809YTxnDfopvdvYVDJGzUcuzTx8',
        refreshToken: 'rt_xx2kemfnep2zdr1sqjhgqqf033ft5w3g',
        user: USER_EXAMPLE,
      },
    ],
  },
);

const RefreshBody = Type.Object(
  { refreshToken: Type.String({ minLength: 1, maxLength: 200 }) },
  { examples: [{ refreshToken: 'rt_xx2kemfnep2zdr1sqjhgqqf033ft5w3g' }] },
);

/**
 * Login attempts per client IP, as the seed architecture sets: 100 per 15 minutes. The other
 * unauthenticated credential routes (refresh, password reset, invitation acceptance) use it too.
 */
export const LOGIN_RATE_LIMIT = { max: 100, timeWindow: 15 * 60 * 1000 };

export function metaOf(request: FastifyRequest): ClientMeta {
  return { ip: request.ip, userAgent: request.headers['user-agent'] };
}

export function registerAuthRoutes(app: App, deps: { db: Pool; tokens: AccessTokens }) {
  app.post(
    '/api/auth/login',
    {
      config: { rateLimit: LOGIN_RATE_LIMIT },
      schema: {
        tags: ['auth'],
        summary: 'Exchange email and password for an access token and a refresh token',
        body: LoginBody,
        response: { 200: SessionResponse, ...errorResponses(400, 401, 429) },
      },
    },
    async (request) =>
      login({
        db: deps.db,
        tokens: deps.tokens,
        input: request.body,
        meta: metaOf(request),
        address: rateLimitKey(request),
      }),
  );

  app.post(
    '/api/auth/refresh',
    {
      config: { rateLimit: LOGIN_RATE_LIMIT },
      schema: {
        tags: ['auth'],
        summary: 'Rotate a refresh token: returns a new pair; reusing a spent token revokes the session',
        body: RefreshBody,
        response: { 200: SessionResponse, ...errorResponses(400, 401, 429) },
      },
    },
    async (request) =>
      refreshSession({ db: deps.db, tokens: deps.tokens, input: request.body, meta: metaOf(request) }),
  );

  app.post(
    '/api/auth/logout',
    {
      schema: {
        tags: ['auth'],
        summary: 'Revoke the session the refresh token belongs to',
        body: RefreshBody,
        response: { 204: Type.Null(), ...errorResponses(400) },
      },
    },
    async (request, reply) => {
      await revokeRefreshToken(deps.db, request.body.refreshToken);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/auth/me',
    {
      onRequest: requireActor(deps),
      schema: {
        tags: ['auth'],
        summary: 'The authenticated user',
        security: [{ bearerAuth: [] }],
        response: {
          200: Type.Object(
            {
              userId: Type.String(),
              agencyId: Type.String(),
              role: Type.String(),
              isInstanceAdmin: Type.Boolean(),
              apiKeyId: Type.Optional(
                Type.String({ description: 'Present when the caller authenticated with an API key' }),
              ),
            },
            {
              examples: [
                {
                  userId: 'user_06gzgjmnr2ghf9d87yhttqw4ym',
                  agencyId: 'agency_06gzgjmnr1k8aq2ztkcnfr68br',
                  role: 'owner',
                  isInstanceAdmin: false,
                },
              ],
            },
          ),
          ...errorResponses(401),
        },
      },
    },
    async (request) => actorOf(request),
  );
}
