import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createTenant, useTestApp } from '../../test/helpers.ts';

const context = useTestApp();

describe('GET /beacon.js', () => {
  it('serves the tracker as cacheable JavaScript that other origins may load', async () => {
    const response = await context.app.inject({ method: 'GET', url: '/beacon.js' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/javascript; charset=utf-8');
    expect(response.headers['cache-control']).toContain('max-age=3600');
    expect(response.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(response.headers.etag).toMatch(/^"[\w-]{22}"$/);
    expect(response.body).toContain('/api/track/event');
  });

  it('sends it gzipped within the 1.5 KB budget when the client accepts gzip', async () => {
    const plain = await context.app.inject({ method: 'GET', url: '/beacon.js' });
    const response = await context.app.inject({
      method: 'GET',
      url: '/beacon.js',
      headers: { 'accept-encoding': 'gzip, br' },
    });
    expect(response.headers['content-encoding']).toBe('gzip');
    expect(response.rawPayload.length).toBeLessThanOrEqual(1536);
    expect(gunzipSync(response.rawPayload).toString()).toBe(plain.body);
  });

  it('answers 304 to a matching If-None-Match', async () => {
    const first = await context.app.inject({ method: 'GET', url: '/beacon.js' });
    const again = await context.app.inject({
      method: 'GET',
      url: '/beacon.js',
      headers: { 'if-none-match': first.headers.etag as string },
    });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });

  it('serves the same script under a site’s alias path, and 404 for unknown paths', async () => {
    const tenant = await createTenant(context);
    const site = (
      await context.app.inject({
        method: 'POST',
        url: '/api/sites',
        headers: tenant.auth,
        payload: { name: 'A', domain: 'a.example' },
      })
    ).json();
    const alias = `assets/${site.id.slice(-8)}/app.js`;
    await context.db.query('UPDATE sites SET tracker_alias = $1 WHERE id = $2', [alias, site.id]);
    const aliased = await context.app.inject({ method: 'GET', url: `/${alias}` });
    const original = await context.app.inject({ method: 'GET', url: '/beacon.js' });
    expect(aliased.statusCode).toBe(200);
    expect(aliased.body).toBe(original.body);
    const unknown = await context.app.inject({ method: 'GET', url: '/assets/nothing/app.js' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('not_found');
  });

  it('serves a browser that opted out the tracker as under Global Privacy Control, cached apart', async () => {
    const plain = await context.app.inject({ method: 'GET', url: '/beacon.js' });
    const optedOut = await context.app.inject({
      method: 'GET',
      url: '/beacon.js',
      headers: { cookie: 'theme=dark; beacon_optout=1' },
    });
    expect(optedOut.statusCode).toBe(200);
    expect(optedOut.body).toContain(plain.body);
    expect(optedOut.body).toMatch(/^\(function\(navigator,fetch\)\{/);
    expect(optedOut.body).toContain('credentials:"include"');
    expect(optedOut.body).toContain('"globalPrivacyControl"');
    expect(optedOut.headers.etag).not.toBe(plain.headers.etag);
    expect(optedOut.headers['cache-control']).toMatch(/^private, /);
    expect(plain.headers['cache-control']).toMatch(/^public, /);
    // Both answers vary by cookie, so a script cached before the opt-out (or its undo) is not reused.
    for (const response of [plain, optedOut]) expect(response.headers.vary).toBe('accept-encoding, cookie');
    const revalidated = await context.app.inject({
      method: 'GET',
      url: '/beacon.js',
      headers: { cookie: 'beacon_optout=1', 'if-none-match': plain.headers.etag as string },
    });
    expect(revalidated.statusCode).toBe(200);
    expect(revalidated.body).toBe(optedOut.body);
  });
});
