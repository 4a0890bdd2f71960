import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  addUser,
  createTenant,
  useTestApp,
  type TestTenant,
  createTestSite,
  trackFromBrowser,
  type TestSite,
} from '../../test/helpers.ts';
import { PNG_1PX } from '../../test/images.ts';
import { newId } from '../lib/ids.ts';
import { MAX_REPORT_RECIPIENTS } from './report-settings.ts';

const context = useTestApp();

const createSite = (tenant?: TestTenant) => createTestSite(context, tenant);

const track = (site: TestSite, events: Array<Record<string, unknown>>) =>
  trackFromBrowser(context, site, events);

function request(
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  tenant: TestTenant,
  payload?: Record<string, unknown>,
) {
  return context.app.inject({
    method,
    url,
    headers: tenant.auth,
    ...(payload === undefined ? {} : { payload }),
  });
}

const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
/** Yesterday to tomorrow in UTC (the test sites' zone): today's events, whatever the hour. */
const around = () => `from=${day(-1)}&to=${day(1)}`;

async function insertCompany(siteId: string, name: string, options: { hidden?: boolean } = {}) {
  const id = newId('cmp');
  await context.db.query(
    `INSERT INTO companies (id, site_id, domain, name, first_seen_at, last_seen_at, score, lead_status, hidden)
     VALUES ($1, $2, $3, $4, now(), now(), 80, 'hot', $5)`,
    [id, siteId, `${id}.example`, name, options.hidden ?? false],
  );
  return id;
}

async function statusChange(siteId: string, companyId: string, to: string, at: Date) {
  await context.db.query(
    `INSERT INTO company_status_changes (site_id, company_id, from_status, to_status, score, changed_at)
     VALUES ($1, $2, 'warm', $3, 75, $4)`,
    [siteId, companyId, to, at],
  );
}

