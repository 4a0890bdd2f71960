import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTenant, useTestApp } from '../../test/helpers.ts';
import { OPT_OUT_RATE_LIMIT } from './opt-out-routes.ts';

const context = useTestApp();
const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

async function createSite(name: string) {
  const tenant = await createTenant(context);
  const response = await context.app.inject({
    method: 'POST',
    url: '/api/sites',
    headers: tenant.auth,
    payload: { name, domain: 'shop.example' },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: string; siteKey: string }>();
}

function choose(siteKey: string, choice: string, ip = '203.0.113.9') {
  return context.app.inject({
    method: 'POST',
    url: `/privacy/opt-out/${siteKey}`,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': CHROME,
      'x-forwarded-for': ip,
    },
    payload: `choice=${choice}`,
  });
}

async function consentRecords(siteId: string) {
  const { rows } = await context.db.query<{
    source: string;
    analytics: boolean | null;
    ads: boolean | null;
    visitor_id: string | null;
  }>('SELECT source, analytics, ads, visitor_id FROM consent_records WHERE site_id = $1 ORDER BY id', [
    siteId,
  ]);
  return rows;
}

describe('GET /privacy/opt-out/:siteKey', () => {
  it('shows the site’s name as text in a page that may run no script', async () => {
    const site = await createSite('<b>Bob’s</b> Shop');
    const response = await context.app.inject({ method: 'GET', url: `/privacy/opt-out/${site.siteKey}` });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.body).toContain('&lt;b&gt;Bob’s&lt;/b&gt; Shop');
    expect(response.body).not.toContain('<b>');
    expect(response.body).toContain('Do not sell or share my personal information');
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('script-src');
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('confirms the opt-out, with an undo, when the browser carries it', async () => {
    const site = await createSite('Shop');
    const response = await context.app.inject({
      method: 'GET',
      url: `/privacy/opt-out/${site.siteKey}`,
      headers: { cookie: 'other=x; beacon_optout=1' },
    });
    expect(response.body).toContain('You have opted out');
    expect(response.body).toContain('value="undo"');
  });

  it('is 404 for an unknown or deleted site', async () => {
    const unknown = await context.app.inject({ method: 'GET', url: '/privacy/opt-out/site_nothing' });
    expect(unknown.statusCode, unknown.body).toBe(404);
    const site = await createSite('Gone');
    await context.db.query('UPDATE sites SET deleted_at = now() WHERE id = $1', [site.id]);
    const deleted = await context.app.inject({ method: 'GET', url: `/privacy/opt-out/${site.siteKey}` });
    expect(deleted.statusCode, deleted.body).toBe(404);
    expect((await choose(site.siteKey, 'opt-out')).statusCode).toBe(404);
  });
});

describe('POST /privacy/opt-out/:siteKey', () => {
  it('sets the opt-out cookie, records the opt-out, and sends the browser back to the page', async () => {
    const site = await createSite('Shop');
    const response = await choose(site.siteKey, 'opt-out');
    expect(response.statusCode, response.body).toBe(303);
    expect(response.headers.location).toBe(site.siteKey);
    const cookie = String(response.headers['set-cookie']);
    expect(cookie).toMatch(/^beacon_optout=1; /);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('Secure');
    expect(cookie).toContain('SameSite=Lax');
    const records = await consentRecords(site.id);
    expect(records).toEqual([
      { source: 'optout', analytics: false, ads: false, visitor_id: expect.any(String) },
    ]);
  });

  it('undo clears the cookie and records that the opt-out no longer holds', async () => {
    const site = await createSite('Shop');
    await choose(site.siteKey, 'opt-out');
    const response = await choose(site.siteKey, 'undo');
    expect(response.statusCode, response.body).toBe(303);
    expect(String(response.headers['set-cookie'])).toMatch(/^beacon_optout=; Max-Age=0; Path=\//);
    const records = await consentRecords(site.id);
    expect(records.map((record) => record.source)).toEqual(['optout', 'optout_withdrawn']);
    expect(records[1]).toMatchObject({ analytics: null, ads: null });
    // The same browser on the same day: one cookieless visitor, so both join one history.
    expect(records[1]!.visitor_id).toBe(records[0]!.visitor_id);
  });

  it('refuses any other choice with a 400 naming the field, and records nothing', async () => {
    const site = await createSite('Shop');
    const response = await choose(site.siteKey, 'sell');
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error.field).toContain('choice');
    expect(response.headers['set-cookie']).toBeUndefined();
    expect(await consentRecords(site.id)).toEqual([]);
  });

  it('limits how often one address may post, since each post is stored', async () => {
    const site = await createSite('Shop');
    // An address (and /64) of its own: the counts live in the shared store across test runs.
    const ip = `2001:db8:${randomBytes(2).toString('hex')}:${randomBytes(2).toString('hex')}::1`;
    for (let i = 0; i < OPT_OUT_RATE_LIMIT.max; i += 1) {
      expect((await choose(site.siteKey, 'opt-out', ip)).statusCode).toBe(303);
    }
    const limited = await choose(site.siteKey, 'opt-out', ip);
    expect(limited.statusCode, limited.body).toBe(429);
    expect(await consentRecords(site.id)).toHaveLength(OPT_OUT_RATE_LIMIT.max);
  });
});
