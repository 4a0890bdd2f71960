import { describe, expect, it } from 'vitest';
import { useTestApp } from '../../test/helpers.ts';

const context = useTestApp({ dashboard: true });

/** The script and stylesheet index.html names, e.g. `/assets/index-Bd69al7A.js`. */
async function assetPaths(): Promise<string[]> {
  const index = await context.app.inject({ method: 'GET', url: '/' });
  return [...index.body.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((match) => match[1]!);
}

describe('the dashboard', () => {
  it.each(['/', '/login', '/sites/site_abc', '/sites/site_abc?range=30d&filters=%5B%5D'])(
    '%s answers index.html, revalidated every time, under a CSP without inline scripts',
    async (url) => {
      const response = await context.app.inject({ method: 'GET', url });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(response.headers['cache-control']).toBe('no-cache');
      expect(response.body).toContain('<div id="app"></div>');
      const csp = String(response.headers['content-security-policy']);
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(response.body).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    },
  );

  it('serves its hashed assets as immutable for a year, gzipped when asked, 304 when unchanged', async () => {
    const paths = await assetPaths();
    expect(paths.some((path) => path.endsWith('.js'))).toBe(true);
    expect(paths.some((path) => path.endsWith('.css'))).toBe(true);
    expect(paths.some((path) => path.endsWith('.svg'))).toBe(true);
    for (const url of paths) {
      const response = await context.app.inject({
        method: 'GET',
        url,
        headers: { 'accept-encoding': 'gzip' },
      });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(response.headers['content-encoding']).toBe('gzip');
      const type = { js: /^application\/javascript/, css: /^text\/css/, svg: /^image\/svg\+xml/ }[
        url.split('.').pop() as 'js' | 'css' | 'svg'
      ];
      expect(response.headers['content-type'], url).toMatch(type);
      const again = await context.app.inject({
        method: 'GET',
        url,
        headers: { 'if-none-match': String(response.headers.etag) },
      });
      expect(again.statusCode, url).toBe(304);
    }
  });

  it.each(['/assets/index-missing.js', '/assets/nothing', '/favicon.ico', '/unknown-alias.js'])(
    'a missing file %s is a JSON 404, not the app',
    async (url) => {
      const response = await context.app.inject({ method: 'GET', url });
      expect(response.statusCode, response.body).toBe(404);
      expect(response.json()).toMatchObject({ error: { code: 'not_found' } });
    },
  );

  it.each(['/api/no-such-route', '/api/sites/site_x/nothing', '/health/deep', '/metrics/x', '/docs/nothing'])(
    'a server path %s never falls back to the app',
    async (url) => {
      const response = await context.app.inject({ method: 'GET', url });
      expect(response.headers['content-type'], response.body).not.toMatch(/^text\/html/);
    },
  );

  it.each([
    ['/health', /^application\/json/],
    ['/beacon.js', /^application\/javascript/],
    ['/api/openapi.json', /^application\/json/],
  ])('%s is still served by its own route', async (url, type) => {
    const response = await context.app.inject({ method: 'GET', url });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toMatch(type);
    expect(response.headers['content-security-policy']).toBeUndefined();
  });
});
