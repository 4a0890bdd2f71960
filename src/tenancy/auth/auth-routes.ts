import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Pool } from '../../db/pool.ts';
import { actorOf, requireActor } from '../../http/auth.ts';
import { rateLimitKey } from '../../http/client-ip.ts';
import { errorResponses, type App } from '../../http/types.ts';
import type { AccessTokens } from './access-tokens.ts';
import { User, USER_EXAMPLE } from '../users/agency-record.ts';
import { login } from './login.ts';
import { refreshSession } from './refresh-session.ts';
import { REFRESH_TOKEN_TTL_MS, revokeRefreshToken, type ClientMeta } from './refresh-tokens.ts';
import {
  clearedSessionCookies,
  CSRF_COOKIE,
  CSRF_HEADER,
  REFRESH_COOKIE,
  refreshTokenFromCookies,
  sessionCookies,
} from './session-cookies.ts';
import type { Session } from './start-session.ts';

export const LoginBody = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 254, examples: ['owner@agency.example'] }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
    cookie: Type.Optional(
      Type.Boolean({
        description:
          'Set the refresh token as an HttpOnly cookie (with a CSRF cookie) instead of returning it: what the dashboard does',
      }),
    ),
  },
  { examples: [{ email: 'owner@agency.example', password: 'correct horse battery staple' }] },
);

export const SessionResponse = Type.Object(
  {
    accessToken: Type.String({ description: 'JWT, valid for 15 minutes; send as Authorization: Bearer' }),
    refreshToken: Type.Optional(
      Type.String({
        description:
          'Single-use; exchange at /api/auth/refresh for a new pair. Absent when it was set as a cookie instead',
      }),
    ),
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
  {
    refreshToken: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: `Absent: the ${REFRESH_COOKIE} cookie, with the ${CSRF_HEADER} header matching the ${CSRF_COOKIE} cookie`,
      }),
    ),
  },
  { examples: [{ refreshToken: 'rt_xx2kemfnep2zdr1sqjhgqqf033ft5w3g' }] },
);

/** A session answer: the refresh token in the body, or (asked for by the dashboard) in its cookie. */
export function answerSession(reply: FastifyReply, session: Session, inCookie: boolean) {
  if (!inCookie) return session;
  reply.header('set-cookie', sessionCookies(session.refreshToken, REFRESH_TOKEN_TTL_MS));
  return { accessToken: session.accessToken, user: session.user };
}

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
    async (request, reply) => {
      const session = await login({
        db: deps.db,
        tokens: deps.tokens,
        input: request.body,
        meta: metaOf(request),
        address: rateLimitKey(request),
      });
      return answerSession(reply, session, request.body.cookie === true);
    },
  );

  app.post(
    '/api/auth/refresh',
    {
      config: { rateLimit: LOGIN_RATE_LIMIT },
      schema: {
        tags: ['auth'],
        summary: 'Rotate a refresh token: returns a new pair; reusing a spent token revokes the session',
        body: RefreshBody,
        response: { 200: SessionResponse, ...errorResponses(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      const fromBody = request.body.refreshToken;
      const refreshToken = fromBody ?? refreshTokenFromCookies(request.headers);
      const session = await refreshSession({
        db: deps.db,
        tokens: deps.tokens,
        input: { refreshToken },
        meta: metaOf(request),
      });
      return answerSession(reply, session, fromBody === undefined);
    },
  );

  app.post(
    '/api/auth/logout',
    {
      schema: {
        tags: ['auth'],
        summary: 'Revoke the session the refresh token belongs to',
        body: RefreshBody,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const fromBody = request.body.refreshToken;
      await revokeRefreshToken(deps.db, fromBody ?? refreshTokenFromCookies(request.headers));
      if (fromBody === undefined) reply.header('set-cookie', clearedSessionCookies());
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
