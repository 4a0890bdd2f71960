import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPool } from '../db/pool.ts';
import { newId } from '../lib/ids.ts';
import { WEBHOOK_RETRY, webhookDeliveryQueue } from '../jobs/catalog.ts';
import { createJobRunner } from '../jobs/runner.ts';
import { classifyWebhookResponse, postWebhook } from './deliver-webhooks.ts';

const db = createPool({ connectionString: inject('databaseUrl'), max: 4 });

/** A local incoming-webhook endpoint that answers each path with the statuses queued for it. */
let server: Server;
let base: string;
const received: Array<{ path: string; contentType: string | undefined; body: unknown }> = [];
/** Per path, the answers to give in turn: a status (0 drops the connection), or a status and a Retry-After. */
const script = new Map<string, Array<number | { status: number; retryAfter: string }>>();

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
      const answer = script.get(path)?.shift() ?? 200;
      const status = typeof answer === 'number' ? answer : answer.status;
      if (status === 0) {
        request.socket.destroy();
        return;
      }
      const headers = typeof answer === 'number' ? {} : { 'retry-after': answer.retryAfter };
      response
        .writeHead(status, { 'content-type': 'text/plain', ...headers })
        .end(status === 200 ? 'ok' : 'no_service');
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

/**
 * The runner's clock starts far ahead, and so are the deliveries here, so that no Beacon process a
 * parallel suite starts on this database (on the real clock) finds them due.
 */
const T0 = new Date('2100-01-01T00:00:00Z').getTime();

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
     VALUES ($1, $2, $3, $4) RETURNING id`,
    [siteId, url, JSON.stringify({ text: 'Acme is a hot lead' }), new Date(T0 - 1000)],
  );
  return { siteId, id: rows[0]!.id };
}

async function delivery(id: number) {
  const { rows } = await db.query(
    'SELECT status, attempts, last_status, last_error, next_attempt_at, finished_at FROM webhook_deliveries WHERE id = $1',
    [id],
  );
  return rows[0];
}

/** An instance's job runner that sends only this site's webhooks, on a clock the test moves. */
function webhookRunner(siteId: string, clock = { at: T0 }, random = () => 0.5) {
  return createJobRunner({
    db,
    log: { error: (object) => expect.fail(`unexpected error: ${JSON.stringify(object)}`) },
    now: () => new Date(clock.at),
    random,
    catalog: { periodic: [], queues: [webhookDeliveryQueue({ db, fetch, siteId })] },
  });
}

const requestsTo = (path: string) => received.filter((request) => request.path === path).length;

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

  it('reports an unreachable endpoint as worth retrying', async () => {
    const outcome = await postWebhook('http://127.0.0.1:9/none', { text: 'x' }, fetch, 1000);
    expect(outcome).toMatchObject({ kind: 'retry', status: null });
  });
});

describe('webhook delivery through the job runner', () => {
  it('posts the Slack-compatible JSON and marks it done', async () => {
    const { siteId, id } = await siteWithDelivery('/ok');
    await webhookRunner(siteId).runDue();
    expect(received.find((request) => request.path === '/ok')).toEqual({
      path: '/ok',
      contentType: 'application/json',
      body: { text: 'Acme is a hot lead' },
    });
    expect(await delivery(id)).toMatchObject({
      status: 'done',
      attempts: 1,
      last_status: 200,
      last_error: null,
      finished_at: new Date(T0),
    });
  });

  it('retries with backoff after a failure and delivers once the endpoint recovers', async () => {
    script.set('/flaky', [503, 0]);
    const { siteId, id } = await siteWithDelivery('/flaky');
    const clock = { at: T0 };
    const jobs = webhookRunner(siteId, clock);
    await jobs.runDue();
    expect(await delivery(id)).toMatchObject({
      status: 'pending',
      attempts: 1,
      last_status: 503,
      next_attempt_at: new Date(T0 + 30_000),
    });

    // Not due yet: nothing is sent.
    clock.at = T0 + 10_000;
    await jobs.runDue();
    expect(requestsTo('/flaky')).toBe(1);
    // Due: the connection is dropped (a network error), retried again a minute later.
    clock.at = T0 + 31_000;
    await jobs.runDue();
    expect(await delivery(id)).toMatchObject({
      status: 'pending',
      attempts: 2,
      last_status: null,
      next_attempt_at: new Date(T0 + 91_000),
    });
    clock.at = T0 + 91_000;
    await jobs.runDue();
    expect(await delivery(id)).toMatchObject({ status: 'done', attempts: 3, last_status: 200 });
  });

  it('waits as long as a Retry-After asks', async () => {
    script.set('/slow-down', [{ status: 429, retryAfter: '600' }]);
    const { siteId, id } = await siteWithDelivery('/slow-down');
    await webhookRunner(siteId).runDue();
    expect(await delivery(id)).toMatchObject({
      status: 'pending',
      last_status: 429,
      next_attempt_at: new Date(T0 + 600_000),
    });
  });

  it('gives up at once on an answer a retry cannot change', async () => {
    script.set('/gone', [404]);
    const { siteId, id } = await siteWithDelivery('/gone');
    await webhookRunner(siteId).runDue();
    expect(await delivery(id)).toMatchObject({
      status: 'failed',
      attempts: 1,
      last_error: 'HTTP 404: no_service',
    });
  });

  it(`fails after ${WEBHOOK_RETRY.maxAttempts} attempts`, async () => {
    script.set(
      '/down',
      Array.from({ length: WEBHOOK_RETRY.maxAttempts }, () => 500),
    );
    const { siteId, id } = await siteWithDelivery('/down');
    const clock = { at: T0 };
    const jobs = webhookRunner(siteId, clock);
    for (let attempt = 1; attempt <= WEBHOOK_RETRY.maxAttempts + 2; attempt++) {
      await jobs.runDue();
      clock.at += 7 * 60 * 60 * 1000;
    }
    expect(await delivery(id)).toMatchObject({
      status: 'failed',
      attempts: WEBHOOK_RETRY.maxAttempts,
      last_status: 500,
    });
    expect(requestsTo('/down')).toBe(WEBHOOK_RETRY.maxAttempts);
  });

  it('cancels deliveries to a URL the site no longer has, without calling it', async () => {
    const { siteId, id } = await siteWithDelivery('/removed', { configured: false });
    await webhookRunner(siteId).runDue();
    expect(await delivery(id)).toMatchObject({
      status: 'cancelled',
      last_error: 'webhook no longer configured',
    });
    expect(requestsTo('/removed')).toBe(0);
  });

  it('cancels the deliveries of a deleted site', async () => {
    const { siteId, id } = await siteWithDelivery('/deleted-site');
    await db.query('UPDATE sites SET deleted_at = now() WHERE id = $1', [siteId]);
    await webhookRunner(siteId).runDue();
    expect(await delivery(id)).toMatchObject({ status: 'cancelled' });
    expect(requestsTo('/deleted-site')).toBe(0);
  });

  it('hands each delivery to one instance when several run at once', async () => {
    const { siteId, id } = await siteWithDelivery('/once');
    await Promise.all([1, 2, 3].map(() => webhookRunner(siteId).runDue()));
    expect(requestsTo('/once')).toBe(1);
    expect(await delivery(id)).toMatchObject({ status: 'done', attempts: 1 });
  });
});
