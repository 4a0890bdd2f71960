import type { Socket } from 'node:net';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify from 'fastify';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLive, refusedLive, type LiveTestClient } from '../../../test/live-client.ts';
import { addUser, createTenant, useTestApp, type TestTenant } from '../../../test/helpers.ts';
import { hotLeadEvent, liveChannel } from '../../companies/hot-lead-notification.ts';
import { renderError } from '../../http/errors.ts';
import { ErrorResponse, type App } from '../../http/types.ts';
import { createValidatorCompiler } from '../../http/validation.ts';
import { createMemoryState } from '../../state/memory.ts';
import { createAccessTokens } from '../../tenancy/auth/access-tokens.ts';
import { LIVE_CLOSE, type LiveLimits } from './live-hub.ts';
import { registerRealtimeRoutes } from './realtime-routes.ts';

const context = useTestApp();
let port: number;

beforeAll(async () => {
  await context.app.listen({ port: 0, host: '127.0.0.1' });
  port = (context.app.server.address() as { port: number }).port;
});

const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

interface TestSite {
  tenant: TestTenant;
  id: string;
  siteKey: string;
}

async function createSite(tenant?: TestTenant): Promise<TestSite> {
  const owner = tenant ?? (await createTenant(context));
  const response = await context.app.inject({
    method: 'POST',
    url: '/api/sites',
    headers: owner.auth,
    payload: { name: 'Shop', domain: 'shop.example' },
  });
  expect(response.statusCode, response.body).toBe(201);
  const site = response.json<{ id: string; siteKey: string }>();
  return { tenant: owner, id: site.id, siteKey: site.siteKey };
}

const liveUrl = (siteId: string, query = '', on = port) =>
  `ws://127.0.0.1:${on}/api/sites/${siteId}/live${query}`;

async function connect(site: TestSite, tenant: TestTenant = site.tenant): Promise<LiveTestClient> {
  const client = await openLive(liveUrl(site.id), { headers: tenant.auth });
  await client.waitFor((message) => message.type === 'subscribed');
  return client;
}

async function track(site: TestSite, path: string, userAgent = CHROME): Promise<string> {
  const response = await context.app.inject({
    method: 'POST',
    url: '/api/track/event',
    headers: { origin: 'https://shop.example', 'user-agent': userAgent },
    payload: {
      site: site.siteKey,
      type: 'pageview',
      url: `https://shop.example${path}`,
      visitorId: 'visitor-secret',
    },
  });
  expect(response.statusCode, response.body).toBeLessThan(300);
  return response.json<{ id: string }>().id;
}

const isEvent = (id: string) => (message: Record<string, unknown>) =>
  message.type === 'event' && (message.event as { id: string }).id === id;

