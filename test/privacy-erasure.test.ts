import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshRollups } from '../src/analytics/rollups/refresh-rollups.ts';
import { hashUserIdentifiers } from '../src/ingest/user-hashes.ts';
import { createJobRunner } from '../src/jobs/runner.ts';
import { erasureQueue } from '../src/privacy/erasure-queue.ts';
import { exportDataSubject } from '../src/privacy/export-data-subject.ts';
import { openSealedIp } from '../src/privacy/erase-from-site.ts';
import { forgetAddressesEverywhere } from '../src/privacy/forget-addresses.ts';
import { startFakeIpinfo, type FakeIpinfo } from './fakes/ipinfo-server.ts';
import { enrichmentWithFakeIpinfo, addUser, createTenant, useTestApp, type TestTenant } from './helpers.ts';

/**
 * Data-subject rights end to end: visitors planted through the tracking API in every store that
 * can hold them (events, event ids, sessions and a company's visit history, consent records, pending
 * and dead-lettered deliveries holding the full address, the IP caches in-process and in Redis,
 * roll-ups), then exported and erased through the API and the job runner.
 */
const ACME_IP = '151.101.0.1'; // Acme Corp, acme-corp.example (business)
const APPLE_IP = '17.0.0.1'; // Apple Inc., apple.com (business)
const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const MINUTE = 60_000;

let fake: FakeIpinfo;
beforeAll(async () => {
  fake = await startFakeIpinfo();
});
afterAll(() => fake.close());

const context = useTestApp({
  enrichment: enrichmentWithFakeIpinfo(() => fake.url),
});

interface TestSite {
  tenant: TestTenant;
  id: string;
  siteKey: string;
}

async function api(tenant: TestTenant, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) {
  return context.app.inject({ method, url, headers: tenant.auth, ...(payload ? { payload } : {}) });
}

async function createSite(tenant: TestTenant, options: { meta?: boolean } = {}): Promise<TestSite> {
  const response = await api(tenant, 'POST', '/api/sites', { name: 'Shop', domain: 'shop.example' });
  expect(response.statusCode, response.body).toBe(201);
  const site = { tenant, id: response.json().id as string, siteKey: response.json().siteKey as string };
  if (options.meta) {
    // Meta matches on the full address: its pending deliveries keep it, sealed.
    const meta = await api(tenant, 'POST', `/api/sites/${site.id}/destinations`, {
      type: 'meta',
      config: { pixelId: '1234567890123456', accessToken: 'EAAtoken' },
    });
    expect(meta.statusCode, meta.body).toBe(201);
  }
  return site;
}

/** One event through the tracking API, as a browser on `ip` sends it; `minutesAgo` backdates it. */
async function track(
  site: TestSite,
  ip: string,
  event: Record<string, unknown>,
  options: { minutesAgo?: number; headers?: Record<string, string> } = {},
) {
  const sentAt = Date.now();
  const response = await context.app.inject({
    method: 'POST',
    url: '/api/track/event',
    headers: {
      origin: 'https://shop.example',
      'x-forwarded-for': ip,
      'user-agent': CHROME,
      ...options.headers,
    },
    payload: {
      site: site.siteKey,
      url: 'https://shop.example/',
      eventId: randomUUID(),
      consent: { analytics: true, ads: true },
      ts: sentAt - (options.minutesAgo ?? 0) * MINUTE,
      sentAt,
      ...event,
    },
  });
  expect(response.statusCode, response.body).toBeLessThan(300);
  return response.json<{ id: string }>();
}

/** Visitor A: two visits (Apple's network, then Acme's), an identify with email, a purchase, consent. */
async function plantVisitorA(site: TestSite, visitorId: string, email: string) {
  await track(site, APPLE_IP, { type: 'pageview', visitorId }, { minutesAgo: 50 });
  await track(site, ACME_IP, { type: 'pageview', visitorId, url: 'https://shop.example/pricing' });
  await track(site, ACME_IP, { type: 'identify', visitorId, userId: `crm-${visitorId}`, user: { email } });
  await track(site, ACME_IP, { type: 'event', name: 'purchase', visitorId, value: 10, currency: 'EUR' });
  await track(site, ACME_IP, { type: 'consent', visitorId, consent: { analytics: true, ads: true } });
}

