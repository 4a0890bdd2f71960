import { createSigner, createVerifier } from 'fast-jwt';
import type { Role } from '../users/roles.ts';

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;

/** Who is calling: read from a verified access token, never from the request body. */
export interface Actor {
  userId: string;
  agencyId: string;
  role: Role;
  isInstanceAdmin: boolean;
  /** Set when the caller authenticated with a management API key instead of a user session. */
  apiKeyId?: string;
  /** The session (refresh-token family) the access token was issued for; absent for API keys. */
  sessionId?: string;
}

interface Claims {
  sub: string;
  aid: string;
  role: Role;
  adm: boolean;
  sid?: string;
}

export interface AccessTokens {
  sign(actor: Actor): string;
  /** Returns the actor, or undefined for a missing, malformed, forged or expired token. */
  verify(token: string): Actor | undefined;
}

/** `signedAt` backdates the tokens this instance signs (tests of expiry); verification uses the real clock. */
export function createAccessTokens(options: { key: Buffer; signedAt?: number }): AccessTokens {
  const sign = createSigner({
    key: options.key,
    algorithm: 'HS256',
    expiresIn: ACCESS_TOKEN_TTL_SECONDS * 1000,
    iss: 'beacon',
    ...(options.signedAt === undefined ? {} : { clockTimestamp: options.signedAt }),
  });
  const verify = createVerifier({
    key: options.key,
    algorithms: ['HS256'],
    allowedIss: 'beacon',
    cache: 1000,
  });
  return {
    sign(actor) {
      const claims: Claims = {
        sub: actor.userId,
        aid: actor.agencyId,
        role: actor.role,
        adm: actor.isInstanceAdmin,
        ...(actor.sessionId === undefined ? {} : { sid: actor.sessionId }),
      };
      return sign(claims);
    },
    verify(token) {
      try {
        const claims = verify(token) as Partial<Claims>;
        if (
          typeof claims.sub !== 'string' ||
          typeof claims.aid !== 'string' ||
          typeof claims.role !== 'string'
        ) {
          return undefined;
        }
        return {
          userId: claims.sub,
          agencyId: claims.aid,
          role: claims.role,
          isInstanceAdmin: claims.adm === true,
          ...(typeof claims.sid === 'string' ? { sessionId: claims.sid } : {}),
        };
      } catch {
        return undefined;
      }
    },
  };
}