describe('GET /api/sites/:siteId/report', () => {
  it('answers the numbers the analytics reports answer for the same days', async () => {
    const site = await createSite();
    await track(site, [
      {
        type: 'pageview',
        url: 'https://shop.example/',
        visitorId: 'v1',
        referrer: 'https://www.google.com/',
      },
      { type: 'pageview', url: 'https://shop.example/pricing', visitorId: 'v1' },
      {
        type: 'pageview',
        url: 'https://shop.example/pricing',
        visitorId: 'v2',
        referrer: 'https://news.example/a',
      },
      { type: 'pageview', url: 'https://shop.example/blog', visitorId: 'v3' },
      { type: 'event', name: 'signup', url: 'https://shop.example/pricing', visitorId: 'v2' },
    ]);
    const created = await context.app.inject({
      method: 'POST',
      url: `/api/sites/${site.id}/goals`,
      headers: site.tenant.auth,
      payload: { name: 'Signed up', eventName: 'signup' },
    });
    expect(created.statusCode, created.body).toBe(201);

    const response = await request('GET', `/api/sites/${site.id}/report?${around()}`, site.tenant);
    expect(response.statusCode, response.body).toBe(200);
    const report = response.json();
    const overview = (
      await request('GET', `/api/sites/${site.id}/stats/overview?${around()}&compare=previous`, site.tenant)
    ).json();
    const pages = (
      await request(
        'GET',
        `/api/sites/${site.id}/stats/breakdown?${around()}&dimension=page&limit=10`,
        site.tenant,
      )
    ).json();
    const sources = (
      await request(
        'GET',
        `/api/sites/${site.id}/stats/breakdown?${around()}&dimension=referrer_host&limit=10`,
        site.tenant,
      )
    ).json();
    expect(report.overview).toEqual(overview);
    expect(report.overview).toMatchObject({ visitors: 3, pageviews: 4, conversions: 1 });
    expect(report.topPages).toEqual(
      pages.rows.map((row: { value: string; visitors: number; pageviews: number }) => ({
        value: row.value,
        visitors: row.visitors,
        pageviews: row.pageviews,
      })),
    );
    expect(report.topPages[0]).toEqual({ value: '/pricing', visitors: 2, pageviews: 2 });
    expect(report.topSources.map((row: { value: string }) => row.value).sort()).toEqual(
      sources.rows.map((row: { value: string }) => row.value).sort(),
    );
    expect(report.conversions).toEqual([{ goal: 'Signed up', conversions: 1, revenue: expect.any(Object) }]);
    expect(report).toMatchObject({
      site: { id: site.id, name: 'Shop', domain: 'shop.example', timezone: 'UTC' },
      from: day(-1),
      to: day(1),
    });
  });

  it('lists the companies that turned hot in the period, once each, without hidden ones', async () => {
    const site = await createSite();
    const inside = await insertCompany(site.id, 'Acme');
    const twice = await insertCompany(site.id, 'Twice Ltd');
    const before = await insertCompany(site.id, 'Early Corp');
    const hidden = await insertCompany(site.id, 'Own Agency', { hidden: true });
    const now = Date.now();
    await statusChange(site.id, inside, 'hot', new Date(now - 3600_000));
    await statusChange(site.id, twice, 'hot', new Date(now - 7200_000));
    await statusChange(site.id, twice, 'warm', new Date(now - 5000_000));
    await statusChange(site.id, twice, 'hot', new Date(now - 1000_000));
    await statusChange(site.id, before, 'hot', new Date(now - 10 * 86_400_000));
    await statusChange(site.id, before, 'warm', new Date(now - 3600_000));
    await statusChange(site.id, hidden, 'hot', new Date(now - 3600_000));

    const response = await request('GET', `/api/sites/${site.id}/report?${around()}`, site.tenant);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().newHotLeads.map((lead: { name: string }) => lead.name)).toEqual([
      'Twice Ltd',
      'Acme',
    ]);
    expect(response.json().newHotLeadCount).toBe(2);
    expect(response.json().newHotLeads[0]).toMatchObject({
      id: twice,
      score: 80,
      leadStatus: 'hot',
      becameHotAt: new Date(now - 7200_000).toISOString(),
    });
  });

  it('is readable by a client viewer of the site', async () => {
    const site = await createSite();
    const viewer = await addUser(context, site.tenant.agencyId, 'viewer');
    await context.db.query('INSERT INTO site_members (site_id, user_id) VALUES ($1, $2)', [
      site.id,
      viewer.userId,
    ]);
    const response = await request('GET', `/api/sites/${site.id}/report?${around()}`, viewer);
    expect(response.statusCode, response.body).toBe(200);
  });

  it('answers 404 for another agency’s site', async () => {
    const site = await createSite();
    const stranger = await createTenant(context);
    const response = await request('GET', `/api/sites/${site.id}/report?${around()}`, stranger);
    expect(response.statusCode, response.body).toBe(404);
  });

  it.each([
    ['from=2026-11-01', 'to'],
    ['from=yesterday&to=2026-11-02', 'from'],
    ['from=2026-11-01&to=2026-11-01T00:00:00Z', 'to'],
    ['from=2026-11-05&to=2026-11-01', 'to'],
    ['from=2026-02-30&to=2026-03-01', 'from'],
  ])('answers 400 naming the field for %s', async (query, field) => {
    const site = await createSite();
    const response = await request('GET', `/api/sites/${site.id}/report?${query}`, site.tenant);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error.field).toBe(field);
  });
});

describe('report settings', () => {
  const settingsUrl = (site: TestSite) => `/api/sites/${site.id}/report/settings`;

  it('are off until set, then keep the schedule and the recipients, lower-cased and once each', async () => {
    const site = await createSite();
    const before = await request('GET', settingsUrl(site), site.tenant);
    expect(before.json()).toEqual({ frequency: 'off', weekday: 1, recipients: [] });
    const changed = await request('PATCH', settingsUrl(site), site.tenant, {
      frequency: 'weekly',
      weekday: 3,
      recipients: ['CMO@Client.example', 'cmo@client.example', 'team@client.example'],
    });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toEqual({
      frequency: 'weekly',
      weekday: 3,
      recipients: ['cmo@client.example', 'team@client.example'],
    });
    const monthly = await request('PATCH', settingsUrl(site), site.tenant, { frequency: 'monthly' });
    expect(monthly.json()).toEqual({ ...changed.json(), frequency: 'monthly' });
    expect((await request('GET', settingsUrl(site), site.tenant)).json()).toEqual(monthly.json());
    const { rows } = await context.db.query(
      `SELECT action, details FROM audit_log WHERE agency_id = $1 AND action = 'report_settings.update'`,
      [site.tenant.agencyId],
    );
    expect(rows).toHaveLength(2);
  });

  it.each([
    [{ recipients: ['not an address'] }, 'recipients.0'],
    [
      { recipients: Array.from({ length: MAX_REPORT_RECIPIENTS + 1 }, (_, i) => `r${i}@client.example`) },
      'recipients',
    ],
    [{ frequency: 'daily' }, 'frequency'],
    [{ weekday: 8 }, 'weekday'],
    [{ weekday: 0 }, 'weekday'],
    [{ frequency: 'weekly' }, 'recipients'],
    [{ frequency: 'weekly', recipients: [] }, 'recipients'],
    [{ timezone: 'UTC' }, 'timezone'],
  ])('answer 400 naming the field for %j', async (body, field) => {
    const site = await createSite();
    const response = await request('PATCH', settingsUrl(site), site.tenant, body);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error.field).toBe(field);
  });

  it.each(['member', 'viewer'] as const)('are closed to a %s (403)', async (role) => {
    const site = await createSite();
    const user = await addUser(context, site.tenant.agencyId, role);
    await context.db.query('INSERT INTO site_members (site_id, user_id) VALUES ($1, $2)', [
      site.id,
      user.userId,
    ]);
    expect((await request('GET', settingsUrl(site), user)).statusCode).toBe(403);
    const response = await request('PATCH', settingsUrl(site), user, { frequency: 'off' });
    expect(response.statusCode, response.body).toBe(403);
  });

  it('answer 404 for another agency’s site', async () => {
    const site = await createSite();
    const stranger = await createTenant(context);
    expect((await request('GET', settingsUrl(site), stranger)).statusCode).toBe(404);
    expect((await request('PATCH', settingsUrl(site), stranger, { frequency: 'off' })).statusCode).toBe(404);
  });
});