async function plantVisitorB(site: TestSite, visitorId: string) {
  await track(site, APPLE_IP, { type: 'pageview', visitorId });
  await track(site, APPLE_IP, { type: 'event', name: 'signup', visitorId });
  await track(site, APPLE_IP, { type: 'consent', visitorId, consent: { analytics: true, ads: false } });
}

/** Everything each store holds for the visitor ids of a site, counted the way erasure must leave it. */
async function holdings(siteId: string, visitorIds: string[]) {
  const count = async (sql: string) =>
    (await context.db.query<{ n: number }>(sql, [siteId, visitorIds])).rows[0]!.n;
  return {
    events: await count('SELECT count(*)::int AS n FROM events WHERE site_id = $1 AND visitor_id = ANY($2)'),
    eventIds: await count(
      `SELECT count(*)::int AS n FROM event_ids k WHERE k.site_id = $1 AND k.row_id IN (
         SELECT id FROM events WHERE site_id = $1 AND visitor_id = ANY($2))`,
    ),
    sessions: await count(
      'SELECT count(*)::int AS n FROM sessions WHERE site_id = $1 AND visitor_id = ANY($2)',
    ),
    consent: await count(
      'SELECT count(*)::int AS n FROM consent_records WHERE site_id = $1 AND visitor_id = ANY($2)',
    ),
    deliveries: await count(
      `SELECT count(*)::int AS n FROM deliveries d WHERE d.site_id = $1 AND d.event_row_id IN (
         SELECT id FROM events WHERE site_id = $1 AND visitor_id = ANY($2))`,
    ),
  };
}

function runErasures(agencyId: string) {
  return createJobRunner({
    db: context.db,
    log: console,
    catalog: {
      periodic: [],
      queues: [
        erasureQueue(
          {
            db: context.db,
            openSealedIp: (sealed) => openSealedIp(context.destinations.sealer, sealed),
            forgetAddresses: forgetAddressesEverywhere({
              enrichment: context.enrichment,
              pubsub: context.state.pubsub,
            }),
          },
          { agencyId },
        ),
      ],
    },
  }).runDue();
}

async function rollUp(siteId: string) {
  await refreshRollups({ db: context.db, now: () => new Date(), settleMs: 0, siteId });
}

async function rolledUpVisitors(siteId: string) {
  const { rows } = await context.db.query<{ day: string; visitors: number }>(
    `SELECT day::text, visitors FROM rollup_days WHERE site_id = $1 ORDER BY day`,
    [siteId],
  );
  return rows;
}

async function rawVisitorsPerDay(siteId: string) {
  const { rows } = await context.db.query<{ day: string; visitors: number }>(
    `SELECT (occurred_at AT TIME ZONE 'UTC')::date::text AS day, count(DISTINCT visitor_id)::int AS visitors
     FROM events WHERE site_id = $1 AND NOT is_bot GROUP BY 1 ORDER BY 1`,
    [siteId],
  );
  return rows;
}

