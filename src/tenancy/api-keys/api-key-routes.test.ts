import { describe, expect, it } from 'vitest';
import { addUser, createTenant, uniqueEmail, useTestApp, type TestTenant } from '../../../test/helpers.ts';
import { sha256Hex } from '../../lib/ids.ts';
import { authenticateApiKey, LAST_USED_RESOLUTION_MS } from './authenticate-api-key.ts';

const context = useTestApp();
type Auth = { authorization: string };

function createKey(auth: Auth, payload: unknown) {
  return context.app.inject({
    method: 'POST',
    url: '/api/api-keys',
    headers: auth,
    payload: payload as object,
  });
}

async function newKey(owner: TestTenant, scopes: string[]): Promise<{ id: string; key: string; auth: Auth }> {
  const response = await createKey(owner.auth, { name: `key ${scopes.join('+')}`, scopes });
  expect(response.statusCode, response.body).toBe(201);
  const { id, key } = response.json();
  return { id, key, auth: { authorization: `Bearer ${key}` } };
}

async function newSite(auth: Auth, name = 'Site') {
  const response = await context.app.inject({
    method: 'POST',
    url: '/api/sites',
    headers: auth,
    payload: { name, domain: `${name.toLowerCase()}.example` },
  });
  return response;
}

function revoke(auth: Auth, apiKeyId: string) {
  return context.app.inject({ method: 'DELETE', url: `/api/api-keys/${apiKeyId}`, headers: auth });
}

describe('POST /api/api-keys', () => {
  it('returns the key once, stores only its prefix and SHA-256, and audits it', async () => {
    const owner = await createTenant(context);
    const response = await createKey(owner.auth, { name: ' Reporting ', scopes: ['write', 'read'] });
    expect(response.statusCode, response.body).toBe(201);
    const created = response.json();
    expect(created).toMatchObject({
      id: expect.stringMatching(/^key_/),
      name: 'Reporting',
      key: expect.stringMatching(/^bk_[0-9a-z]{32}$/),
      scopes: ['read', 'write'],
      createdBy: owner.userId,
      lastUsedAt: null,
      expiresAt: null,
    });
    expect(created.prefix).toBe(created.key.slice(0, 11));
    const { rows } = await context.db.query(
      'SELECT key_prefix, key_hash, agency_id FROM api_keys WHERE id = $1',
      [created.id],
    );
    expect(rows[0]).toEqual({
      key_prefix: created.prefix,
      key_hash: sha256Hex(created.key),
      agency_id: owner.agencyId,
    });
    const audit = await context.db.query(
      'SELECT action, actor_id, details FROM audit_log WHERE target_id = $1',
      [created.id],
    );
    expect(audit.rows).toEqual([
      {
        action: 'api_key.create',
        actor_id: owner.userId,
        details: { name: 'Reporting', scopes: ['read', 'write'], prefix: created.prefix },
      },
    ]);
    expect(JSON.stringify(audit.rows)).not.toContain(created.key);
  });

  it('accepts an expiry in the future', async () => {
    const owner = await createTenant(context);
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const response = await createKey(owner.auth, { name: 'Temp', scopes: ['read'], expiresAt });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json().expiresAt).toBe(expiresAt);
  });

  it.each([
    [{ scopes: ['read'] }, 'name'],
    [{ name: '', scopes: ['read'] }, 'name'],
    [{ name: '   ', scopes: ['read'] }, 'name'],
    [{ name: 'k' }, 'scopes'],
    [{ name: 'k', scopes: [] }, 'scopes'],
    [{ name: 'k', scopes: ['write'] }, 'scopes'],
    [{ name: 'k', scopes: ['read', 'read'] }, 'scopes'],
    [{ name: 'k', scopes: ['admin'] }, 'scopes.0'],
    [{ name: 'k', scopes: 'read' }, 'scopes'],
    [{ name: 'k', scopes: ['read'], expiresAt: 'tomorrow' }, 'expiresAt'],
    [{ name: 'k', scopes: ['read'], expiresAt: '2001-01-01T00:00:00Z' }, 'expiresAt'],
    [{ name: 'k', scopes: ['read'], agencyId: 'agency_x' }, 'agencyId'],
  ])('rejects %j naming %s', async (payload, field) => {
    const owner = await createTenant(context);
    const response = await createKey(owner.auth, payload);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'validation_failed', field });
  });

  it('lets an admin create keys; forbids members and viewers', async () => {
    const owner = await createTenant(context);
    const admin = await addUser(context, owner.agencyId, 'admin');
    expect((await createKey(admin.auth, { name: 'k', scopes: ['read'] })).statusCode).toBe(201);
    for (const role of ['member', 'viewer'] as const) {
      const user = await addUser(context, owner.agencyId, role);
      expect((await createKey(user.auth, { name: 'k', scopes: ['read'] })).statusCode).toBe(403);
    }
  });
});