describe('agency branding', () => {
  it('names the agency until a display name is set, and shows both on the report', async () => {
    const site = await createSite();
    const before = await request('GET', '/api/agency/branding', site.tenant);
    expect(before.json()).toEqual({
      agencyName: expect.stringMatching(/^Agency /),
      displayName: null,
      logoUrl: null,
    });
    const changed = await request('PATCH', '/api/agency/branding', site.tenant, { displayName: 'Northwind' });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json().displayName).toBe('Northwind');
    const report = await request('GET', `/api/sites/${site.id}/report?${around()}`, site.tenant);
    expect(report.json().agency).toEqual({ name: 'Northwind', logoUrl: null });
  });

  it('serves an uploaded logo without credentials, by its hash, cached for good', async () => {
    const tenant = await createTenant(context);
    // A logo is found by its content's hash: bytes of this test's own, which no other agency has.
    const png = Buffer.concat([PNG_1PX, randomBytes(8)]);
    const uploaded = await request('POST', '/api/agency/branding/logo', tenant, {
      image: png.toString('base64'),
    });
    expect(uploaded.statusCode, uploaded.body).toBe(200);
    const { logoUrl } = uploaded.json();
    expect(logoUrl).toMatch(/^\/api\/branding\/logos\/[0-9a-f]{64}$/);
    const logo = await context.app.inject({ method: 'GET', url: logoUrl });
    expect(logo.statusCode).toBe(200);
    expect(logo.headers).toMatchObject({
      'content-type': 'image/png',
      'cache-control': 'public, max-age=31536000, immutable',
      'x-content-type-options': 'nosniff',
    });
    expect(logo.rawPayload.equals(png)).toBe(true);

    const removed = await request('DELETE', '/api/agency/branding/logo', tenant);
    expect(removed.json().logoUrl).toBeNull();
    expect((await context.app.inject({ method: 'GET', url: logoUrl })).statusCode).toBe(404);
  });

  it.each([
    [
      'an SVG with a script',
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ],
    ['HTML named like a PNG would be', Buffer.from('<html><script>alert(1)</script></html>')],
    ['a file over the size limit', Buffer.concat([PNG_1PX, Buffer.alloc(128 * 1024)])],
  ])('refuses %s with a 400 naming image', async (_name, bytes) => {
    const tenant = await createTenant(context);
    const response = await request('POST', '/api/agency/branding/logo', tenant, {
      image: bytes.toString('base64'),
    });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error.field).toBe('image');
  });

  it.each(['member', 'viewer'] as const)('may not be changed by a %s (403)', async (role) => {
    const tenant = await createTenant(context);
    const user = await addUser(context, tenant.agencyId, role);
    expect((await request('PATCH', '/api/agency/branding', user, { displayName: 'Mine' })).statusCode).toBe(
      403,
    );
    const upload = await request('POST', '/api/agency/branding/logo', user, {
      image: PNG_1PX.toString('base64'),
    });
    expect(upload.statusCode, upload.body).toBe(403);
  });

  it('is each agency’s own', async () => {
    const first = await createTenant(context);
    const second = await createTenant(context);
    await request('PATCH', '/api/agency/branding', first, { displayName: 'First' });
    expect((await request('GET', '/api/agency/branding', second)).json().displayName).toBeNull();
  });
});