async function ticketFor(site: TestSite, tenant: TestTenant = site.tenant): Promise<string> {
  const response = await context.app.inject({
    method: 'POST',
    url: `/api/sites/${site.id}/live/ticket`,
    headers: tenant.auth,
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ ticket: string }>().ticket;
}

describe('GET /api/sites/:siteId/live', () => {
  it("sends a client each event committed for its site, without personal data, bots and other sites' events left out", async () => {
    const site = await createSite();
    const otherSite = await createSite();
    const client = await connect(site);
    const otherClient = await connect(otherSite);

    await track(site, '/bot-page', GOOGLEBOT);
    const id = await track(site, '/pricing');
    const otherId = await track(otherSite, '/elsewhere');

    const message = await client.waitFor(isEvent(id));
    expect(message.event).toMatchObject({ id, type: 'pageview', path: '/pricing', browserName: 'Chrome' });
    await otherClient.waitFor(isEvent(otherId));
    const received = JSON.stringify(client.messages);
    expect(received).not.toMatch(/bot-page|elsewhere|visitor-secret|127\.0\.0/);
    expect(JSON.stringify(otherClient.messages)).not.toContain('/pricing');
    client.socket.close();
    otherClient.socket.close();
  });

  it('carries the hot-lead notifications companies publish on the site channel', async () => {
    const site = await createSite();
    const client = await connect(site);
    await context.state.pubsub.publish(
      liveChannel(site.id),
      hotLeadEvent({
        site: { id: site.id, name: 'Shop', domain: 'shop.example' },
        company: { id: 'cmp_1', domain: 'acme.example', name: 'Acme', country: 'DE', score: 82 },
        previousStatus: 'warm',
        breakdown: [],
        at: new Date(),
      }),
    );
    const message = await client.waitFor((candidate) => candidate.type === 'company.hot');
    expect(message).toMatchObject({
      siteId: site.id,
      company: { domain: 'acme.example', leadStatus: 'hot' },
    });
    client.socket.close();
  });

  it('opens from a browser with a ticket, once, for the site it was issued for', async () => {
    const site = await createSite();
    const sameAgencySite = await createSite(site.tenant);
    const viewer = await addUser(context, site.tenant.agencyId, 'viewer');
    await context.db.query('INSERT INTO site_members (site_id, user_id) VALUES ($1, $2)', [
      site.id,
      viewer.userId,
    ]);

    const ticket = await ticketFor(site, viewer);
    const client = await openLive(liveUrl(site.id, `?ticket=${ticket}`));
    await client.waitFor((message) => message.type === 'subscribed');
    const id = await track(site, '/via-ticket');
    await client.waitFor(isEvent(id));

    const reused = await refusedLive(liveUrl(site.id, `?ticket=${ticket}`));
    expect(reused.status).toBe(401);
    const elsewhere = await refusedLive(liveUrl(sameAgencySite.id, `?ticket=${await ticketFor(site)}`));
    expect(elsewhere).toMatchObject({
      status: 401,
      error: { message: expect.stringContaining('another site') },
    });
    client.socket.close();
  });

  it('refuses before the upgrade: no credential, an expired token, any credential in the URL, outsiders', async () => {
    const site = await createSite();
    const member = await addUser(context, site.tenant.agencyId, 'member');
    const stranger = await createTenant(context);
    const expired = createAccessTokens({ key: context.key, signedAt: Date.now() - 16 * 60_000 }).sign({
      userId: site.tenant.userId,
      agencyId: site.tenant.agencyId,
      role: 'owner',
      isInstanceAdmin: false,
    });
    const apiKey = (
      await context.app.inject({
        method: 'POST',
        url: '/api/api-keys',
        headers: site.tenant.auth,
        payload: { name: 'live', scopes: ['read'] },
      })
    ).json<{ key: string }>().key;

    const cases: Array<[string, string, Record<string, string> | undefined, number]> = [
      ['no credential', '', undefined, 401],
      ['an expired access token', '', { authorization: `Bearer ${expired}` }, 401],
      ['an access token in the URL', `?token=${site.tenant.accessToken}`, undefined, 401],
      ['an API key in the URL', `?token=${apiKey}`, undefined, 401],
      ['an API key as a ticket', `?ticket=${apiKey}`, undefined, 401],
      ['an unknown ticket', '?ticket=made-up', undefined, 401],
      ["another agency's owner", '', stranger.auth, 404],
      ['a member not assigned to the site', '', member.auth, 404],
    ];
    for (const [attacker, query, headers, status] of cases) {
      const refused = await refusedLive(liveUrl(site.id, query), headers);
      expect(refused.status, `${attacker}: ${JSON.stringify(refused)}`).toBe(status);
    }

    const withKey = await openLive(liveUrl(site.id), { headers: { authorization: `Bearer ${apiKey}` } });
    await withKey.waitFor((message) => message.type === 'subscribed');
    withKey.socket.close();
  });

  it('answers a plain GET that is no WebSocket upgrade with 400', async () => {
    const site = await createSite();
    const response = await context.app.inject({
      method: 'GET',
      url: `/api/sites/${site.id}/live`,
      headers: site.tenant.auth,
    });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error.message).toContain('WebSocket');
  });
});

/**
 * Beacon's realtime routes alone, with the test's limits, on the test app's database and writer.
 * Its shared state is in-process, so the floods below never load the Redis other test files share.
 */
