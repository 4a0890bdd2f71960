import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, createTenant, useTestApp, type TestTenant } from '../../test/helpers.ts';

const context = useTestApp();
type Auth = TestTenant['auth'];

/** A local Slack-compatible endpoint for the webhook destination's test call. */
let hook: Server;
let hookUrl: string;
const hookBodies: unknown[] = [];
beforeAll(async () => {
  hook = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      hookBodies.push(JSON.parse(body));
      response
        .writeHead(request.url === '/gone' ? 404 : 200)
        .end(request.url === '/gone' ? 'no_service' : 'ok');
    });
  });
  hook.listen(0, '127.0.0.1');
  await once(hook, 'listening');
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => hook.close(() => resolve())));

async function createSite(auth: Auth): Promise<string> {
  const response = await context.app.inject({
    method: 'POST',
    url: '/api/sites',
    headers: auth,
    payload: { name: 'Shop', domain: 'shop.example' },
  });
  return response.json().id;
}

function call(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, auth: Auth, payload?: unknown) {
  return context.app.inject({
    method,
    url,
    headers: auth,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
}

const SLACK = 'https://hooks.slack.com/services/T000/B000/SECRETPART';

describe('destinations API', () => {
  it('creates a webhook destination, seals its URL and never shows it again', async () => {
    const owner = await createTenant(context);
    const siteId = await createSite(owner.auth);
    const created = await call('POST', `/api/sites/${siteId}/destinations`, owner.auth, {
      type: 'webhook',
      config: { url: SLACK },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({
      id: expect.stringMatching(/^dst_/),
      siteId,
      type: 'webhook',
      name: 'Hot-lead webhook',
      enabled: true,
      config: { urlSet: true },
      events: [],
    });
    expect(created.body).not.toContain('SECRETPART');
    const { rows } = await context.db.query(
      'SELECT config::text || secrets::text AS stored FROM destinations WHERE id = $1',
      [created.json().id],
    );
    expect(rows[0].stored).not.toContain('SECRETPART');
    const listed = await call('GET', `/api/sites/${siteId}/destinations`, owner.auth);
    expect(listed.json().destinations.map((d: { id: string }) => d.id)).toEqual([created.json().id]);
    expect(listed.body).not.toContain('SECRETPART');
  });

  it.each([
    [{ type: 'fax', config: {} }, 'type'],
    [{ type: 'webhook', config: {} }, 'config.url'],
    [{ type: 'webhook', config: { url: 'http://hooks.slack.com/x' } }, 'config.url'],
    [{ type: 'webhook', config: { url: 'https://127.0.0.1/x' } }, 'config.url'],
    [{ type: 'webhook', config: { url: SLACK, extra: 1 } }, 'config.extra'],
    [{ type: 'webhook', config: { url: SLACK }, events: [{ match: 'purchase' }] }, 'events'],
    [{ type: 'webhook', config: { url: SLACK }, events: [{ match: '' }] }, 'events.0.match'],
    [{ config: { url: SLACK } }, 'type'],
  ])('refuses %j naming %s', async (payload, field) => {
    const owner = await createTenant(context);
    const siteId = await createSite(owner.auth);
    const response = await call('POST', `/api/sites/${siteId}/destinations`, owner.auth, payload);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error.field).toBe(field);
  });

  it.each([
    [
      'a GA4 API secret with a space',
      { type: 'ga4', config: { measurementId: 'G-ABC123', apiSecret: 'two words' } },
      'config.apiSecret',
      /^config\.apiSecret must be the API secret/,
    ],
    [
      'a retired Meta version',
      { type: 'meta', config: { pixelId: '123', accessToken: 'EAAB', apiVersion: 'v19.0' } },
      'config.apiVersion',
      /^config\.apiVersion v19\.0 is retired by Meta/,
    ],
    [
      'a legacy Google Ads destination without a developer token',
      {
        type: 'google_ads',
        config: {
          customerId: '123-456-7890',
          conversionActionId: '1',
          api: 'legacy',
          oauth: { clientId: 'c', clientSecret: 's', refreshToken: 'r' },
        },
      },
      'config.developerToken',
      /^config\.developerToken is required with api "legacy"/,
    ],
    [
      'Google Ads OAuth without its refresh token',
      {
        type: 'google_ads',
        config: {
          customerId: '1234567890',
          conversionActionId: '1',
          oauth: { clientId: 'c', clientSecret: 's' },
        },
      },
      'config.oauth.refreshToken',
      /^config\.oauth\.refreshToken is required/,
    ],
  ])("names the field of a platform's own rule: %s", async (_, payload, field, message) => {
    const owner = await createTenant(context);
    const siteId = await createSite(owner.auth);
    const response = await call('POST', `/api/sites/${siteId}/destinations`, owner.auth, payload);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error).toMatchObject({ field, message: expect.stringMatching(message) });
  });

  it('changes name and enabled without resending the secret, and removes a destination', async () => {
    const owner = await createTenant(context);
    const siteId = await createSite(owner.auth);
    const { id } = (
      await call('POST', `/api/sites/${siteId}/destinations`, owner.auth, {
        type: 'webhook',
        config: { url: SLACK },
      })
    ).json();
    const patched = await call('PATCH', `/api/sites/${siteId}/destinations/${id}`, owner.auth, {
      name: 'Sales channel',
      enabled: false,
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ name: 'Sales channel', enabled: false, config: { urlSet: true } });
    const bad = await call('PATCH', `/api/sites/${siteId}/destinations/${id}`, owner.auth, {
      config: { url: 'ftp://x' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe('config.url');
    expect((await call('DELETE', `/api/sites/${siteId}/destinations/${id}`, owner.auth)).statusCode).toBe(
      204,
    );
    expect((await call('GET', `/api/sites/${siteId}/destinations/${id}`, owner.auth)).statusCode).toBe(404);
    const audit = await call('GET', '/api/audit-log', owner.auth);
    expect(audit.json().entries.map((entry: { action: string }) => entry.action)).toEqual(
      expect.arrayContaining(['destination.create', 'destination.update', 'destination.delete']),
    );
  });

  it("clears an optional field given as null (Meta's test event code) and keeps the token", async () => {
    const owner = await createTenant(context);
    const siteId = await createSite(owner.auth);
    const created = await call('POST', `/api/sites/${siteId}/destinations`, owner.auth, {
      type: 'meta',
      config: { pixelId: '123456', accessToken: 'EAAB-token', testEventCode: 'TEST123' },
    });
    expect(created.json().config).toMatchObject({ testEventCode: 'TEST123', accessTokenSet: true });
    const patched = await call(
      'PATCH',
      `/api/sites/${siteId}/destinations/${created.json().id}`,
      owner.auth,
      { config: { testEventCode: null } },
    );
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json().config).toEqual({ pixelId: '123456', accessTokenSet: true });
    const required = await call(
      'PATCH',
      `/api/sites/${siteId}/destinations/${created.json().id}`,
      owner.auth,
      { config: { pixelId: null } },
    );
    expect(required.statusCode, required.body).toBe(400);
    expect(required.json().error.field).toBe('config.pixelId');
  });

  it('tests a webhook destination by sending it a message, and reports a refusal', async () => {
    const owner = await createTenant(context);
    const siteId = await createSite(owner.auth);
    const ok = (
      await call('POST', `/api/sites/${siteId}/destinations`, owner.auth, {
        type: 'webhook',
        config: { url: SLACK },
      })
    ).json();
    // The API refuses local URLs; the test points the stored one at the local endpoint.
    await context.db.query(
      `UPDATE destinations SET secrets = jsonb_build_object('url', $2::text) WHERE id = $1`,
      [ok.id, `${hookUrl}/ok`],
    );
    const passed = await call('POST', `/api/sites/${siteId}/destinations/${ok.id}/test`, owner.auth);
    expect(passed.json()).toEqual({ ok: true, messages: ['HTTP 200'] });
    expect(hookBodies.at(-1)).toMatchObject({ text: expect.stringContaining('Beacon test message') });
    await context.db.query(
      `UPDATE destinations SET secrets = jsonb_build_object('url', $2::text) WHERE id = $1`,
      [ok.id, `${hookUrl}/gone`],
    );
    const failed = await call('POST', `/api/sites/${siteId}/destinations/${ok.id}/test`, owner.auth);
    expect(failed.json()).toEqual({ ok: false, messages: ['HTTP 404: no_service'] });
  });

  it('lists deliveries newest first with their status, pages back, and replays dead letters', async () => {
    const owner = await createTenant(context);
    const siteId = await createSite(owner.auth);
    const { id } = (
      await call('POST', `/api/sites/${siteId}/destinations`, owner.auth, {
        type: 'webhook',
        config: { url: SLACK },
      })
    ).json();
    const insert = (status: string, attempts: number, lastError: string | null) =>
      context.db.query<{ id: number }>(
        // Due in 2100: no job runner of a parallel suite (on the real clock) may send these.
        `INSERT INTO deliveries (site_id, destination_id, destination_type, payload, status, attempts, last_error,
           last_status, finished_at, next_attempt_at)
         VALUES ($1, $2, 'webhook', '{"text":"x"}', $3, $4, $5, $6, CASE WHEN $3 = 'pending' THEN NULL ELSE now() END,
                 '2100-01-01')
         RETURNING id`,
        [siteId, id, status, attempts, lastError, lastError === null ? null : 503],
      );
    const pending = (await insert('pending', 0, null)).rows[0]!.id;
    const retrying = (await insert('pending', 2, 'HTTP 503')).rows[0]!.id;
    const delivered = (await insert('done', 1, null)).rows[0]!.id;
    const dead = (await insert('failed', 10, 'HTTP 404: no_service')).rows[0]!.id;

    const all = await call('GET', `/api/sites/${siteId}/destinations/${id}/deliveries?limit=3`, owner.auth);
    expect(all.statusCode, all.body).toBe(200);
    expect(all.json().deliveries.map((d: { id: number; status: string }) => [d.id, d.status])).toEqual([
      [dead, 'dead'],
      [delivered, 'delivered'],
      [retrying, 'retrying'],
    ]);
    const next = await call(
      'GET',
      `/api/sites/${siteId}/destinations/${id}/deliveries?limit=3&before=${all.json().nextBefore}`,
      owner.auth,
    );
    expect(next.json()).toEqual({
      deliveries: [expect.objectContaining({ id: pending, status: 'pending' })],
      nextBefore: null,
    });
    const deadOnly = await call(
      'GET',
      `/api/sites/${siteId}/destinations/${id}/deliveries?status=dead`,
      owner.auth,
    );
    expect(deadOnly.json().deliveries).toEqual([
      expect.objectContaining({ id: dead, lastError: 'HTTP 404: no_service', attempts: 10 }),
    ]);

    const replayed = await call(
      'POST',
      `/api/sites/${siteId}/destinations/${id}/deliveries/replay`,
      owner.auth,
      {},
    );
    expect(replayed.statusCode, replayed.body).toBe(202);
    expect(replayed.json()).toEqual({ requeued: 1 });
    const after = await call(
      'GET',
      `/api/sites/${siteId}/destinations/${id}/deliveries?status=pending`,
      owner.auth,
    );
    expect(after.json().deliveries.map((d: { id: number }) => d.id)).toEqual([dead, pending]);
  });
});

describe('delivery health', () => {
  it('counts each destination’s deliveries by state and shows the newest error still standing', async () => {
    const owner = await createTenant(context);
    const siteId = await createSite(owner.auth);
    const create = async (name: string) =>
      (
        await call('POST', `/api/sites/${siteId}/destinations`, owner.auth, {
          type: 'webhook',
          name,
          config: { url: SLACK },
        })
      ).json().id as string;
    const busy = await create('Busy');
    const quiet = await create('Quiet');
    const insert = (
      status: string,
      lastError: string | null,
      finishedHoursAgo: number | null,
      destinationId = busy,
    ) =>
      context.db.query<{ id: number }>(
        // Due in 2100: no job runner of a parallel suite may send these.
        `INSERT INTO deliveries (site_id, destination_id, destination_type, payload, status, last_error, last_status,
           finished_at, next_attempt_at)
         VALUES ($1, $2, 'webhook', '{"text":"x"}', $3, $4, $5, now() - make_interval(hours => $6), '2100-01-01')
         RETURNING id`,
        [siteId, destinationId, status, lastError, lastError === null ? null : 500, finishedHoursAgo],
      );
    await insert('pending', null, null);
    await insert('pending', null, null);
    await insert('pending', 'HTTP 503', null);
    await insert('failed', 'HTTP 404: old', 2);
    const newestDead = (await insert('failed', 'HTTP 410: gone', 1)).rows[0]!.id;
    await insert('done', null, 1);
    await insert('done', null, 30); // delivered, but before the window
    await insert('cancelled', 'destination removed', 1);

    const response = await call('GET', `/api/sites/${siteId}/destinations/health`, owner.auth);
    expect(response.statusCode, response.body).toBe(200);
    const [busyHealth, quietHealth] = response.json().destinations;
    expect(busyHealth).toEqual({
      destinationId: busy,
      pending: 2,
      retrying: 1,
      dead: 2,
      delivered: 1,
      skipped: 1,
      lastDeliveredAt: expect.any(String),
      lastError: {
        deliveryId: newestDead,
        status: 'dead',
        message: 'HTTP 410: gone',
        httpStatus: 500,
        createdAt: expect.any(String),
      },
    });
    expect(Date.now() - Date.parse(busyHealth.lastDeliveredAt)).toBeLessThan(2 * 60 * 60 * 1000);
    expect(quietHealth).toEqual({
      destinationId: quiet,
      pending: 0,
      retrying: 0,
      dead: 0,
      delivered: 0,
      skipped: 0,
      lastDeliveredAt: null,
      lastError: null,
    });

    // Replayed, the dead letters no longer stand as the error: the retrying one does.
    await call('POST', `/api/sites/${siteId}/destinations/${busy}/deliveries/replay`, owner.auth, {});
    const after = (await call('GET', `/api/sites/${siteId}/destinations/health`, owner.auth)).json();
    expect(after.destinations[0]).toMatchObject({
      pending: 4,
      dead: 0,
      lastError: { status: 'retrying', message: 'HTTP 503' },
    });
  });
});

describe('destinations API security', () => {
  it("answers another agency's site and destination with 404", async () => {
    const owner = await createTenant(context);
    const siteId = await createSite(owner.auth);
    const { id } = (
      await call('POST', `/api/sites/${siteId}/destinations`, owner.auth, {
        type: 'webhook',
        config: { url: SLACK },
      })
    ).json();
    const stranger = await createTenant(context);
    const strangerSite = await createSite(stranger.auth);
    for (const [method, url] of [
      ['GET', `/api/sites/${siteId}/destinations`],
      ['GET', `/api/sites/${siteId}/destinations/health`],
      ['GET', `/api/sites/${siteId}/destinations/${id}`],
      ['PATCH', `/api/sites/${siteId}/destinations/${id}`],
      ['DELETE', `/api/sites/${siteId}/destinations/${id}`],
      ['POST', `/api/sites/${siteId}/destinations/${id}/test`],
      ['GET', `/api/sites/${siteId}/destinations/${id}/deliveries`],
      ['POST', `/api/sites/${siteId}/destinations/${id}/deliveries/replay`],
      // Their own site, our destination's id: still not found.
      ['GET', `/api/sites/${strangerSite}/destinations/${id}`],
      ['DELETE', `/api/sites/${strangerSite}/destinations/${id}`],
    ] as const) {
      const response = await call(
        method,
        url,
        stranger.auth,
        method === 'PATCH' || method === 'POST' ? {} : undefined,
      );
      expect(response.statusCode, `${method} ${url}: ${response.body}`).toBe(404);
    }
  });

  it('lets members read but not change; client viewers see nothing of destinations', async () => {
    const owner = await createTenant(context);
    const siteId = await createSite(owner.auth);
    const { id } = (
      await call('POST', `/api/sites/${siteId}/destinations`, owner.auth, {
        type: 'webhook',
        config: { url: SLACK },
      })
    ).json();
    const member = await addUser(context, owner.agencyId, 'member');
    const viewer = await addUser(context, owner.agencyId, 'viewer');
    for (const user of [member, viewer]) {
      await context.db.query('INSERT INTO site_members (site_id, user_id) VALUES ($1, $2)', [
        siteId,
        user.userId,
      ]);
    }
    expect((await call('GET', `/api/sites/${siteId}/destinations`, member.auth)).statusCode).toBe(200);
    expect(
      (await call('GET', `/api/sites/${siteId}/destinations/${id}/deliveries`, member.auth)).statusCode,
    ).toBe(200);
    expect(
      (
        await call('POST', `/api/sites/${siteId}/destinations`, member.auth, {
          type: 'webhook',
          config: { url: SLACK },
        })
      ).statusCode,
    ).toBe(403);
    expect((await call('DELETE', `/api/sites/${siteId}/destinations/${id}`, member.auth)).statusCode).toBe(
      403,
    );
    expect((await call('GET', `/api/sites/${siteId}/destinations`, viewer.auth)).statusCode).toBe(403);
    expect((await call('GET', `/api/sites/${siteId}/destinations/health`, viewer.auth)).statusCode).toBe(403);
    expect((await call('GET', `/api/sites/${siteId}/destinations/health`, member.auth)).statusCode).toBe(200);
    expect(
      (await call('GET', `/api/sites/${siteId}/destinations/${id}/deliveries`, viewer.auth)).statusCode,
    ).toBe(403);
  });
});