describe('GET /api/api-keys', () => {
  it("lists the agency's live keys without secrets, with their last use", async () => {
    const owner = await createTenant(context);
    const used = await newKey(owner, ['read']);
    const revoked = await newKey(owner, ['read']);
    await revoke(owner.auth, revoked.id);
    const stranger = await createTenant(context);
    const theirs = await newKey(stranger, ['read']);
    await context.app.inject({ method: 'GET', url: '/api/sites', headers: used.auth });
    const response = await context.app.inject({ method: 'GET', url: '/api/api-keys', headers: owner.auth });
    expect(response.statusCode, response.body).toBe(200);
    const keys = response.json().apiKeys;
    expect(keys.map((key: { id: string }) => key.id)).toEqual([used.id]);
    expect(keys[0].lastUsedAt).toEqual(expect.any(String));
    expect(response.body).not.toContain(used.key);
    expect(response.body).not.toContain(theirs.id);
    expect(keys[0]).not.toHaveProperty('key');
  });

  it('forbids a member (403)', async () => {
    const owner = await createTenant(context);
    const member = await addUser(context, owner.agencyId, 'member');
    const response = await context.app.inject({ method: 'GET', url: '/api/api-keys', headers: member.auth });
    expect(response.statusCode).toBe(403);
  });
});

describe('DELETE /api/api-keys/:apiKeyId', () => {
  it('revokes the key: the next request with it answers 401; it is audited', async () => {
    const owner = await createTenant(context);
    const apiKey = await newKey(owner, ['read', 'write']);
    expect(
      (await context.app.inject({ method: 'GET', url: '/api/sites', headers: apiKey.auth })).statusCode,
    ).toBe(200);
    const response = await revoke(owner.auth, apiKey.id);
    expect(response.statusCode, response.body).toBe(204);
    const after = await context.app.inject({ method: 'GET', url: '/api/sites', headers: apiKey.auth });
    expect(after.statusCode, after.body).toBe(401);
    expect(after.json().error.code).toBe('unauthorized');
    const { rows } = await context.db.query('SELECT action FROM audit_log WHERE target_id = $1 ORDER BY id', [
      apiKey.id,
    ]);
    expect(rows.map((row) => row.action)).toEqual(['api_key.create', 'api_key.revoke']);
    expect((await revoke(owner.auth, apiKey.id)).statusCode, 'already revoked').toBe(404);
  });

  it("answers another agency's key 404 and leaves it working", async () => {
    const owner = await createTenant(context);
    const stranger = await createTenant(context);
    const theirs = await newKey(stranger, ['read']);
    const response = await revoke(owner.auth, theirs.id);
    expect(response.statusCode, response.body).toBe(404);
    expect(
      (await context.app.inject({ method: 'GET', url: '/api/sites', headers: theirs.auth })).statusCode,
    ).toBe(200);
  });

  it('forbids a viewer (403)', async () => {
    const owner = await createTenant(context);
    const viewer = await addUser(context, owner.agencyId, 'viewer');
    const apiKey = await newKey(owner, ['read']);
    expect((await revoke(viewer.auth, apiKey.id)).statusCode).toBe(403);
  });
});

