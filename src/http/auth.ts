import type { FastifyRequest, onRequestHookHandler } from 'fastify';
import type { AccessTokens, Actor } from '../tenancy/access-tokens.ts';
import { AppError } from './errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | undefined;
  }
}

/** onRequest hook for every dashboard API route: a valid `Authorization: Bearer <access token>` or 401. */
export function requireActor(tokens: AccessTokens): onRequestHookHandler {
  return async (request) => {
    const header = request.headers.authorization;
    const match = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header);
    if (match === null) {
      throw new AppError('unauthorized', 'Authorization: Bearer <access token> is required');
    }
    const actor = tokens.verify(match[1]!);
    if (actor === undefined) throw new AppError('unauthorized', 'Access token is invalid or expired');
    request.actor = actor;
  };
}

/** The authenticated actor; only call it in routes guarded by requireActor. */
export function actorOf(request: FastifyRequest): Actor {
  if (request.actor === undefined) throw new AppError('unauthorized', 'Not authenticated');
  return request.actor;
}
