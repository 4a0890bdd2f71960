import { describe, expect, it } from 'vitest';
import { addUser, createTenant, useTestApp, type TestTenant } from '../../../test/helpers.ts';

const context = useTestApp();

async function call(method: 'GET' | 'POST' | 'PATCH', url: string, tenant: TestTenant, payload?: object) {
  return context.app.inject({ method, url, headers: tenant.auth, ...(payload ? { payload } : {}) });
}

/** An agency with two sites, one renamed, and a member whose role changed: five audited writes. */
async function agencyWithHistory() {
  const owner = await createTenant(context);
  const first = (await call('POST', '/api/sites', owner, { name: 'First', domain: 'first.example' })).json()
    .id;
  const second = (
    await call('POST', '/api/sites', owner, { name: 'Second', domain: 'second.example' })
  ).json().id;
  await call('PATCH', `/api/sites/${first}`, owner, { timezone: 'Europe/Berlin' });
  const member = await addUser(context, owner.agencyId, 'member');
  await call('PATCH', `/api/users/${member.userId}`, owner, { role: 'viewer' });
  await call('PATCH', `/api/sites/${second}`, owner, { retentionDays: 30 });
  return { owner, first, second, member };
}

async function entries(tenant: TestTenant, query: string) {
  const response = await call('GET', `/api/audit-log?${query}`, tenant);
  expect(response.statusCode, response.body).toBe(200);
  return response.json().entries as Array<{ id: number; action: string; targetId: string; actorId: string }>;
}

describe('GET /api/audit-log', () => {
  it('lists the agency’s writes newest first and pages back with before', async () => {
    const { owner } = await agencyWithHistory();
    const all = await entries(owner, 'limit=100');
    expect(all.map((entry) => entry.action)).toEqual([
      'site.update',
      'user.update',
      'site.update',
      'site.create',
      'site.create',
    ]);
    const firstPage = await entries(owner, 'limit=2');
    const secondPage = await entries(owner, `limit=2&before=${firstPage.at(-1)!.id}`);
    expect([...firstPage, ...secondPage].map((entry) => entry.id)).toEqual(
      all.slice(0, 4).map((entry) => entry.id),
    );
  });

  it.each([
    ['every action of a kind', 'action=site', ['site.update', 'site.update', 'site.create', 'site.create']],
    ['one action', 'action=site.update', ['site.update', 'site.update']],
    ['a kind nothing was done to', 'action=api_key', []],
  ])('filters by %s', async (_, query, actions) => {
    const { owner } = await agencyWithHistory();
    expect((await entries(owner, query)).map((entry) => entry.action)).toEqual(actions);
  });

  it('filters by target and by actor', async () => {
    const { owner, first, member } = await agencyWithHistory();
    expect((await entries(owner, `targetId=${first}`)).map((entry) => entry.action)).toEqual([
      'site.update',
      'site.create',
    ]);
    expect((await entries(owner, `targetId=${member.userId}`)).map((entry) => entry.action)).toEqual([
      'user.update',
    ]);
    expect(await entries(owner, `actorId=${member.userId}`)).toEqual([]);
    expect(await entries(owner, `actorId=${owner.userId}`)).toHaveLength(5);
  });

  it('never shows another agency’s entries, whatever the filter names', async () => {
    const { first } = await agencyWithHistory();
    const stranger = await createTenant(context);
    expect(await entries(stranger, `targetId=${first}`)).toEqual([]);
    expect(await entries(stranger, 'action=site')).toEqual([]);
  });

  it.each([['action=site.update.more'], ['action=Site'], ['action=site%25'], ['action=']])(
    'answers 400 naming action for %s',
    async (query) => {
      const owner = await createTenant(context);
      const response = await call('GET', `/api/audit-log?${query}`, owner);
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json().error).toMatchObject({ code: 'validation_failed', field: 'action' });
    },
  );

  it.each(['member', 'viewer'] as const)('forbids a %s (403)', async (role) => {
    const owner = await createTenant(context);
    const user = await addUser(context, owner.agencyId, role);
    expect((await call('GET', '/api/audit-log', user)).statusCode).toBe(403);
  });
});