describe('erasure of a visitor', () => {
  it('removes the visitor from every store, caches and roll-ups included, and leaves another visitor as it was', async () => {
    const tenant = await createTenant(context);
    const site = await createSite(tenant, { meta: true });
    // Both networks answered once, so the visits enrich at once (and a company is linked) and the
    // lookups sit in the in-process LRU and in the shared cache.
    await context.enrichment!.service!.resolve(ACME_IP);
    await context.enrichment!.service!.resolve(APPLE_IP);
    const a = `a-${randomUUID()}`;
    const b = `b-${randomUUID()}`;
    await plantVisitorA(site, a, 'jordan@acme-corp.example');
    await plantVisitorB(site, b);
    // One of A's deliveries is a dead letter by now; the others are pending, holding the address.
    await context.db.query(
      `UPDATE deliveries SET status = 'failed', finished_at = now(), sealed_ip = NULL
       WHERE id = (SELECT min(d.id) FROM deliveries d JOIN events e ON e.site_id = d.site_id AND e.id = d.event_row_id
                   WHERE d.site_id = $1 AND e.visitor_id = $2)`,
      [site.id, a],
    );
    await rollUp(site.id);

    const beforeA = await holdings(site.id, [a]);
    const beforeB = await holdings(site.id, [b]);
    // Meta takes the page views and the purchase, not the identify.
    expect(beforeA).toEqual({ events: 4, eventIds: 4, sessions: 2, consent: 1, deliveries: 3 });
    expect(beforeB.events).toBe(2);
    const { rows: companiesBefore } = await context.db.query(
      'SELECT domain, visits FROM companies WHERE site_id = $1 ORDER BY domain',
      [site.id],
    );
    expect(companiesBefore).toEqual([
      { domain: 'acme-corp.example', visits: 1 },
      { domain: 'apple.com', visits: 2 },
    ]);
    expect(
      await context.state.cache.get(`ip:${ACME_IP}`),
      'the shared cache holds the address',
    ).toBeDefined();
    const visitorsBefore = (await rolledUpVisitors(site.id)).reduce((sum, day) => sum + day.visitors, 0);
    expect(visitorsBefore).toBeGreaterThanOrEqual(2);

    const erase = await api(tenant, 'DELETE', `/api/sites/${site.id}/visitors/${a}`);
    expect(erase.statusCode, erase.body).toBe(202);
    expect(erase.json()).toMatchObject({ status: 'pending', siteId: site.id, subjectKind: 'visitor' });
    const again = await api(tenant, 'DELETE', `/api/sites/${site.id}/visitors/${a}`);
    expect(again.json().id, 'asking again while it is pending answers the same erasure').toBe(
      erase.json().id,
    );

    // A new runner, as after a restart: the erasure is a row, not something held in memory.
    await runErasures(tenant.agencyId);
    const status = await api(tenant, 'GET', `/api/erasures/${erase.json().id}`);
    expect(status.json(), status.body).toMatchObject({
      status: 'done',
      erased: { sites: 1, events: 4, sessions: 2, consentRecords: 1, deliveries: 3, companiesDeleted: 1 },
    });

    expect(await holdings(site.id, [a])).toEqual({
      events: 0,
      eventIds: 0,
      sessions: 0,
      consent: 0,
      deliveries: 0,
    });
    expect(await holdings(site.id, [b]), 'the other visitor keeps everything').toEqual(beforeB);
    const { rows: eventIdsLeft } = await context.db.query(
      `SELECT count(*)::int AS n FROM event_ids k WHERE k.site_id = $1
         AND NOT EXISTS (SELECT 1 FROM events e WHERE e.site_id = k.site_id AND e.id = k.row_id)`,
      [site.id],
    );
    expect(eventIdsLeft[0].n, 'no dedup key of an erased event is left').toBe(0);
    const { rows: deliveriesLeft } = await context.db.query(
      `SELECT count(*)::int AS n FROM deliveries d WHERE d.site_id = $1
         AND NOT EXISTS (SELECT 1 FROM events e WHERE e.site_id = d.site_id AND e.id = d.event_row_id)`,
      [site.id],
    );
    expect(deliveriesLeft[0].n, 'no delivery, pending or dead, of an erased event is left').toBe(0);

    const { rows: companiesAfter } = await context.db.query(
      'SELECT domain, visits, sessions, pageviews FROM companies WHERE site_id = $1 ORDER BY domain',
      [site.id],
    );
    expect(companiesAfter, 'Acme existed only through A; Apple keeps B’s visit alone').toEqual([
      { domain: 'apple.com', visits: 1, sessions: 1, pageviews: 1 },
    ]);

    expect(
      await context.state.cache.get(`ip:${ACME_IP}`),
      'the shared cache forgot the address',
    ).toBeUndefined();
    const lookupsBefore = fake.requests.length;
    await context.enrichment!.service!.resolve(ACME_IP);
    expect(fake.requests.length, 'the in-process cache forgot it too: the provider is asked again').toBe(
      lookupsBefore + 1,
    );

    await rollUp(site.id);
    expect(await rolledUpVisitors(site.id), 'roll-ups are recomputed from what remains').toEqual(
      await rawVisitorsPerDay(site.id),
    );
    expect((await rolledUpVisitors(site.id)).reduce((sum, day) => sum + day.visitors, 0)).toBeLessThan(
      visitorsBefore,
    );

    // What is kept about the erasure names nobody.
    const { rows: kept } = await context.db.query(
      `SELECT row_to_json(r)::text AS json FROM erasures r WHERE public_id = $1
       UNION ALL SELECT row_to_json(l)::text FROM audit_log l WHERE agency_id = $2 AND action = 'data_subject.erase'`,
      [erase.json().id, tenant.agencyId],
    );
    expect(kept).toHaveLength(2);
    for (const { json } of kept) {
      expect(json).not.toContain(a);
      expect(json).not.toContain('jordan');
      expect(json).not.toContain(hashUserIdentifiers({ email: 'jordan@acme-corp.example' })!.em);
    }

    const repeat = await api(tenant, 'DELETE', `/api/sites/${site.id}/visitors/${a}`);
    expect(repeat.json().id, 'a finished erasure is not reused').not.toBe(erase.json().id);
    await runErasures(tenant.agencyId);
    expect((await api(tenant, 'GET', `/api/erasures/${repeat.json().id}`)).json()).toMatchObject({
      status: 'done',
      erased: { events: 0, sessions: 0 },
    });
  });

  it('recomputes every day the visitor was counted in, the second day of a visit across midnight included', async () => {
    const tenant = await createTenant(context);
    const site = await createSite(tenant);
    const a = `a-${randomUUID()}`;
    const b = `b-${randomUUID()}`;
    // A visit from 23:50 to 00:05 UTC of this morning: one session, which started yesterday.
    const midnight = new Date();
    midnight.setUTCHours(0, 0, 0, 0);
    const minutesAgo = (at: number) => (Date.now() - at) / MINUTE;
    await track(
      site,
      APPLE_IP,
      { type: 'pageview', visitorId: a },
      { minutesAgo: minutesAgo(midnight.getTime() - 10 * MINUTE) },
    );
    await track(
      site,
      APPLE_IP,
      { type: 'pageview', visitorId: a },
      { minutesAgo: minutesAgo(midnight.getTime() + 5 * MINUTE) },
    );
    await track(
      site,
      APPLE_IP,
      { type: 'pageview', visitorId: b },
      { minutesAgo: minutesAgo(midnight.getTime() + 6 * MINUTE) },
    );
    expect((await holdings(site.id, [a])).sessions).toBe(1);
    await rollUp(site.id);
    expect(await rolledUpVisitors(site.id)).toEqual(await rawVisitorsPerDay(site.id));

    await api(tenant, 'DELETE', `/api/sites/${site.id}/visitors/${a}`);
    await runErasures(tenant.agencyId);
    await rollUp(site.id);
    const after = await rolledUpVisitors(site.id);
    expect(
      after.map((day) => day.visitors),
      'today counts B alone; yesterday nobody',
    ).toEqual([0, 1]);
    expect(after.filter((day) => day.visitors > 0)).toEqual(await rawVisitorsPerDay(site.id));
  });

  it('recomputes the day a session started in when the session outlived its events', async () => {
    const tenant = await createTenant(context);
    const site = await createSite(tenant);
    const a = `a-${randomUUID()}`;
    await track(site, APPLE_IP, { type: 'pageview', visitorId: a });
    await rollUp(site.id);
    // Raw events pruned on their own (retention), the session and the day's roll-up still there.
    await context.db.query('DELETE FROM events WHERE site_id = $1', [site.id]);
    const sessionsRolledUp = async () =>
      (
        await context.db.query<{ sessions: number }>(
          'SELECT coalesce(sum(sessions), 0)::int AS sessions FROM rollup_days WHERE site_id = $1',
          [site.id],
        )
      ).rows[0]!.sessions;
    expect(await sessionsRolledUp()).toBe(1);

    await api(tenant, 'DELETE', `/api/sites/${site.id}/visitors/${a}`);
    await runErasures(tenant.agencyId);
    await rollUp(site.id);
    expect(await sessionsRolledUp()).toBe(0);
  });

  it("never reaches another agency's visitor with the same visitor id", async () => {
    const owner = await createTenant(context);
    const other = await createTenant(context);
    const site = await createSite(owner);
    const otherSite = await createSite(other);
    const shared = `same-${randomUUID()}`;
    await plantVisitorB(site, shared);
    await plantVisitorB(otherSite, shared);

    expect((await api(owner, 'DELETE', `/api/sites/${otherSite.id}/visitors/${shared}`)).statusCode).toBe(
      404,
    );
    expect((await api(owner, 'GET', `/api/sites/${otherSite.id}/visitors/${shared}`)).statusCode).toBe(404);
    const erase = await api(owner, 'DELETE', `/api/sites/${site.id}/visitors/${shared}`);
    expect((await api(other, 'GET', `/api/erasures/${erase.json().id}`)).statusCode).toBe(404);
    await runErasures(owner.agencyId);

    expect((await holdings(site.id, [shared])).events).toBe(0);
    expect(await holdings(otherSite.id, [shared])).toEqual({
      events: 2,
      eventIds: 2,
      sessions: 1,
      consent: 1,
      deliveries: 0,
    });
  });

  it('lets only owners and admins export or erase', async () => {
    const owner = await createTenant(context);
    const site = await createSite(owner);
    for (const role of ['member', 'viewer'] as const) {
      const user = await addUser(context, owner.agencyId, role);
      await context.db.query('INSERT INTO site_members (site_id, user_id) VALUES ($1, $2)', [
        site.id,
        user.userId,
      ]);
      for (const method of ['GET', 'DELETE'] as const) {
        const visitor = await api(user, method, `/api/sites/${site.id}/visitors/v1`);
        expect(visitor.statusCode, `${role} ${method} ${visitor.body}`).toBe(403);
        const person = await api(user, method, '/api/data-subjects?userId=u1');
        expect(person.statusCode, `${role} ${method} ${person.body}`).toBe(403);
      }
    }
  });
});

