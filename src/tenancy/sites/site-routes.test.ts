import { describe, expect, it } from 'vitest';
import { addUser, createTenant, uniqueEmail, useTestApp } from '../../../test/helpers.ts';

const context = useTestApp();

async function createSite(auth: { authorization: string }, payload: unknown) {
  return context.app.inject({ method: 'POST', url: '/api/sites', headers: auth, payload: payload as object });
}

describe('POST /api/sites', () => {
  it('creates a site in the caller agency with a public site key and a secret write key', async () => {
    const tenant = await createTenant(context);
    const response = await createSite(tenant.auth, { name: 'Acme', domain: 'https://WWW.Acme.example/home' });
    expect(response.statusCode, response.body).toBe(201);
    const site = response.json();
    expect(site).toMatchObject({
      id: expect.stringMatching(/^site_/),
      name: 'Acme',
      domain: 'www.acme.example',
      siteKey: expect.stringMatching(/^pk_/),
      writeKey: expect.stringMatching(/^wk_/),
      botPolicy: 'flag',
      allowedDomains: [],
      retentionDays: 90,
    });
    expect(site.writeKeyPrefix).toBe(site.writeKey.slice(0, 8));
    const { rows } = await context.db.query('SELECT agency_id, write_key_hash FROM sites WHERE id = $1', [
      site.id,
    ]);
    expect(rows[0].agency_id).toBe(tenant.agencyId);
    expect(rows[0].write_key_hash).not.toContain(site.writeKey);
  });

  it.each([
    [{ domain: 'acme.example' }, 'name'],
    [{ name: 'Acme' }, 'domain'],
    [{ name: '', domain: 'acme.example' }, 'name'],
    [{ name: 'Acme', domain: 'not a domain' }, 'domain'],
    [{ name: 42, domain: 'acme.example' }, 'name'],
    [{ name: 'Acme', domain: ['acme.example'] }, 'domain'],
  ])('rejects %j naming %s', async (payload, field) => {
    const tenant = await createTenant(context);
    const response = await createSite(tenant.auth, payload);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'validation_failed', field });
  });

  it('counts days in the time zone given at creation, UTC without one, and refuses one that does not exist', async () => {
    const tenant = await createTenant(context);
    const zoned = await createSite(tenant.auth, {
      name: 'Z',
      domain: 'z.example',
      timezone: 'Europe/Berlin',
    });
    expect(zoned.statusCode, zoned.body).toBe(201);
    expect(zoned.json().timezone).toBe('Europe/Berlin');
    const plain = await createSite(tenant.auth, { name: 'U', domain: 'u.example' });
    expect(plain.json().timezone).toBe('UTC');
    const unknown = await createSite(tenant.auth, {
      name: 'M',
      domain: 'm.example',
      timezone: 'Mars/Olympus',
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error).toMatchObject({ code: 'validation_failed', field: 'timezone' });
  });

  it('ignores an agencyId in the body: the tenant comes from the token', async () => {
    const mine = await createTenant(context);
    const theirs = await createTenant(context);
    const response = await createSite(mine.auth, {
      name: 'Sneaky',
      domain: 'sneaky.example',
      agencyId: theirs.agencyId,
    });
    expect(response.statusCode).toBe(201);
    const { rows } = await context.db.query('SELECT agency_id FROM sites WHERE id = $1', [
      response.json().id,
    ]);
    expect(rows[0].agency_id).toBe(mine.agencyId);
  });

  it('forbids a viewer from creating sites', async () => {
    const tenant = await createTenant(context);
    const viewer = await addUser(context, tenant.agencyId, 'viewer');
    const response = await createSite(viewer.auth, { name: 'Nope', domain: 'nope.example' });
    expect(response.statusCode).toBe(403);
    expect(response.json().error.code).toBe('forbidden');
  });
});

