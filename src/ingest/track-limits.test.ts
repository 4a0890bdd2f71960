import { describe, expect, it } from 'vitest';
import { createTenant, useTestApp } from '../../test/helpers.ts';

const context = useTestApp({ trackingLimits: { perIpPerMinute: 5, perSitePerMinute: 8 } });

async function siteKeyOf(): Promise<string> {
  const tenant = await createTenant(context);
  const response = await context.app.inject({
    method: 'POST',
    url: '/api/sites',
    headers: tenant.auth,
    payload: { name: 'Limited', domain: 'limited.example' },
  });
  return response.json().siteKey;
}

function send(siteKey: string, remoteAddress: string) {
  return context.app.inject({
    method: 'POST',
    url: '/api/track/event',
    remoteAddress,
    headers: { origin: 'https://limited.example' },
    payload: { site: siteKey, type: 'pageview', url: 'https://limited.example/' },
  });
}

describe('tracking rate limits', () => {
  it('limits requests per client address, with Retry-After, without touching other addresses', async () => {
    const siteKey = await siteKeyOf();
    const statuses = [];
    for (let index = 0; index < 6; index++) statuses.push((await send(siteKey, '198.51.100.50')).statusCode);
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429]);
    const limited = await send(siteKey, '198.51.100.50');
    expect(limited.json().error.code).toBe('rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await send(siteKey, '198.51.100.51')).statusCode).toBe(201);
  });

  it('limits requests per site across addresses', async () => {
    const siteKey = await siteKeyOf();
    const statuses = [];
    for (let index = 0; index < 9; index++)
      statuses.push((await send(siteKey, `198.51.101.${index + 1}`)).statusCode);
    expect(statuses.slice(0, 8).every((status) => status === 201)).toBe(true);
    expect(statuses[8]).toBe(429);
    const otherSite = await siteKeyOf();
    expect((await send(otherSite, '198.51.101.200')).statusCode).toBe(201);
  });
});
