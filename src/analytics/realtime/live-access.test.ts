import { describe, expect, it } from 'vitest';
import { addUser, createTenant, useTestApp } from '../../../test/helpers.ts';
import { checkLiveAccess } from './live-access.ts';

const context = useTestApp();

async function createSite(auth: { authorization: string }): Promise<string> {
  const response = await context.app.inject({
    method: 'POST',
    url: '/api/sites',
    headers: auth,
    payload: { name: 'Shop', domain: 'shop.example' },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: string }>().id;
}

const verify = (token: string) => context.tokens.verify(token)!;

describe('checkLiveAccess', () => {
  it('holds for the owner and ends when the site is deleted', async () => {
    const owner = await createTenant(context);
    const siteId = await createSite(owner.auth);
    expect(await checkLiveAccess({ db: context.db, actor: verify(owner.accessToken), siteId })).toBe(true);
    await context.db.query('UPDATE sites SET deleted_at = now() WHERE id = $1', [siteId]);
    expect(await checkLiveAccess({ db: context.db, actor: verify(owner.accessToken), siteId })).toBe(false);
  });

  it('ends for a member taken off the site and for a removed user, while their token is still valid', async () => {
    const owner = await createTenant(context);
    const siteId = await createSite(owner.auth);
    const member = await addUser(context, owner.agencyId, 'member');
    const viewer = await addUser(context, owner.agencyId, 'viewer');
    for (const user of [member, viewer]) {
      await context.db.query('INSERT INTO site_members (site_id, user_id) VALUES ($1, $2)', [
        siteId,
        user.userId,
      ]);
    }
    const memberActor = verify(member.accessToken);
    const viewerActor = verify(viewer.accessToken);
    expect(await checkLiveAccess({ db: context.db, actor: memberActor, siteId })).toBe(true);
    expect(await checkLiveAccess({ db: context.db, actor: viewerActor, siteId })).toBe(true);
    await context.db.query('DELETE FROM site_members WHERE user_id = $1', [member.userId]);
    await context.db.query('DELETE FROM dashboard_users WHERE id = $1', [viewer.userId]);
    expect(await checkLiveAccess({ db: context.db, actor: memberActor, siteId })).toBe(false);
    expect(await checkLiveAccess({ db: context.db, actor: viewerActor, siteId })).toBe(false);
  });

  it('ends for a revoked API key', async () => {
    const owner = await createTenant(context);
    const siteId = await createSite(owner.auth);
    const created = await context.app.inject({
      method: 'POST',
      url: '/api/api-keys',
      headers: owner.auth,
      payload: { name: 'dashboard', scopes: ['read'] },
    });
    const { id: apiKeyId } = created.json<{ id: string }>();
    const actor = {
      userId: owner.userId,
      agencyId: owner.agencyId,
      role: 'viewer' as const,
      isInstanceAdmin: false,
      apiKeyId,
    };
    expect(await checkLiveAccess({ db: context.db, actor, siteId })).toBe(true);
    await context.app.inject({ method: 'DELETE', url: `/api/api-keys/${apiKeyId}`, headers: owner.auth });
    expect(await checkLiveAccess({ db: context.db, actor, siteId })).toBe(false);
  });
});
