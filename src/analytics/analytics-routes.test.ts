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

const context = useTestApp();

const createSite = (tenant?: TestTenant) => createTestSite(context, tenant);

const track = (site: TestSite, events: Array<Record<string, unknown>>) =>
  trackFromBrowser(context, site, events);

function get(site: TestSite, path: string, tenant: TestTenant = site.tenant) {
  return context.app.inject({ method: 'GET', url: `/api/sites/${site.id}${path}`, headers: tenant.auth });
}

const today = () => new Date().toISOString().slice(0, 10);
const range = () => `from=${today()}&to=${today()}`;
const tomorrowRange = () => {
  const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const next = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  return `from=${day}&to=${next}`;
};

describe('reports over tracked events', () => {
  it('counts visitors, sessions, page views and conversions of what the tracker sent', async () => {
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
        type: 'event',
        name: 'purchase',
        url: 'https://shop.example/pricing',
        visitorId: 'v1',
        value: 49.5,
        currency: 'EUR',
      },
      { type: 'pageview', url: 'https://shop.example/blog', visitorId: 'v2' },
    ]);
    const overview = await get(site, `/stats/overview?${tomorrowRange()}`);
    expect(overview.statusCode, overview.body).toBe(200);
    expect(overview.json()).toMatchObject({
      visitors: 2,
      sessions: 2,
      pageviews: 3,
      bounceRate: 50,
      conversions: 1,
      conversionRate: 50,
      revenue: { EUR: 49.5 },
    });
    expect(overview.headers['x-beacon-cache']).toBe('miss');
    expect((await get(site, `/stats/overview?${tomorrowRange()}`)).headers['x-beacon-cache']).toBe('hit');

    const pages = await get(site, `/stats/breakdown?${range()}&dimension=page`);
    expect(pages.statusCode, pages.body).toBe(200);
    expect(
      pages.json().rows.map((row: { value: string; pageviews: number }) => [row.value, row.pageviews]),
    ).toEqual([
      ['/', 1],
      ['/blog', 1],
      ['/pricing', 1],
    ]);
    expect(pages.json().total).toBe(3);

    const series = await get(
      site,
      `/stats/timeseries?${tomorrowRange()}&interval=day&metrics=visitors,pageviews`,
    );
    expect(series.statusCode, series.body).toBe(200);
    expect(series.json().points).toHaveLength(3);
    expect(
      series.json().points.reduce((sum: number, point: { pageviews: number }) => sum + point.pageviews, 0),
    ).toBe(3);
  });

  it('computes a report anew for Cache-Control: no-cache and keeps that answer for the next request', async () => {
    const site = await createSite();
    const view = (visitorId: string) => ({ type: 'pageview', url: 'https://shop.example/', visitorId });
    await track(site, [view('v1')]);
    const url = `/stats/overview?${tomorrowRange()}`;
    const first = await get(site, url);
    expect(first.headers['x-beacon-cache']).toBe('miss');
    expect(first.json().visitors).toBe(1);
    await track(site, [view('v2')]);
    const cached = await get(site, url);
    expect(cached.headers['x-beacon-cache']).toBe('hit');
    expect(cached.json().visitors).toBe(1);

    const refreshed = await context.app.inject({
      method: 'GET',
      url: `/api/sites/${site.id}${url}`,
      headers: { ...site.tenant.auth, 'cache-control': 'no-cache' },
    });
    expect(refreshed.headers['x-beacon-cache']).toBe('miss');
    expect(refreshed.json().visitors).toBe(2);
    const after = await get(site, url);
    expect(after.headers['x-beacon-cache']).toBe('hit');
    expect(after.json().visitors).toBe(2);
  });

  it('answers 400 naming the parameter for bad dimensions, filters, ranges and intervals', async () => {
    const site = await createSite();
    const cases: Array<[string, string]> = [
      [`/stats/breakdown?${range()}&dimension=password`, 'dimension'],
      [`/stats/overview?${range()}&filters=${encodeURIComponent('[["is","secret",["x"]]]')}`, 'filters.0.1'],
      [`/stats/overview?${range()}&filters=${encodeURIComponent('[["like","page",["x"]]]')}`, 'filters.0.0'],
      [`/stats/overview?${range()}&filters=nope`, 'filters'],
      ['/stats/overview?from=2026-11-30&to=2026-11-01', 'to'],
      ['/stats/overview?from=2020-01-01&to=2026-11-01', 'to'],
      ['/stats/overview?from=2026-02-30&to=2026-03-01', 'from'],
      ['/stats/timeseries?from=2025-01-01&to=2026-11-01&interval=hour', 'interval'],
      [`/stats/timeseries?${range()}&metrics=visitors,secrets`, 'metrics'],
      [`/stats/breakdown?${range()}&dimension=page&sort=password`, 'sort'],
    ];
    for (const [path, field] of cases) {
      const response = await get(site, path);
      expect(response.statusCode, `${path}: ${response.body}`).toBe(400);
      expect(response.json().error.field, path).toBe(field);
    }
  });

  it('hides another agency’s site and lets a viewer read but not add goals', async () => {
    const site = await createSite();
    const stranger = await createTenant(context);
    expect((await get(site, `/stats/overview?${range()}`, stranger)).statusCode).toBe(404);
    const viewer = await addUser(context, site.tenant.agencyId, 'viewer');
    expect((await get(site, `/stats/overview?${range()}`, viewer)).statusCode).toBe(404);
    await context.db.query('INSERT INTO site_members (site_id, user_id) VALUES ($1, $2)', [
      site.id,
      viewer.userId,
    ]);
    expect((await get(site, `/stats/overview?${range()}`, viewer)).statusCode).toBe(200);
    const refused = await context.app.inject({
      method: 'POST',
      url: `/api/sites/${site.id}/goals`,
      headers: viewer.auth,
      payload: { eventName: 'purchase' },
    });
    expect(refused.statusCode).toBe(403);
  });
});