async function liveApp(limits: Partial<LiveLimits>) {
  const state = createMemoryState();
  const app: App = Fastify().withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(createValidatorCompiler());
  app.setErrorHandler(renderError);
  app.addSchema(ErrorResponse);
  const metrics = new Registry();
  registerRealtimeRoutes(app, {
    db: context.db,
    state,
    tokens: context.tokens,
    ingestion: context.ingestion,
    metrics,
    liveLimits: limits,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const appPort = (app.server.address() as { port: number }).port;
  const dropped = async () => {
    const metric = await metrics.getSingleMetric('beacon_live_messages_dropped_total')!.get();
    return metric.values.find((value) => value.labels.reason === 'slow_client')?.value ?? 0;
  };
  const connectTo = async (site: TestSite, tenant: TestTenant = site.tenant) => {
    const client = await openLive(liveUrl(site.id, '', appPort), { headers: tenant.auth });
    return client;
  };
  const publish = (site: TestSite, message: string) => state.pubsub.publish(liveChannel(site.id), message);
  return { app, dropped, connectTo, publish };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil(condition: () => Promise<boolean>, what: string) {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (await condition()) return;
    await sleep(50);
  }
  throw new Error(`${what}: not within 10 s`);
}

/** A message of about 32 KiB on the site channel, as the publisher would send an event. */
const bulky = (id: string) =>
  JSON.stringify({ type: 'event', event: { id, path: `/${'x'.repeat(32 * 1024)}` } });

/** The underlying TCP socket, to stop reading as a stalled client would. */
const tcpOf = (client: LiveTestClient) => (client.socket as unknown as { _socket: Socket })._socket;

describe('live feed limits', () => {
  const apps: App[] = [];
  afterAll(async () => {
    for (const app of apps) await app.close();
  });
  async function started(limits: Partial<LiveLimits>) {
    const live = await liveApp(limits);
    apps.push(live.app);
    return live;
  }

  it('closes connections over the per-site and per-user limits with 4029 and a reason', async () => {
    const { connectTo } = await started({ perSite: 2, perUser: 3 });
    const site = await createSite();
    const [siteB, siteC] = [await createSite(site.tenant), await createSite(site.tenant)];
    const colleague = await addUser(context, site.tenant.agencyId, 'admin');
    await connectTo(site);
    await connectTo(site, colleague);
    const overSite = await connectTo(site);
    expect(await overSite.closed).toEqual({ code: 4029, reason: LIVE_CLOSE.tooManyForSite.reason });
    await connectTo(siteB);
    await connectTo(siteB);
    const overUser = await connectTo(siteC);
    expect(await overUser.closed).toEqual({ code: 4029, reason: LIVE_CLOSE.tooManyForUser.reason });
  });

  it('drops messages for a client that stops reading and tells it how many once it catches up', async () => {
    const { connectTo, dropped, publish } = await started({
      maxBufferedBytes: 64 * 1024,
      slowCloseAfterMs: 60_000,
    });
    const site = await createSite();
    const client = await connectTo(site);
    await client.waitFor((message) => message.type === 'subscribed');
    tcpOf(client).pause();
    const published = 200;
    for (let index = 0; index < published; index++) {
      await publish(site, bulky(`e${index}`));
    }
    await waitUntil(async () => (await dropped()) > 0, 'messages dropped for the stalled client');
    tcpOf(client).resume();
    await sleep(500);
    await publish(site, bulky('last'));
    await client.waitFor(isEvent('last'));

    const events = client.messages.filter((message) => message.type === 'event').length;
    const notices = client.messages.filter((message) => message.type === 'dropped') as Array<{
      count: number;
    }>;
    expect(notices.length).toBeGreaterThan(0);
    expect(events).toBeLessThan(published + 1);
    expect(events + notices.reduce((sum, notice) => sum + notice.count, 0)).toBe(published + 1);
    client.socket.close();
  });

  it('closes a client that stays behind with 4008', async () => {
    const { connectTo, dropped, publish } = await started({
      maxBufferedBytes: 64 * 1024,
      slowCloseAfterMs: 200,
      heartbeatMs: 1_000,
      closeGraceMs: 30_000,
    });
    const site = await createSite();
    const client = await connectTo(site);
    await client.waitFor((message) => message.type === 'subscribed');
    tcpOf(client).pause();
    for (let index = 0; index < 200; index++) {
      await publish(site, bulky(`e${index}`));
    }
    await waitUntil(async () => (await dropped()) > 0, 'messages dropped for the stalled client');
    // The next heartbeats (at most 2 s) find it behind for longer than 200 ms; the grace is 30 s.
    await sleep(3_000);
    tcpOf(client).resume();
    expect(await client.closed).toEqual(LIVE_CLOSE.slowConsumer);
  });

  it('cuts a connection that stops answering pings, and keeps one that answers', async () => {
    const { connectTo } = await started({ heartbeatMs: 200 });
    const site = await createSite();
    const silent = await openLive(
      liveUrl(site.id, '', (apps.at(-1)!.server.address() as { port: number }).port),
      {
        headers: site.tenant.auth,
        autoPong: false,
      },
    );
    const answering = await connectTo(site);
    const closed = await silent.closed;
    expect(closed.code).toBe(1006);
    expect(answering.socket.readyState).toBe(answering.socket.OPEN);
    answering.socket.close();
  });

  it('closes a connection whose access has ended: a member taken off the site', async () => {
    const { connectTo } = await started({ heartbeatMs: 100, accessCheckMs: 200 });
    const site = await createSite();
    const member = await addUser(context, site.tenant.agencyId, 'member');
    await context.db.query('INSERT INTO site_members (site_id, user_id) VALUES ($1, $2)', [
      site.id,
      member.userId,
    ]);
    const client = await connectTo(site, member);
    await client.waitFor((message) => message.type === 'subscribed');
    await context.db.query('DELETE FROM site_members WHERE site_id = $1 AND user_id = $2', [
      site.id,
      member.userId,
    ]);
    expect(await client.closed).toEqual(LIVE_CLOSE.accessEnded);
  });

  it('closes its sockets with 1001 when the app closes', async () => {
    const { app, connectTo } = await liveApp({});
    const site = await createSite();
    const client = await connectTo(site);
    await client.waitFor((message) => message.type === 'subscribed');
    await app.close();
    expect(await client.closed).toEqual(LIVE_CLOSE.shuttingDown);
  });
});
