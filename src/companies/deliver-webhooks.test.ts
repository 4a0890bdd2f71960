import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPool } from '../db/pool.ts';
import { newId } from '../lib/ids.ts';
import {
  classifyWebhookResponse,
  deliverWebhooks,
  postWebhook,
  retryDelayMs,
  WEBHOOK_MAX_ATTEMPTS,
} from './deliver-webhooks.ts';

const db = createPool({ connectionString: inject('databaseUrl'), max: 4 });

/** A local incoming-webhook endpoint that answers each path with the statuses queued for it. */
let server: Server;
let base: string;
const received: Array<{ path: string; contentType: string | undefined; body: unknown }> = [];
const script = new Map<string, number[]>();

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      received.push({
        path,
        contentType: request.headers['content-type'],
        body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null'),
      });
      const status = script.get(path)?.shift() ?? 200;
      if (status === 0) {
        request.socket.destroy();
        return;
      }
      response.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'no_service');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address() as { port: number };
  base = `http://127.0.0.1:${address.port}`;
});
afterAll(async () => {
  server.close();
  await db.end();
});

async function siteWithDelivery(path: string, options: { configured?: boolean } = {}) {
  const agencyId = newId('agency');
  const siteId = newId('site');
  const url = `${base}${path}`;
  await db.query('INSERT INTO agencies (id, name) VALUES ($1, $2)', [agencyId, 'Webhook test']);
  await db.query(
    `INSERT INTO sites (id, agency_id, name, domain, site_key, write_key_prefix, write_key_hash, webhooks)
     VALUES ($1, $2, 'Shop', 'shop.example', $1, 'wk_', $1, $3)`,
    [siteId, agencyId, JSON.stringify(options.configured === false ? [] : [{ url }])],
  );
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO webhook_deliveries (site_id, url, payload, next_attempt_at)
     VALUES ($1, $2, $3, now() - interval '1 second') RETURNING id`,
    [siteId, url, JSON.stringify({ text: 'Acme is a hot lead' })],
  );
  return { siteId, id: rows[0]!.id };
}

async function delivery(id: number) {
  const { rows } = await db.query(
    'SELECT status, attempts, last_status, last_error, next_attempt_at, delivered_at FROM webhook_deliveries WHERE id = $1',
    [id],
  );
  return rows[0];
}

describe('webhook outcomes', () => {
  it.each([
    [200, 'delivered'],
    [204, 'delivered'],
    [301, 'failed'],
    [400, 'failed'],
    [403, 'failed'],
    [404, 'failed'],
    [410, 'failed'],
    [408, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [503, 'retry'],
  ] as const)('HTTP %i → %s', (status, kind) => {
    expect(classifyWebhookResponse(status)).toBe(kind);
  });

  it.each([
    [1, 0.5, 30_000],
    [2, 0.5, 60_000],
    [3, 0.5, 120_000],
    [1, 0, 24_000],
    [1, 1, 36_000],
    [40, 0.5, 6 * 60 * 60 * 1000],
    [0, 0.5, 30_000],
    [NaN, 0.5, 30_000],
    [2, NaN, 60_000],
  ])('after %s failures (jitter %s) waits %i ms', (attempts, random, delay) => {
    expect(retryDelayMs(attempts, () => random)).toBe(delay);
  });

  it('reports an unreachable endpoint as worth retrying', async () => {
    const outcome = await postWebhook('http://127.0.0.1:9/none', { text: 'x' }, fetch, 1000);
    expect(outcome).toMatchObject({ kind: 'retry', status: null });
  });
});

describe('webhook delivery from the outbox', () => {
  it('posts the Slack-compatible JSON and marks it delivered', async () => {
    const { siteId, id } = await siteWithDelivery('/ok');
    expect(await deliverWebhooks({ db, fetch, siteId })).toEqual({
      delivered: 1,
      retried: 0,
      failed: 0,
      cancelled: 0,
    });
    expect(received.find((request) => request.path === '/ok')).toEqual({
      path: '/ok',
      contentType: 'application/json',
      body: { text: 'Acme is a hot lead' },
    });
    expect(await delivery(id)).toMatchObject({ status: 'delivered', attempts: 1, last_status: 200 });
  });

  it('retries with backoff after a failure and delivers once the endpoint recovers', async () => {
    script.set('/flaky', [503, 0]);
    const { siteId, id } = await siteWithDelivery('/flaky');
    const t0 = new Date();
    expect(await deliverWebhooks({ db, fetch, siteId, now: () => t0, random: () => 0.5 })).toMatchObject({
      retried: 1,
    });
    expect(await delivery(id)).toMatchObject({ status: 'pending', attempts: 1, last_status: 503 });
    expect((await delivery(id)).next_attempt_at.getTime()).toBe(t0.getTime() + 30_000);

    // Not due yet: nothing is sent.
    expect(
      await deliverWebhooks({ db, fetch, siteId, now: () => new Date(t0.getTime() + 10_000) }),
    ).toMatchObject({
      retried: 0,
      delivered: 0,
    });
    // Due: the connection is dropped (a network error), retried again.
    const t1 = new Date(t0.getTime() + 31_000);
    expect(await deliverWebhooks({ db, fetch, siteId, now: () => t1, random: () => 0.5 })).toMatchObject({
      retried: 1,
    });
    expect(await delivery(id)).toMatchObject({ status: 'pending', attempts: 2, last_status: null });
    const t2 = new Date(t1.getTime() + 61_000);
    expect(await deliverWebhooks({ db, fetch, siteId, now: () => t2 })).toMatchObject({ delivered: 1 });
    expect(await delivery(id)).toMatchObject({ status: 'delivered', attempts: 3 });
  });

  it('gives up at once on an answer a retry cannot change', async () => {
    script.set('/gone', [404]);
    const { siteId, id } = await siteWithDelivery('/gone');
    expect(await deliverWebhooks({ db, fetch, siteId })).toMatchObject({ failed: 1 });
    expect(await delivery(id)).toMatchObject({
      status: 'failed',
      attempts: 1,
      last_error: 'HTTP 404: no_service',
    });
  });

  it(`fails after ${WEBHOOK_MAX_ATTEMPTS} attempts`, async () => {
    script.set(
      '/down',
      Array.from({ length: WEBHOOK_MAX_ATTEMPTS }, () => 500),
    );
    const { siteId, id } = await siteWithDelivery('/down');
    let now = new Date();
    for (let attempt = 1; attempt <= WEBHOOK_MAX_ATTEMPTS; attempt++) {
      await deliverWebhooks({ db, fetch, siteId, now: () => now });
      now = new Date(now.getTime() + 7 * 60 * 60 * 1000);
    }
    expect(await delivery(id)).toMatchObject({
      status: 'failed',
      attempts: WEBHOOK_MAX_ATTEMPTS,
      last_status: 500,
    });
    expect(await deliverWebhooks({ db, fetch, siteId, now: () => now })).toMatchObject({
      failed: 0,
      retried: 0,
    });
  });

  it('cancels deliveries to a URL the site no longer has, without calling it', async () => {
    const { siteId, id } = await siteWithDelivery('/removed', { configured: false });
    expect(await deliverWebhooks({ db, fetch, siteId })).toMatchObject({ cancelled: 1 });
    expect(await delivery(id)).toMatchObject({ status: 'cancelled' });
    expect(received.some((request) => request.path === '/removed')).toBe(false);
  });

  it('hands each delivery to one instance when several run at once', async () => {
    const { siteId } = await siteWithDelivery('/once');
    const results = await Promise.all([1, 2, 3].map(() => deliverWebhooks({ db, fetch, siteId })));
    expect(results.reduce((sum, result) => sum + result.delivered, 0)).toBe(1);
    expect(received.filter((request) => request.path === '/once')).toHaveLength(1);
  });
});
