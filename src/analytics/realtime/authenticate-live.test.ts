import { describe, expect, it } from 'vitest';
import { createMemoryState } from '../../state/memory.ts';
import type { Actor } from '../../tenancy/auth/access-tokens.ts';
import { authenticateLive } from './authenticate-live.ts';

const owner: Actor = { userId: 'user_1', agencyId: 'agency_1', role: 'owner', isInstanceAdmin: false };
const state = createMemoryState();
const input = {
  siteId: 'site_1',
  cache: state.cache,
  rateLimits: state.rateLimits,
  ticket: undefined,
  urlToken: undefined,
};

describe('authenticateLive', () => {
  it('takes the actor of the Authorization header', async () => {
    expect(await authenticateLive({ ...input, headerActor: owner })).toEqual(owner);
  });

  it('prefers the header to a ticket', async () => {
    expect(await authenticateLive({ ...input, headerActor: owner, ticket: 'some-ticket' })).toEqual(owner);
  });

  it.each<[string, Partial<Parameters<typeof authenticateLive>[0]>, string | undefined]>([
    ['no credential at all', {}, undefined],
    ['an access token in the URL', { urlToken: 'eyJhbGciOi.x.y' }, 'token'],
    ['an API key in the URL, even beside a valid header', { urlToken: 'bk_x', headerActor: owner }, 'token'],
    ['a ticket that was never issued', { ticket: 'made-up' }, 'ticket'],
    ['an empty ticket', { ticket: '' }, 'ticket'],
  ])('refuses %s with 401', async (_case, fields, field) => {
    await expect(authenticateLive({ ...input, headerActor: undefined, ...fields })).rejects.toMatchObject({
      code: 'unauthorized',
      field,
    });
  });
});