describe('authenticating with an API key', () => {
  it('a read-only key reads every site of its agency and nothing of another', async () => {
    const owner = await createTenant(context);
    const first = (await newSite(owner.auth, 'First')).json();
    const second = (await newSite(owner.auth, 'Second')).json();
    const stranger = await createTenant(context);
    const theirs = (await newSite(stranger.auth, 'Theirs')).json();
    const apiKey = await newKey(owner, ['read']);
    const list = await context.app.inject({ method: 'GET', url: '/api/sites', headers: apiKey.auth });
    expect(list.statusCode, list.body).toBe(200);
    expect(
      list
        .json()
        .sites.map((site: { id: string }) => site.id)
        .sort(),
    ).toEqual([first.id, second.id].sort());
    const events = await context.app.inject({
      method: 'GET',
      url: `/api/sites/${first.id}/events`,
      headers: apiKey.auth,
    });
    expect(events.statusCode, events.body).toBe(200);
    const foreign = await context.app.inject({
      method: 'GET',
      url: `/api/sites/${theirs.id}`,
      headers: apiKey.auth,
    });
    expect(foreign.statusCode).toBe(404);
  });

  it('a read-only key may not write (403)', async () => {
    const owner = await createTenant(context);
    const site = (await newSite(owner.auth)).json();
    const apiKey = await newKey(owner, ['read']);
    expect((await newSite(apiKey.auth, 'Nope')).statusCode).toBe(403);
    const patch = await context.app.inject({
      method: 'PATCH',
      url: `/api/sites/${site.id}`,
      headers: apiKey.auth,
      payload: { name: 'Defaced' },
    });
    expect(patch.statusCode, patch.body).toBe(403);
  });

  it('a read-write key changes sites, and the audit log names the key', async () => {
    const owner = await createTenant(context);
    const apiKey = await newKey(owner, ['read', 'write']);
    const created = await newSite(apiKey.auth, 'ByKey');
    expect(created.statusCode, created.body).toBe(201);
    const patch = await context.app.inject({
      method: 'PATCH',
      url: `/api/sites/${created.json().id}`,
      headers: apiKey.auth,
      payload: { name: 'Renamed by key' },
    });
    expect(patch.statusCode, patch.body).toBe(200);
    const audit = await context.app.inject({ method: 'GET', url: '/api/audit-log', headers: owner.auth });
    expect(audit.json().entries[0]).toMatchObject({
      action: 'site.update',
      actorType: 'api_key',
      actorId: apiKey.id,
    });
    const me = await context.app.inject({ method: 'GET', url: '/api/auth/me', headers: apiKey.auth });
    expect(me.json()).toMatchObject({
      agencyId: owner.agencyId,
      userId: owner.userId,
      role: 'admin',
      isInstanceAdmin: false,
      apiKeyId: apiKey.id,
    });
  });

  it('never manages users, invitations, API keys or sessions, even with write scope (403)', async () => {
    const owner = await createTenant(context);
    const member = await addUser(context, owner.agencyId, 'member');
    const apiKey = await newKey(owner, ['read', 'write']);
    const other = await newKey(owner, ['read']);
    const attempts = [
      { method: 'GET', url: '/api/users' },
      { method: 'PATCH', url: `/api/users/${member.userId}`, payload: { role: 'admin' } },
      { method: 'DELETE', url: `/api/users/${member.userId}` },
      { method: 'POST', url: '/api/invitations', payload: { email: uniqueEmail(), role: 'admin' } },
      { method: 'GET', url: '/api/invitations' },
      { method: 'DELETE', url: '/api/invitations/inv_x' },
      { method: 'POST', url: '/api/api-keys', payload: { name: 'k', scopes: ['read', 'write'] } },
      { method: 'GET', url: '/api/api-keys' },
      { method: 'DELETE', url: `/api/api-keys/${other.id}` },
      { method: 'GET', url: '/api/auth/sessions' },
      { method: 'DELETE', url: '/api/auth/sessions/fam_x' },
      {
        method: 'POST',
        url: '/api/agencies',
        payload: { name: 'X', owner: { email: uniqueEmail(), password: 'long enough password' } },
      },
    ] as const;
    for (const attempt of attempts) {
      const response = await context.app.inject({ ...attempt, headers: apiKey.auth });
      expect(response.statusCode, `${attempt.method} ${attempt.url}: ${response.body}`).toBe(403);
    }
  });

  it('answers 401 for an unknown, malformed, expired or revoked key', async () => {
    const owner = await createTenant(context);
    const expired = await newKey(owner, ['read']);
    await context.db.query("UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1", [
      expired.id,
    ]);
    const revoked = await newKey(owner, ['read']);
    await revoke(owner.auth, revoked.id);
    for (const key of [
      `bk_${'a'.repeat(32)}`,
      'bk_short',
      `bk_${'A'.repeat(32)}`,
      expired.key,
      revoked.key,
    ]) {
      const response = await context.app.inject({
        method: 'GET',
        url: '/api/sites',
        headers: { authorization: `Bearer ${key}` },
      });
      expect(response.statusCode, `${key}: ${response.body}`).toBe(401);
      expect(response.json().error.code).toBe('unauthorized');
    }
  });

  it('stops working when its creator is removed: revoked in the same transaction, audited', async () => {
    const owner = await createTenant(context);
    const admin = await addUser(context, owner.agencyId, 'admin');
    const response = await createKey(admin.auth, { name: 'k', scopes: ['read', 'write'] });
    const { id, key } = response.json();
    const kept = await newKey(owner, ['read']);
    const removal = await context.app.inject({
      method: 'DELETE',
      url: `/api/users/${admin.userId}`,
      headers: owner.auth,
    });
    expect(removal.statusCode, removal.body).toBe(204);
    const me = await context.app.inject({
      method: 'GET',
      url: '/api/auth/me',
      headers: { authorization: `Bearer ${key}` },
    });
    expect(me.statusCode, me.body).toBe(401);
    expect(
      (await context.app.inject({ method: 'GET', url: '/api/sites', headers: kept.auth })).statusCode,
    ).toBe(200);
    const { rows } = await context.db.query(
      "SELECT details FROM audit_log WHERE agency_id = $1 AND action = 'user.delete'",
      [owner.agencyId],
    );
    expect(rows[0].details.revokedApiKeys).toEqual([id]);
  });

  it.each(['member', 'viewer'] as const)(
    'stops working when its creator is demoted to %s; an owner made admin keeps theirs',
    async (role) => {
      const owner = await createTenant(context);
      const admin = await addUser(context, owner.agencyId, 'admin');
      const coOwner = await addUser(context, owner.agencyId, 'owner');
      const adminKey = (await createKey(admin.auth, { name: 'a', scopes: ['read', 'write'] })).json();
      const coOwnerKey = (await createKey(coOwner.auth, { name: 'o', scopes: ['read', 'write'] })).json();
      const demote = (userId: string, to: string) =>
        context.app.inject({
          method: 'PATCH',
          url: `/api/users/${userId}`,
          headers: owner.auth,
          payload: { role: to },
        });
      expect((await demote(admin.userId, role)).statusCode).toBe(200);
      expect((await demote(coOwner.userId, 'admin')).statusCode).toBe(200);
      const sites = (key: string) =>
        context.app.inject({ method: 'GET', url: '/api/sites', headers: { authorization: `Bearer ${key}` } });
      expect((await sites(adminKey.key)).statusCode).toBe(401);
      expect((await sites(coOwnerKey.key)).statusCode).toBe(200);
    },
  );

  it('writes last_used_at at most once a minute', async () => {
    const owner = await createTenant(context);
    const apiKey = await newKey(owner, ['read']);
    const lastUsed = async () =>
      (await context.db.query('SELECT last_used_at FROM api_keys WHERE id = $1', [apiKey.id])).rows[0]
        .last_used_at as Date | null;
    const t0 = Date.now();
    await authenticateApiKey({ db: context.db, key: apiKey.key, now: t0 });
    expect((await lastUsed())?.getTime()).toBe(t0);
    await authenticateApiKey({ db: context.db, key: apiKey.key, now: t0 + LAST_USED_RESOLUTION_MS - 1 });
    expect((await lastUsed())?.getTime()).toBe(t0);
    await authenticateApiKey({ db: context.db, key: apiKey.key, now: t0 + LAST_USED_RESOLUTION_MS });
    expect((await lastUsed())?.getTime()).toBe(t0 + LAST_USED_RESOLUTION_MS);
  });
});
