import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { createAccessTokens } from '../tenancy/auth/access-tokens.ts';
import { actorOf, requireActor } from './auth.ts';
import { renderError } from './errors.ts';

const tokens = createAccessTokens({ key: Buffer.alloc(32, 3) });
const actor = { userId: 'user_a', agencyId: 'agency_a', role: 'member' as const, isInstanceAdmin: false };

/** A database that must not be asked: every test here is decided before a query. */
const noDatabase = {
  query: () => Promise.reject(new Error('no query expected')),
};

async function appWith(hook: ReturnType<typeof requireActor>) {
  const app = Fastify();
  app.setErrorHandler(renderError);
  app.get('/whoami', { onRequest: hook }, async (request) => actorOf(request));
  await app.ready();
  return app;
}

describe('requireActor', () => {
  it.each([
    ['{ tokens, db }', requireActor({ tokens, db: noDatabase })],
    ['the deprecated tokens-only form', requireActor(tokens)],
  ])('accepts a valid access token with %s', async (_label, hook) => {
    const app = await appWith(hook);
    const response = await app.inject({
      method: 'GET',
      url: '/whoami',
      headers: { authorization: `Bearer ${tokens.sign({ ...actor, sessionId: 'fam_x' })}` },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ ...actor, sessionId: 'fam_x' });
  });

  it.each([
    ['no header', undefined],
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['an empty bearer', 'Bearer '],
    ['a garbage token', 'Bearer not.a.jwt'],
    ['a malformed API key', 'Bearer bk_not-a-key'],
  ])('answers 401 for %s', async (_label, authorization) => {
    const app = await appWith(requireActor({ tokens, db: noDatabase }));
    const response = await app.inject({
      method: 'GET',
      url: '/whoami',
      headers: authorization === undefined ? {} : { authorization },
    });
    expect(response.statusCode, response.body).toBe(401);
    expect(response.json().error.code).toBe('unauthorized');
  });

  it('the deprecated tokens-only form answers 401 for an API key, without a database to look it up', async () => {
    const app = await appWith(requireActor(tokens));
    const response = await app.inject({
      method: 'GET',
      url: '/whoami',
      headers: { authorization: `Bearer bk_${'a'.repeat(32)}` },
    });
    expect(response.statusCode, response.body).toBe(401);
  });
});