describe('export of a data subject', () => {
  it('holds exactly the visitor’s events with their deliveries, sessions, consent and companies', async () => {
    const tenant = await createTenant(context);
    const site = await createSite(tenant, { meta: true });
    await context.enrichment!.service!.resolve(ACME_IP);
    await context.enrichment!.service!.resolve(APPLE_IP);
    const a = `a-${randomUUID()}`;
    const b = `b-${randomUUID()}`;
    await plantVisitorA(site, a, 'sam@acme-corp.example');
    await plantVisitorB(site, b);

    const response = await api(tenant, 'GET', `/api/sites/${site.id}/visitors/${a}`);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toContain('application/json');
    expect(response.body).not.toContain(b);
    const exported = response.json();
    expect(exported.subject).toEqual({ kind: 'visitor', siteId: site.id, visitorId: a });
    expect(exported.sites).toHaveLength(1);
    const [part] = exported.sites;
    const { rows: held } = await context.db.query<{ id: string }>(
      'SELECT id FROM events WHERE site_id = $1 AND visitor_id = $2 ORDER BY received_at, id',
      [site.id, a],
    );
    expect(part.events.map((event: { id: string }) => event.id)).toEqual(held.map((row) => row.id));
    expect(part.events.every((event: { visitor_id: string }) => event.visitor_id === a)).toBe(true);
    expect(part.events.flatMap((event: { deliveries: unknown[] }) => event.deliveries)).toHaveLength(3);
    expect(part.events[0].deliveries[0]).toMatchObject({ destinationType: 'meta', status: 'pending' });
    expect(part.sessions).toHaveLength(2);
    expect(part.consent).toEqual([
      expect.objectContaining({ visitor_id: a, analytics: true, ads: true, source: 'banner' }),
    ]);
    expect(part.companies.map((company: { domain: string }) => company.domain)).toEqual([
      'acme-corp.example',
      'apple.com',
    ]);
  });

  it('reads a page of rows at a time and still gives every event once, ties on arrival included', async () => {
    const tenant = await createTenant(context);
    const site = await createSite(tenant);
    const visitor = `v-${randomUUID()}`;
    // One batch: seven events with the same arrival time, which only the id tells apart.
    const batch = await context.app.inject({
      method: 'POST',
      url: '/api/track/batch',
      headers: { origin: 'https://shop.example', 'x-forwarded-for': APPLE_IP, 'user-agent': CHROME },
      payload: {
        events: Array.from({ length: 7 }, (_, index) => ({
          site: site.siteKey,
          type: 'event',
          name: `step-${index}`,
          url: 'https://shop.example/',
          visitorId: visitor,
          consent: { analytics: true },
        })),
      },
    });
    expect(batch.statusCode, batch.body).toBe(201);
    await track(site, APPLE_IP, { type: 'pageview', visitorId: visitor });
    await track(site, APPLE_IP, { type: 'pageview', visitorId: `other-${randomUUID()}` });

    const pages: string[] = [];
    const chunks = await exportDataSubject({
      db: context.db,
      actor: { userId: tenant.userId, agencyId: tenant.agencyId, role: 'owner', isInstanceAdmin: false },
      subject: { kind: 'visitor', siteId: site.id, visitorId: visitor },
      pageRows: 2,
    });
    for await (const chunk of chunks) pages.push(chunk);
    const exported = JSON.parse(pages.join(''));
    const { rows } = await context.db.query<{ id: string }>(
      'SELECT id FROM events WHERE site_id = $1 AND visitor_id = $2 ORDER BY received_at, id',
      [site.id, visitor],
    );
    expect(rows).toHaveLength(8);
    expect(exported.sites[0].events.map((event: { id: string }) => event.id)).toEqual(
      rows.map((row) => row.id),
    );
  });

  it('finds a person by email or userId on every site of the agency, and in no other agency', async () => {
    const tenant = await createTenant(context);
    const other = await createTenant(context);
    const first = await createSite(tenant);
    const second = await createSite(tenant);
    const foreign = await createSite(other);
    const email = `p-${randomUUID()}@client.example`;
    const a1 = `a1-${randomUUID()}`;
    const a2 = `a2-${randomUUID()}`;
    await plantVisitorA(first, a1, email);
    await plantVisitorA(second, a2, email);
    await plantVisitorA(foreign, `f-${randomUUID()}`, email);
    await plantVisitorB(first, `b-${randomUUID()}`);

    const byEmail = await api(
      tenant,
      'GET',
      `/api/data-subjects?email=${encodeURIComponent(email.toUpperCase())}`,
    );
    expect(byEmail.statusCode, byEmail.body).toBe(200);
    const sites = byEmail.json().sites as Array<{ siteId: string; visitorIds: string[]; events: unknown[] }>;
    expect(sites.map((site) => [site.siteId, site.visitorIds])).toEqual([
      [first.id, [a1]],
      [second.id, [a2]],
    ]);
    expect(sites.map((site) => site.events.length)).toEqual([4, 4]);
    const byUser = await api(tenant, 'GET', `/api/data-subjects?userId=crm-${a2}`);
    expect(byUser.json().sites.map((site: { siteId: string }) => site.siteId)).toEqual([second.id]);

    const bad = await api(tenant, 'GET', '/api/data-subjects?email=not-an-address');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe('email');
    const both = await api(tenant, 'GET', `/api/data-subjects?email=${encodeURIComponent(email)}&userId=x`);
    expect(both.json().error.field).toBe('email');

    const erase = await api(tenant, 'DELETE', `/api/data-subjects?email=${encodeURIComponent(email)}`);
    expect(erase.statusCode, erase.body).toBe(202);
    expect(erase.json()).toMatchObject({ siteId: null, subjectKind: 'email' });
    await runErasures(tenant.agencyId);
    expect((await api(tenant, 'GET', `/api/erasures/${erase.json().id}`)).json()).toMatchObject({
      status: 'done',
      erased: { sites: 2, events: 8 },
    });
    expect((await holdings(first.id, [a1])).events + (await holdings(second.id, [a2])).events).toBe(0);
    const { rows } = await context.db.query('SELECT count(*)::int AS n FROM events WHERE site_id = $1', [
      foreign.id,
    ]);
    expect(rows[0].n, "another agency's events of the same email stay").toBe(4);
  });
});

