import { describe, expect, it } from 'vitest';
import { addUser, createTenant, loginAs, useTestApp, type TestTenant } from '../../../test/helpers.ts';

const context = useTestApp();
type Auth = { authorization: string };

async function newSite(auth: Auth, name = 'Site'): Promise<string> {
  const response = await context.app.inject({
    method: 'POST',
    url: '/api/sites',
    headers: auth,
    payload: { name, domain: `${name.toLowerCase()}.example` },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().id;
}

function listUsers(auth: Auth) {
  return context.app.inject({ method: 'GET', url: '/api/users', headers: auth });
}

function patchUser(auth: Auth, userId: string, payload: unknown) {
  return context.app.inject({
    method: 'PATCH',
    url: `/api/users/${userId}`,
    headers: auth,
    payload: payload as object,
  });
}

function removeUser(auth: Auth, userId: string) {
  return context.app.inject({ method: 'DELETE', url: `/api/users/${userId}`, headers: auth });
}

async function auditActions(agencyId: string): Promise<Array<{ action: string; target_id: string }>> {
  const { rows } = await context.db.query(
    'SELECT action, target_id, actor_id, details FROM audit_log WHERE agency_id = $1 ORDER BY id',
    [agencyId],
  );
  return rows;
}

describe('GET /api/users', () => {
  it("lists the agency's users with role and assigned sites, and nobody of another agency", async () => {
    const owner = await createTenant(context);
    const member = await addUser(context, owner.agencyId, 'member');
    const siteId = await newSite(owner.auth);
    await context.db.query('INSERT INTO site_members (site_id, user_id) VALUES ($1, $2)', [
      siteId,
      member.userId,
    ]);
    const stranger = await createTenant(context);
    const response = await listUsers(owner.auth);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().users).toEqual([
      expect.objectContaining({ id: owner.userId, email: owner.email, role: 'owner', siteIds: [] }),
      expect.objectContaining({ id: member.userId, email: member.email, role: 'member', siteIds: [siteId] }),
    ]);
    expect(response.body).not.toContain(stranger.userId);
    expect(response.body).not.toContain('password');
  });

  it('lets an admin list users', async () => {
    const owner = await createTenant(context);
    const admin = await addUser(context, owner.agencyId, 'admin');
    expect((await listUsers(admin.auth)).statusCode).toBe(200);
  });

  it.each(['member', 'viewer'] as const)('forbids a %s (403)', async (role) => {
    const owner = await createTenant(context);
    const user = await addUser(context, owner.agencyId, role);
    const response = await listUsers(user.auth);
    expect(response.statusCode, response.body).toBe(403);
    expect(response.json().error.code).toBe('forbidden');
  });
});

describe('PATCH /api/users/:userId', () => {
  it('changes role and assigned sites and audits the change', async () => {
    const owner = await createTenant(context);
    const member = await addUser(context, owner.agencyId, 'member');
    const first = await newSite(owner.auth, 'First');
    const second = await newSite(owner.auth, 'Second');
    const response = await patchUser(owner.auth, member.userId, {
      role: 'viewer',
      siteIds: [second, first, second],
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({
      id: member.userId,
      role: 'viewer',
      siteIds: [first, second].sort(),
    });
    const sites = await context.app.inject({ method: 'GET', url: '/api/sites', headers: member.auth });
    expect(sites.json().sites).toHaveLength(2);
    expect(await auditActions(owner.agencyId)).toContainEqual(
      expect.objectContaining({
        action: 'user.update',
        target_id: member.userId,
        actor_id: owner.userId,
        details: { role: { from: 'member', to: 'viewer' }, siteIds: [second, first] },
      }),
    );
  });

  it('replaces assignments: an empty list unassigns every site', async () => {
    const owner = await createTenant(context);
    const member = await addUser(context, owner.agencyId, 'member');
    const siteId = await newSite(owner.auth);
    await patchUser(owner.auth, member.userId, { siteIds: [siteId] });
    const response = await patchUser(owner.auth, member.userId, { siteIds: [] });
    expect(response.json().siteIds).toEqual([]);
    const sites = await context.app.inject({ method: 'GET', url: '/api/sites', headers: member.auth });
    expect(sites.json().sites).toEqual([]);
  });

  it.each([
    [{ role: 'king' }, 'role'],
    [{ role: 42 }, 'role'],
    [{ siteIds: 'site_x' }, 'siteIds'],
    [{ siteIds: [42] }, 'siteIds.0'],
    [{ siteIds: [''] }, 'siteIds.0'],
    [{ email: 'new@test.example' }, 'email'],
  ])('rejects %j naming %s', async (payload, field) => {
    const owner = await createTenant(context);
    const member = await addUser(context, owner.agencyId, 'member');
    const response = await patchUser(owner.auth, member.userId, payload);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'validation_failed', field });
  });

  it("refuses another agency's site, a deleted one and an unknown one, naming siteIds.N", async () => {
    const owner = await createTenant(context);
    const member = await addUser(context, owner.agencyId, 'member');
    const mine = await newSite(owner.auth, 'Mine');
    const deleted = await newSite(owner.auth, 'Gone');
    await context.app.inject({ method: 'DELETE', url: `/api/sites/${deleted}`, headers: owner.auth });
    const stranger = await createTenant(context);
    const theirs = await newSite(stranger.auth, 'Theirs');
    for (const [siteIds, field] of [
      [[mine, theirs], 'siteIds.1'],
      [[deleted], 'siteIds.0'],
      [[mine, mine, 'site_unknown'], 'siteIds.2'],
    ] as const) {
      const response = await patchUser(owner.auth, member.userId, { siteIds });
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json().error).toMatchObject({ code: 'validation_failed', field });
    }
    const { rowCount } = await context.db.query('SELECT 1 FROM site_members WHERE user_id = $1', [
      member.userId,
    ]);
    expect(rowCount).toBe(0);
  });

  it('lets an admin manage members and admins, but not touch an owner nor make anyone owner', async () => {
    const owner = await createTenant(context);
    const admin = await addUser(context, owner.agencyId, 'admin');
    const otherAdmin = await addUser(context, owner.agencyId, 'admin');
    const member = await addUser(context, owner.agencyId, 'member');
    expect((await patchUser(admin.auth, member.userId, { role: 'admin' })).statusCode).toBe(200);
    expect((await patchUser(admin.auth, otherAdmin.userId, { role: 'member' })).statusCode).toBe(200);
    const promote = await patchUser(admin.auth, member.userId, { role: 'owner' });
    expect(promote.statusCode, promote.body).toBe(403);
    expect(promote.json().error.field).toBe('role');
    expect((await patchUser(admin.auth, owner.userId, { role: 'member' })).statusCode).toBe(403);
    expect((await patchUser(admin.auth, owner.userId, { siteIds: [] })).statusCode).toBe(403);
    expect((await patchUser(owner.auth, member.userId, { role: 'owner' })).statusCode).toBe(200);
  });

  it('refuses to demote the last owner (409 naming role), and allows it once there is another', async () => {
    const owner = await createTenant(context);
    const refused = await patchUser(owner.auth, owner.userId, { role: 'admin' });
    expect(refused.statusCode, refused.body).toBe(409);
    expect(refused.json().error).toMatchObject({ code: 'conflict', field: 'role' });
    const second = await addUser(context, owner.agencyId, 'owner');
    expect((await patchUser(second.auth, owner.userId, { role: 'admin' })).statusCode).toBe(200);
  });

  it('keeps an owner when two owners demote each other at the same moment', async () => {
    const first = await createTenant(context);
    const second = await addUser(context, first.agencyId, 'owner');
    const responses = await Promise.all([
      patchUser(first.auth, second.userId, { role: 'member' }),
      patchUser(second.auth, first.userId, { role: 'member' }),
    ]);
    expect(responses.map((response) => response.statusCode).sort()).toEqual([200, 403]);
    const { rows } = await context.db.query(
      "SELECT count(*)::int AS owners FROM dashboard_users WHERE agency_id = $1 AND role = 'owner'",
      [first.agencyId],
    );
    expect(rows[0].owners).toBe(1);
  });

  it('keeps an owner when two owners step down at the same moment', async () => {
    const first = await createTenant(context);
    const second = await addUser(context, first.agencyId, 'owner');
    const responses = await Promise.all([
      patchUser(first.auth, first.userId, { role: 'admin' }),
      patchUser(second.auth, second.userId, { role: 'admin' }),
    ]);
    expect(responses.map((response) => response.statusCode).sort()).toEqual([200, 409]);
  });

  it('keeps the instance administrator an owner', async () => {
    const admin = await createTenant(context, { instanceAdmin: true });
    const coOwner = await addUser(context, admin.agencyId, 'owner');
    const response = await patchUser(coOwner.auth, admin.userId, { role: 'admin' });
    expect(response.statusCode, response.body).toBe(403);
  });

  it("answers another agency's user 404, exactly like an unknown one", async () => {
    const owner = await createTenant(context);
    const stranger = await createTenant(context);
    const victim = await addUser(context, stranger.agencyId, 'member');
    const foreign = await patchUser(owner.auth, victim.userId, { role: 'viewer' });
    const unknown = await patchUser(owner.auth, 'user_unknown', { role: 'viewer' });
    expect(foreign.statusCode, foreign.body).toBe(404);
    expect(foreign.json().error.message).toBe(unknown.json().error.message);
    const { rows } = await context.db.query('SELECT role FROM dashboard_users WHERE id = $1', [
      victim.userId,
    ]);
    expect(rows[0].role).toBe('member');
  });

  it.each(['member', 'viewer'] as const)('forbids a %s (403)', async (role) => {
    const owner = await createTenant(context);
    const user = await addUser(context, owner.agencyId, role);
    const target = await addUser(context, owner.agencyId, 'viewer');
    expect((await patchUser(user.auth, target.userId, { role: 'member' })).statusCode).toBe(403);
  });

  it('goes by the role in the database, not the one in a still valid access token', async () => {
    const owner = await createTenant(context);
    const admin = await addUser(context, owner.agencyId, 'admin');
    const member = await addUser(context, owner.agencyId, 'member');
    await patchUser(owner.auth, admin.userId, { role: 'viewer' });
    const response = await patchUser(admin.auth, member.userId, { role: 'admin' });
    expect(response.statusCode, response.body).toBe(403);
  });
});

