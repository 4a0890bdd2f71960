import { beforeAll, describe, expect, it } from 'vitest';
import { createTenant, useTestApp, type TestTenant } from '../../test/helpers.ts';

const context = useTestApp();
const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

let owner: TestTenant;
let siteId: string;
const range = () => {
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  return `from=${yesterday}&to=${tomorrow}`;
};

async function breakdown(query: string) {
  const response = await context.app.inject({
    method: 'GET',
    url: `/api/sites/${siteId}/stats/breakdown?${range()}&${query}`,
    headers: owner.auth,
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ rows: Array<Record<string, unknown>>; total: number }>();
}

beforeAll(async () => {
  owner = await createTenant(context);
  const site = await context.app.inject({
    method: 'POST',
    url: '/api/sites',
    headers: owner.auth,
    payload: { name: 'Shop', domain: 'shop.example' },
  });
  siteId = site.json().id;
  for (const goal of [
    { name: 'Purchase', eventName: 'purchase' },
    { name: 'Order total', eventName: 'purchase', revenueProperty: 'total' },
    { name: 'Thank you', pagePattern: '/thank-you*' },
  ]) {
    const created = await context.app.inject({
      method: 'POST',
      url: `/api/sites/${siteId}/goals`,
      headers: owner.auth,
      payload: goal,
    });
    expect(created.statusCode, created.body).toBe(201);
  }
  const tracked = await context.app.inject({
    method: 'POST',
    url: '/api/track/batch',
    headers: { origin: 'https://shop.example', 'user-agent': CHROME },
    payload: {
      events: [
        { type: 'pageview', url: 'https://shop.example/pricing', visitorId: 'v1' },
        {
          type: 'event',
          name: 'purchase',
          url: 'https://shop.example/pricing',
          visitorId: 'v1',
          value: 49.5,
          currency: 'EUR',
          props: { total: '60.00' },
        },
        { type: 'pageview', url: 'https://shop.example/thank-you', visitorId: 'v1' },
        { type: 'pageview', url: 'https://shop.example/', visitorId: 'v2' },
      ].map((event) => ({ ...event, site: site.json().siteKey, consent: { analytics: true } })),
    },
  });
  expect(tracked.statusCode, tracked.body).toBe(201);
});

describe('breakdown', () => {
  it('breaks conversions down by goal on a site with goals, each goal with its own amount', async () => {
    const goals = await breakdown('dimension=goal');
    expect(goals.rows.map((row) => [row.value, row.conversions, row.revenue, row.conversionRate])).toEqual([
      ['Order total', 1, { EUR: 60 }, 50],
      ['Purchase', 1, { EUR: 49.5 }, 50],
      ['Thank you', 1, {}, 50],
    ]);
    expect(goals.total).toBe(3);
  });

  it('carries the previous period only when compare=previous asks for it', async () => {
    const plain = await breakdown('dimension=page&sort=value:asc');
    expect(plain.rows.length).toBe(3);
    expect(plain.rows.filter((row) => 'previous' in row)).toEqual([]);

    const compared = await breakdown('dimension=page&sort=value:asc&compare=previous');
    expect(compared.rows.map((row) => row.previous)).toEqual([
      expect.objectContaining({ visitors: 0, pageviews: 0 }),
      expect.objectContaining({ visitors: 0, pageviews: 0 }),
      expect.objectContaining({ visitors: 0, pageviews: 0 }),
    ]);
  });
});
