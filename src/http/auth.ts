import type { FastifyRequest, onRequestHookHandler } from 'fastify';
import type { Queryable } from '../db/pool.ts';
import type { AccessTokens, Actor } from '../tenancy/auth/access-tokens.ts';
import { API_KEY_PREFIX } from '../tenancy/api-keys/api-key-record.ts';
import { authenticateApiKey } from '../tenancy/api-keys/authenticate-api-key.ts';
import { AppError } from '../errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | undefined;
  }
}

export interface AuthDeps {
  tokens: AccessTokens;
  /** Resolves management API keys (`bk_…`). */
  db: Queryable;
}

/**
 * onRequest hook for every dashboard API route: `Authorization: Bearer <access token>` or
 * `Authorization: Bearer bk_…` (a management API key), else 401.
 */
export function requireActor(deps: AuthDeps): onRequestHookHandler;
/**
 * @deprecated Pass `{ tokens, db }`. This form accepts access tokens only: an API key answers 401.
 * Kept so route files written against the old signature still compile.
 */
export function requireActor(tokens: AccessTokens): onRequestHookHandler;
export function requireActor(deps: AuthDeps | AccessTokens): onRequestHookHandler {
  const { tokens, db } = 'tokens' in deps ? deps : { tokens: deps, db: undefined };
  return async (request) => {
    const header = request.headers.authorization;
    const match = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header);
    if (match === null) {
      throw new AppError('unauthorized', 'Authorization: Bearer <access token> is required');
    }
    const credential = match[1]!;
    if (credential.startsWith(API_KEY_PREFIX)) {
      const actor = db === undefined ? undefined : await authenticateApiKey({ db, key: credential });
      if (actor === undefined) throw new AppError('unauthorized', 'API key is invalid, revoked or expired');
      request.actor = actor;
      return;
    }
    const actor = tokens.verify(credential);
    if (actor === undefined) throw new AppError('unauthorized', 'Access token is invalid or expired');
    request.actor = actor;
  };
}

/** The authenticated actor; only call it in routes guarded by requireActor. */
export function actorOf(request: FastifyRequest): Actor {
  if (request.actor === undefined) throw new AppError('unauthorized', 'Not authenticated');
  return request.actor;
}