describe('DELETE /api/users/:userId', () => {
  async function signedInMember(owner: TestTenant) {
    const member = await addUser(context, owner.agencyId, 'member');
    const login = await context.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: member.email, password: 'correct horse battery staple' },
    });
    return { member, refreshToken: login.json().refreshToken as string };
  }

  it('removes the user, ends their sessions and audits it', async () => {
    const owner = await createTenant(context);
    const { member, refreshToken } = await signedInMember(owner);
    const response = await removeUser(owner.auth, member.userId);
    expect(response.statusCode, response.body).toBe(204);
    const refresh = await context.app.inject({
      method: 'POST',
      url: '/api/auth/refresh',
      payload: { refreshToken },
    });
    expect(refresh.statusCode).toBe(401);
    await expect(loginAs(context, member.email)).rejects.toThrow(/401/);
    expect((await listUsers(owner.auth)).json().users.map((user: { id: string }) => user.id)).toEqual([
      owner.userId,
    ]);
    expect(await auditActions(owner.agencyId)).toContainEqual(
      expect.objectContaining({ action: 'user.delete', target_id: member.userId, actor_id: owner.userId }),
    );
  });

  it('refuses to remove the last owner (409)', async () => {
    const owner = await createTenant(context);
    const response = await removeUser(owner.auth, owner.userId);
    expect(response.statusCode, response.body).toBe(409);
  });

  it('lets an admin remove a member but not an owner', async () => {
    const owner = await createTenant(context);
    const admin = await addUser(context, owner.agencyId, 'admin');
    const member = await addUser(context, owner.agencyId, 'member');
    expect((await removeUser(admin.auth, owner.userId)).statusCode).toBe(403);
    expect((await removeUser(admin.auth, member.userId)).statusCode).toBe(204);
  });

  it("answers another agency's user 404 and leaves them be", async () => {
    const owner = await createTenant(context);
    const stranger = await createTenant(context);
    const response = await removeUser(owner.auth, stranger.userId);
    expect(response.statusCode, response.body).toBe(404);
    const { rowCount } = await context.db.query('SELECT 1 FROM dashboard_users WHERE id = $1', [
      stranger.userId,
    ]);
    expect(rowCount).toBe(1);
  });

  it.each(['member', 'viewer'] as const)('forbids a %s (403)', async (role) => {
    const owner = await createTenant(context);
    const user = await addUser(context, owner.agencyId, role);
    const target = await addUser(context, owner.agencyId, 'viewer');
    expect((await removeUser(user.auth, target.userId)).statusCode).toBe(403);
  });

  it('keeps the instance administrator', async () => {
    const admin = await createTenant(context, { instanceAdmin: true });
    const coOwner = await addUser(context, admin.agencyId, 'owner');
    expect((await removeUser(coOwner.auth, admin.userId)).statusCode).toBe(403);
  });
});

