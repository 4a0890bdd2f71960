import { describe, expect, it } from 'vitest';
import { useTestApp } from '../../test/helpers.ts';

const context = useTestApp();

function expectErrorShape(body: unknown, code: string) {
  expect(body, JSON.stringify(body)).toMatchObject({
    error: { code, message: expect.any(String), requestId: expect.any(String) },
  });
}

describe('operations endpoints', () => {
  it('GET /health answers 200', async () => {
    const response = await context.app.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('GET /ready answers 200 when the stores answer', async () => {
    const response = await context.app.inject({ method: 'GET', url: '/ready' });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ status: 'ready', checks: { database: true, state: true } });
  });

  it('GET /metrics exposes request counters, latency histograms, process and pool metrics', async () => {
    await context.app.inject({ method: 'GET', url: '/health' });
    const response = await context.app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.body).toMatch(
      /beacon_http_requests_total\{method="GET",route="\/health",status_code="200"\} \d+/,
    );
    expect(response.body).toContain(
      'beacon_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/health"}',
    );
    expect(response.body).toContain('beacon_process_cpu_user_seconds_total');
    expect(response.body).toMatch(/beacon_db_pool_connections\{state="total"\} \d+/);
  });

  it('GET /metrics says whether the shared state runs degraded (Redis away)', async () => {
    const response = await context.app.inject({ method: 'GET', url: '/metrics' });
    expect(response.body).toMatch(/^beacon_shared_state_degraded 0$/m);
  });

  it('bounds how long a client may take to send its request (slowloris)', () => {
    expect(context.app.server.requestTimeout).toBeGreaterThan(0);
  });

  it('GET /api/openapi.json documents the routes with their schemas', async () => {
    const response = await context.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(response.statusCode).toBe(200);
    const document = response.json<{
      openapi: string;
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
    }>();
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/health',
        '/ready',
        '/api/auth/login',
        '/api/auth/refresh',
        '/api/sites',
        '/api/sites/{siteId}',
        '/api/agencies',
      ]),
    );
    expect(JSON.stringify(document.paths['/api/sites']?.post?.requestBody)).toContain('domain');
  });

  it('GET /docs serves the API explorer', async () => {
    const response = await context.app.inject({ method: 'GET', url: '/docs/' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('swagger');
  });

  it('sets security headers and a request id', async () => {
    const response = await context.app.inject({ method: 'GET', url: '/health' });
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('error rendering', () => {
  it('answers an unknown route with 404 in the error shape', async () => {
    const response = await context.app.inject({ method: 'GET', url: '/nope?x=1' });
    expect(response.statusCode).toBe(404);
    expectErrorShape(response.json(), 'not_found');
    expect(response.json().error.requestId).toBe(response.headers['x-request-id']);
  });

  it('answers malformed JSON with 400 invalid_json', async () => {
    const response = await context.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"email": "a@b.c", "password": ',
    });
    expect(response.statusCode, response.body).toBe(400);
    expectErrorShape(response.json(), 'invalid_json');
  });

  it('names a missing field', async () => {
    const response = await context.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'a@b.co' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({
      code: 'validation_failed',
      field: 'password',
      message: 'password is required',
    });
  });

  it('names a field of the wrong type', async () => {
    const response = await context.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'a@b.co', password: { $gt: '' } },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'validation_failed', field: 'password' });
  });

  it('answers a body over the limit with 413', async () => {
    const response = await context.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ email: 'a@b.co', password: 'x'.repeat(300 * 1024) }),
    });
    expect(response.statusCode).toBe(413);
    expectErrorShape(response.json(), 'payload_too_large');
  });

  it('answers an unsupported content type with 415', async () => {
    const response = await context.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/xml' },
      payload: '<login/>',
    });
    expect(response.statusCode).toBe(415);
    expectErrorShape(response.json(), 'unsupported_media_type');
  });

  it('answers an empty JSON body with 400', async () => {
    const response = await context.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '',
    });
    expect(response.statusCode).toBe(400);
    expectErrorShape(response.json(), 'bad_request');
  });
});

describe('GET /metrics with METRICS_TOKEN', () => {
  const TOKEN = 'scrape-token-0123456789';
  const guarded = useTestApp({ metricsToken: TOKEN });

  it.each([
    [undefined, 401],
    ['Bearer wrong-token-0123456789', 401],
    [`Bearer ${TOKEN}x`, 401],
    [TOKEN, 401],
    [`Bearer ${TOKEN}`, 200],
  ])('answers authorization %s with %i', async (authorization, status) => {
    const response = await guarded.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: authorization === undefined ? {} : { authorization },
    });
    expect(response.statusCode, response.body).toBe(status);
    if (status === 200) expect(response.body).toContain('beacon_http_requests_total');
    else expectErrorShape(response.json(), 'unauthorized');
  });
});