describe('GET /api/sites and /api/sites/:siteId', () => {
  it('lists and reads only the caller agency sites; another agency site is 404', async () => {
    const alice = await createTenant(context);
    const bob = await createTenant(context);
    const aliceSite = (await createSite(alice.auth, { name: 'A', domain: 'a.example' })).json();
    const bobSite = (await createSite(bob.auth, { name: 'B', domain: 'b.example' })).json();

    const list = await context.app.inject({ method: 'GET', url: '/api/sites', headers: alice.auth });
    expect(list.json().sites.map((site: { id: string }) => site.id)).toEqual([aliceSite.id]);
    expect(list.json().sites[0]).not.toHaveProperty('writeKey');

    const own = await context.app.inject({
      method: 'GET',
      url: `/api/sites/${aliceSite.id}`,
      headers: alice.auth,
    });
    expect(own.statusCode).toBe(200);
    expect(own.json()).toMatchObject({ id: aliceSite.id, siteKey: aliceSite.siteKey });

    const foreign = await context.app.inject({
      method: 'GET',
      url: `/api/sites/${bobSite.id}`,
      headers: alice.auth,
    });
    const missing = await context.app.inject({
      method: 'GET',
      url: '/api/sites/site_doesnotexist',
      headers: alice.auth,
    });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().error.message).toBe(missing.json().error.message);
  });

  it('lets a client viewer read only the sites assigned to them', async () => {
    const tenant = await createTenant(context);
    const site = (await createSite(tenant.auth, { name: 'A', domain: 'a.example' })).json();
    await createSite(tenant.auth, { name: 'B', domain: 'b.example' });
    const viewer = await addUser(context, tenant.agencyId, 'viewer');
    await context.db.query('INSERT INTO site_members (site_id, user_id) VALUES ($1, $2)', [
      site.id,
      viewer.userId,
    ]);
    const list = await context.app.inject({ method: 'GET', url: '/api/sites', headers: viewer.auth });
    expect(list.json().sites.map((s: { id: string }) => s.id)).toEqual([site.id]);
  });
});

describe('POST /api/agencies', () => {
  it('lets the instance administrator create an agency whose owner can log in', async () => {
    const admin = await createTenant(context, { instanceAdmin: true });
    const email = uniqueEmail('second');
    const response = await context.app.inject({
      method: 'POST',
      url: '/api/agencies',
      headers: admin.auth,
      payload: { name: 'Second agency', owner: { email, password: 'another long password' } },
    });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json()).toMatchObject({
      id: expect.stringMatching(/^agency_/),
      name: 'Second agency',
      owner: { email, role: 'owner', isInstanceAdmin: false },
    });
    const login = await context.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email, password: 'another long password' },
    });
    expect(login.json().user.agencyId).toBe(response.json().id);
  });

  it('forbids an agency owner who is not the instance administrator', async () => {
    const owner = await createTenant(context);
    const response = await context.app.inject({
      method: 'POST',
      url: '/api/agencies',
      headers: owner.auth,
      payload: { name: 'X', owner: { email: uniqueEmail(), password: 'another long password' } },
    });
    expect(response.statusCode).toBe(403);
  });

  it('answers 409 naming owner.email when the email is taken', async () => {
    const admin = await createTenant(context, { instanceAdmin: true });
    const response = await context.app.inject({
      method: 'POST',
      url: '/api/agencies',
      headers: admin.auth,
      payload: { name: 'Dup', owner: { email: admin.email, password: 'another long password' } },
    });
    expect(response.statusCode).toBe(409);
    expect(response.json().error).toMatchObject({ code: 'conflict', field: 'owner.email' });
  });
});