describe('a demotion or removal stops writes at once, while the access token is still valid', () => {
  function patchSite(auth: Auth, siteId: string) {
    return context.app.inject({
      method: 'PATCH',
      url: `/api/sites/${siteId}`,
      headers: auth,
      payload: { name: 'Renamed' },
    });
  }

  it.each(['member', 'viewer'] as const)(
    'an admin demoted to %s gets 403 on PATCH /api/sites/:siteId and POST /api/sites',
    async (role) => {
      const owner = await createTenant(context);
      const siteId = await newSite(owner.auth);
      const admin = await addUser(context, owner.agencyId, 'admin');
      expect((await patchSite(admin.auth, siteId)).statusCode).toBe(200);
      expect((await patchUser(owner.auth, admin.userId, { role, siteIds: [siteId] })).statusCode).toBe(200);
      const patch = await patchSite(admin.auth, siteId);
      expect(patch.statusCode, patch.body).toBe(403);
      const create = await context.app.inject({
        method: 'POST',
        url: '/api/sites',
        headers: admin.auth,
        payload: { name: 'New', domain: 'new.example' },
      });
      expect(create.statusCode, create.body).toBe(403);
      const { rows } = await context.db.query('SELECT name FROM sites WHERE id = $1', [siteId]);
      expect(rows[0].name).toBe('Renamed');
      const { rowCount } = await context.db.query(
        "SELECT 1 FROM audit_log WHERE agency_id = $1 AND action = 'site.create'",
        [owner.agencyId],
      );
      expect(rowCount, 'only the owner created a site').toBe(1);
    },
  );

  it('a removed admin gets 401 on PATCH and DELETE /api/sites/:siteId', async () => {
    const owner = await createTenant(context);
    const siteId = await newSite(owner.auth);
    const admin = await addUser(context, owner.agencyId, 'admin');
    expect((await removeUser(owner.auth, admin.userId)).statusCode).toBe(204);
    const patch = await patchSite(admin.auth, siteId);
    expect(patch.statusCode, patch.body).toBe(401);
    const remove = await context.app.inject({
      method: 'DELETE',
      url: `/api/sites/${siteId}`,
      headers: admin.auth,
    });
    expect(remove.statusCode, remove.body).toBe(401);
  });

  it('a member demoted to viewer may no longer hide a company of an assigned site', async () => {
    const owner = await createTenant(context);
    const siteId = await newSite(owner.auth);
    const member = await addUser(context, owner.agencyId, 'member');
    await patchUser(owner.auth, member.userId, { siteIds: [siteId] });
    await patchUser(owner.auth, member.userId, { role: 'viewer' });
    const response = await context.app.inject({
      method: 'POST',
      url: `/api/sites/${siteId}/companies/cmp_unknown/hide`,
      headers: member.auth,
    });
    expect(response.statusCode, response.body).toBe(403);
  });

  it('a promotion lets the user write at once', async () => {
    const owner = await createTenant(context);
    const siteId = await newSite(owner.auth);
    const member = await addUser(context, owner.agencyId, 'member');
    await patchUser(owner.auth, member.userId, { role: 'admin' });
    const patch = await patchSite(member.auth, siteId);
    expect(patch.statusCode, patch.body).toBe(200);
  });
});