describe('consent records', () => {
  it('records the tracker’s choices (banner, GPC) and a server’s, and refuses what names nobody', async () => {
    const tenant = await createTenant(context);
    const site = await createSite(tenant);
    const visitor = `v-${randomUUID()}`;
    await track(site, APPLE_IP, {
      type: 'consent',
      visitorId: visitor,
      consent: { analytics: true, ads: false },
    });
    await track(
      site,
      APPLE_IP,
      { type: 'consent', visitorId: visitor, consent: { analytics: true, ads: true } },
      { headers: { 'sec-gpc': '1' } },
    );
    const server = await api(tenant, 'POST', `/api/sites/${site.id}/consent`, {
      visitorId: visitor,
      userId: 'crm-1',
      analytics: false,
    });
    expect(server.statusCode, server.body).toBe(201);
    expect(server.json()).toMatchObject({ source: 'api', analytics: false, ads: null, userId: 'crm-1' });

    const { rows } = await context.db.query(
      `SELECT visitor_id, analytics, ads, source FROM consent_records WHERE site_id = $1 ORDER BY recorded_at, id`,
      [site.id],
    );
    expect(rows).toEqual([
      { visitor_id: visitor, analytics: true, ads: false, source: 'banner' },
      { visitor_id: visitor, analytics: false, ads: false, source: 'gpc' },
      { visitor_id: visitor, analytics: false, ads: null, source: 'api' },
    ]);
    const { rows: events } = await context.db.query(
      'SELECT count(*)::int AS n FROM events WHERE site_id = $1',
      [site.id],
    );
    expect(events[0].n, 'a consent call stores no event').toBe(0);

    const nobody = await api(tenant, 'POST', `/api/sites/${site.id}/consent`, { analytics: true });
    expect(nobody.statusCode).toBe(400);
    expect(nobody.json().error.field).toBe('visitorId');
    const nothing = await api(tenant, 'POST', `/api/sites/${site.id}/consent`, { visitorId: visitor });
    expect(nothing.json().error.field).toBe('analytics');
    const empty = await context.app.inject({
      method: 'POST',
      url: '/api/track/event',
      headers: { origin: 'https://shop.example' },
      payload: { site: site.siteKey, type: 'consent', visitorId: visitor },
    });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.field).toBe('consent');

    const other = await createTenant(context);
    expect(
      (await api(other, 'POST', `/api/sites/${site.id}/consent`, { visitorId: 'x', analytics: true }))
        .statusCode,
    ).toBe(404);
    const viewer = await addUser(context, tenant.agencyId, 'viewer');
    await context.db.query('INSERT INTO site_members (site_id, user_id) VALUES ($1, $2)', [
      site.id,
      viewer.userId,
    ]);
    expect(
      (await api(viewer, 'POST', `/api/sites/${site.id}/consent`, { visitorId: 'x', analytics: true }))
        .statusCode,
    ).toBe(403);
  });
});