describe('PATCH /api/sites/:siteId', () => {
  it('changes settings, normalising domains, and records it in the audit log', async () => {
    const alias = `js/${Date.now()}-${Math.random().toString(36).slice(2)}.js`;
    const tenant = await createTenant(context);
    const site = (await createSite(tenant.auth, { name: 'A', domain: 'a.example' })).json();
    const response = await context.app.inject({
      method: 'PATCH',
      url: `/api/sites/${site.id}`,
      headers: { ...tenant.auth, 'x-forwarded-for': '198.51.100.7' },
      payload: {
        name: 'Renamed',
        allowedDomains: ['https://Shop.A.example/x', '*.CDN.example'],
        timezone: 'Europe/Berlin',
        botPolicy: 'drop',
        retentionDays: 90,
        cookieless: true,
        companyIdentificationWithoutConsent: true,
        trackerAlias: alias,
      },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({
      name: 'Renamed',
      allowedDomains: ['shop.a.example', '*.cdn.example'],
      timezone: 'Europe/Berlin',
      botPolicy: 'drop',
      retentionDays: 90,
      cookieless: true,
      companyIdentificationWithoutConsent: true,
      trackerAlias: alias,
    });
    const audit = await context.app.inject({ method: 'GET', url: '/api/audit-log', headers: tenant.auth });
    expect(audit.json().entries[0]).toMatchObject({
      action: 'site.update',
      targetId: site.id,
      actorId: tenant.userId,
      actorType: 'user',
      details: { changed: expect.arrayContaining(['name', 'allowed_domains', 'tracker_alias']) },
    });
    expect(audit.json().entries.map((entry: { action: string }) => entry.action)).toContain('site.create');
  });

  it.each([
    [{ timezone: 'Mars/Olympus' }, 'timezone'],
    [{ allowedDomains: ['ok.example', 'not a host'] }, 'allowedDomains.1'],
    [{ retentionDays: 0 }, 'retentionDays'],
    [{ botPolicy: 'block' }, 'botPolicy'],
    [{ companyIdentificationWithoutConsent: 'yes' }, 'companyIdentificationWithoutConsent'],
    [{ trackerAlias: 'api/track.js' }, 'trackerAlias'],
    [{ trackerAlias: '../etc/passwd' }, 'trackerAlias'],
    [{ name: '' }, 'name'],
    [{ siteKey: 'pk_mine' }, 'siteKey'],
  ])('rejects %j naming %s', async (payload, field) => {
    const tenant = await createTenant(context);
    const site = (await createSite(tenant.auth, { name: 'A', domain: 'a.example' })).json();
    const response = await context.app.inject({
      method: 'PATCH',
      url: `/api/sites/${site.id}`,
      headers: tenant.auth,
      payload,
    });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error.field).toBe(field);
  });

  it('answers 409 when another site already uses the tracker alias', async () => {
    const tenant = await createTenant(context);
    const alias = `js/${Date.now()}-${Math.random().toString(36).slice(2)}.js`;
    const first = (await createSite(tenant.auth, { name: 'A', domain: 'a.example' })).json();
    const second = (await createSite(tenant.auth, { name: 'B', domain: 'b.example' })).json();
    await context.app.inject({
      method: 'PATCH',
      url: `/api/sites/${first.id}`,
      headers: tenant.auth,
      payload: { trackerAlias: alias },
    });
    const clash = await context.app.inject({
      method: 'PATCH',
      url: `/api/sites/${second.id}`,
      headers: tenant.auth,
      payload: { trackerAlias: alias },
    });
    expect(clash.statusCode).toBe(409);
    expect(clash.json().error.field).toBe('trackerAlias');
  });

  it('takes effect for ingestion at once: a newly allowed host may send events', async () => {
    const tenant = await createTenant(context);
    const site = (await createSite(tenant.auth, { name: 'A', domain: 'a.example' })).json();
    const send = () =>
      context.app.inject({
        method: 'POST',
        url: '/api/track/event',
        headers: { origin: 'https://partner.example' },
        payload: { site: site.siteKey, type: 'pageview', url: 'https://partner.example/' },
      });
    expect((await send()).statusCode).toBe(403);
    await context.app.inject({
      method: 'PATCH',
      url: `/api/sites/${site.id}`,
      headers: tenant.auth,
      payload: { allowedDomains: ['partner.example'] },
    });
    await expect.poll(async () => (await send()).statusCode).toBe(201);
  });

  it('forbids members and viewers, and hides another agency site', async () => {
    const tenant = await createTenant(context);
    const site = (await createSite(tenant.auth, { name: 'A', domain: 'a.example' })).json();
    const member = await addUser(context, tenant.agencyId, 'member');
    await context.db.query('INSERT INTO site_members (site_id, user_id) VALUES ($1, $2)', [
      site.id,
      member.userId,
    ]);
    const viewer = await addUser(context, tenant.agencyId, 'viewer');
    await context.db.query('INSERT INTO site_members (site_id, user_id) VALUES ($1, $2)', [
      site.id,
      viewer.userId,
    ]);
    const stranger = await createTenant(context);
    const patch = (auth: { authorization: string }) =>
      context.app.inject({
        method: 'PATCH',
        url: `/api/sites/${site.id}`,
        headers: auth,
        payload: { name: 'X' },
      });
    expect((await patch(member.auth)).statusCode).toBe(403);
    expect((await patch(viewer.auth)).statusCode).toBe(403);
    expect((await patch(stranger.auth)).statusCode).toBe(404);
  });
});

describe('DELETE /api/sites/:siteId', () => {
  it('removes the site from the API and stops its tracking', async () => {
    const tenant = await createTenant(context);
    const site = (await createSite(tenant.auth, { name: 'A', domain: 'a.example' })).json();
    const response = await context.app.inject({
      method: 'DELETE',
      url: `/api/sites/${site.id}`,
      headers: tenant.auth,
    });
    expect(response.statusCode).toBe(204);
    expect(
      (await context.app.inject({ method: 'GET', url: `/api/sites/${site.id}`, headers: tenant.auth }))
        .statusCode,
    ).toBe(404);
    await expect
      .poll(
        async () =>
          (
            await context.app.inject({
              method: 'POST',
              url: '/api/track/event',
              headers: { origin: 'https://a.example' },
              payload: { site: site.siteKey, type: 'pageview', url: 'https://a.example/' },
            })
          ).statusCode,
      )
      .toBe(400);
  });
});

describe('POST /api/sites/:siteId/restore', () => {
  const track = (siteKey: string) =>
    context.app.inject({
      method: 'POST',
      url: '/api/track/event',
      headers: { origin: 'https://a.example' },
      payload: { site: siteKey, type: 'pageview', url: 'https://a.example/' },
    });

  it('brings a deleted site back within 30 days: listed until then, tracking resumes, audited', async () => {
    const tenant = await createTenant(context);
    const site = (await createSite(tenant.auth, { name: 'A', domain: 'a.example' })).json();
    await context.app.inject({ method: 'DELETE', url: `/api/sites/${site.id}`, headers: tenant.auth });
    await expect.poll(async () => (await track(site.siteKey)).statusCode).toBe(400);

    const deleted = await context.app.inject({
      method: 'GET',
      url: '/api/sites/deleted',
      headers: tenant.auth,
    });
    expect(deleted.statusCode, deleted.body).toBe(200);
    const [listed] = deleted.json().sites;
    expect(deleted.json().sites).toHaveLength(1);
    expect(listed).toMatchObject({ id: site.id, siteKey: site.siteKey });
    expect(Date.parse(listed.purgeAfter) - Date.parse(listed.deletedAt)).toBe(30 * 24 * 60 * 60 * 1000);

    const restored = await context.app.inject({
      method: 'POST',
      url: `/api/sites/${site.id}/restore`,
      headers: tenant.auth,
    });
    expect(restored.statusCode, restored.body).toBe(200);
    expect(restored.json()).toMatchObject({ id: site.id, siteKey: site.siteKey });
    const read = await context.app.inject({
      method: 'GET',
      url: `/api/sites/${site.id}`,
      headers: tenant.auth,
    });
    expect(read.statusCode).toBe(200);
    await expect.poll(async () => (await track(site.siteKey)).statusCode).toBe(201);
    const again = await context.app.inject({
      method: 'GET',
      url: '/api/sites/deleted',
      headers: tenant.auth,
    });
    expect(again.json().sites).toEqual([]);

    const audit = await context.app.inject({ method: 'GET', url: '/api/audit-log', headers: tenant.auth });
    expect(audit.json().entries[0]).toMatchObject({
      action: 'site.restore',
      targetType: 'site',
      targetId: site.id,
      actorId: tenant.userId,
    });
  });

  it('refuses its members and viewers (403), another agency (404), a live site and one past its grace period (409)', async () => {
    const tenant = await createTenant(context);
    const site = (await createSite(tenant.auth, { name: 'A', domain: 'a.example' })).json();
    const restore = (auth: { authorization: string }, siteId = site.id as string) =>
      context.app.inject({ method: 'POST', url: `/api/sites/${siteId}/restore`, headers: auth });
    const live = await restore(tenant.auth);
    expect(live.statusCode, live.body).toBe(409);

    await context.app.inject({ method: 'DELETE', url: `/api/sites/${site.id}`, headers: tenant.auth });
    const member = await addUser(context, tenant.agencyId, 'member');
    const viewer = await addUser(context, tenant.agencyId, 'viewer');
    for (const user of [member, viewer]) {
      await context.db.query('INSERT INTO site_members (site_id, user_id) VALUES ($1, $2)', [
        site.id,
        user.userId,
      ]);
    }
    const stranger = await createTenant(context);
    expect((await restore(member.auth)).statusCode).toBe(403);
    expect((await restore(viewer.auth)).statusCode).toBe(403);
    expect(
      (await context.app.inject({ method: 'GET', url: '/api/sites/deleted', headers: member.auth }))
        .statusCode,
    ).toBe(403);
    expect((await restore(stranger.auth)).statusCode).toBe(404);
    const strangerList = await context.app.inject({
      method: 'GET',
      url: '/api/sites/deleted',
      headers: stranger.auth,
    });
    expect(strangerList.json().sites).toEqual([]);

    await context.db.query(
      "UPDATE sites SET deleted_at = now() - interval '30 days 1 minute' WHERE id = $1",
      [site.id],
    );
    const late = await restore(tenant.auth);
    expect(late.statusCode, late.body).toBe(409);
    expect(late.json().error.message).toContain('30 days');
    const listed = await context.app.inject({
      method: 'GET',
      url: '/api/sites/deleted',
      headers: tenant.auth,
    });
    expect(listed.json().sites).toEqual([]);
  });
});

describe('members', () => {
  it('see only the sites assigned to them; other sites of their agency are 404', async () => {
    const tenant = await createTenant(context);
    const assigned = (await createSite(tenant.auth, { name: 'Mine', domain: 'mine.example' })).json();
    const other = (await createSite(tenant.auth, { name: 'Other', domain: 'other.example' })).json();
    const member = await addUser(context, tenant.agencyId, 'member');
    await context.db.query('INSERT INTO site_members (site_id, user_id) VALUES ($1, $2)', [
      assigned.id,
      member.userId,
    ]);
    const list = await context.app.inject({ method: 'GET', url: '/api/sites', headers: member.auth });
    expect(list.json().sites.map((site: { id: string }) => site.id)).toEqual([assigned.id]);
    const statusOf = async (url: string) =>
      (await context.app.inject({ method: 'GET', url, headers: member.auth })).statusCode;
    expect(await statusOf(`/api/sites/${other.id}`)).toBe(404);
    expect(await statusOf(`/api/sites/${other.id}/events`)).toBe(404);
    expect(await statusOf(`/api/sites/${assigned.id}/events`)).toBe(200);
  });

  it('may not read the audit log', async () => {
    const tenant = await createTenant(context);
    const member = await addUser(context, tenant.agencyId, 'member');
    expect(
      (await context.app.inject({ method: 'GET', url: '/api/audit-log', headers: member.auth })).statusCode,
    ).toBe(403);
  });
});

describe('site webhooks', () => {
  it('are destinations now: the old setting is refused, naming it', async () => {
    const tenant = await createTenant(context);
    const site = (await createSite(tenant.auth, { name: 'A', domain: 'a.example' })).json();
    const response = await context.app.inject({
      method: 'PATCH',
      url: `/api/sites/${site.id}`,
      headers: tenant.auth,
      payload: { webhooks: [{ url: 'https://hooks.slack.com/services/T000/B000/X' }] },
    });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'validation_failed', field: 'webhooks' });
  });
});
