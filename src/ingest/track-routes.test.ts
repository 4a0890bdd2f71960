import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTenant, useTestApp, type TestTenant } from '../../test/helpers.ts';

const context = useTestApp();

const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

interface TestSite {
  tenant: TestTenant;
  id: string;
  siteKey: string;
}

async function createSite(domain = 'shop.example'): Promise<TestSite> {
  const tenant = await createTenant(context);
  const response = await context.app.inject({
    method: 'POST',
    url: '/api/sites',
    headers: tenant.auth,
    payload: { name: 'Shop', domain },
  });
  const site = response.json();
  return { tenant, id: site.id, siteKey: site.siteKey };
}

function track(payload: unknown, headers: Record<string, string> = {}) {
  return context.app.inject({
    method: 'POST',
    url: '/api/track/event',
    headers: { origin: 'https://shop.example', 'user-agent': CHROME, ...headers },
    payload: payload as object,
  });
}

function pageview(site: TestSite, extra: Record<string, unknown> = {}) {
  return {
    site: site.siteKey,
    type: 'pageview',
    url: 'https://shop.example/',
    eventId: randomUUID(),
    ...extra,
  };
}

async function storedEvent(id: string) {
  const { rows } = await context.db.query('SELECT * FROM events WHERE id = $1', [id]);
  return rows[0];
}

describe('POST /api/track/event', () => {
  it('stores an enriched page view and answers 201 with its id once committed', async () => {
    const site = await createSite();
    const response = await track(
      pageview(site, {
        url: 'https://shop.example/pricing?utm_source=newsletter&utm_medium=email&email=jane@x.example#top',
        referrer: 'https://www.google.com/',
        title: 'Pricing',
        screen: { w: 1920, h: 1080 },
        lang: 'en-GB',
        tz: 'Europe/London',
      }),
    );
    expect(response.statusCode, response.body).toBe(201);
    expect(response.headers).toMatchObject({
      'access-control-allow-origin': 'https://shop.example',
      'cross-origin-resource-policy': 'cross-origin',
      'x-content-type-options': 'nosniff',
    });
    const row = await storedEvent(response.json().id);
    expect(row).toMatchObject({
      site_id: site.id,
      type: 'pageview',
      hostname: 'shop.example',
      path: '/pricing',
      title: 'Pricing',
      utm_source: 'newsletter',
      utm_medium: 'email',
      referrer_type: 'email',
      referrer_host: 'google.com',
      browser_name: 'Chrome',
      os_name: 'Windows',
      device_type: 'desktop',
      is_bot: false,
      screen_width: 1920,
      language: 'en-GB',
      ip: '127.0.0.0',
      enrichment_status: 'skipped',
    });
    expect(row.url).not.toContain('jane');
    expect(row.url).not.toContain('#top');
    expect(row.visitor_id).toMatch(/^cl_/);
    expect(row.session_id).toMatch(/^ses_/);
  });

  it('keeps events with an over-long title or URL, shortened rather than refused', async () => {
    const site = await createSite();
    const response = await track(
      pageview(site, { title: 't'.repeat(3000), url: `https://shop.example/long?q=${'x'.repeat(3000)}` }),
    );
    expect(response.statusCode, response.body).toBe(201);
    const row = await storedEvent(response.json().id);
    expect(row.title).toHaveLength(1024);
    expect(row.url).toBe('https://shop.example/long');
  });

  it('counts outcomes in /metrics', async () => {
    const site = await createSite();
    const event = pageview(site);
    await track(event);
    await track(event);
    const metrics = (await context.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/beacon_ingest_events_total\{outcome="accepted"\} [1-9]/);
    expect(metrics).toMatch(/beacon_ingest_events_total\{outcome="duplicate"\} [1-9]/);
    expect(metrics).toMatch(/beacon_ingest_writer\{stat="rowsWritten"\} [1-9]/);
  });

  it('counts refused requests by reason in /metrics', async () => {
    const site = await createSite();
    const refusedCount = async (reason: string) => {
      const metrics = (await context.app.inject({ method: 'GET', url: '/metrics' })).body;
      return Number(
        new RegExp(`beacon_ingest_refused_requests_total\\{reason="${reason}"\\} (\\d+)`).exec(
          metrics,
        )?.[1] ?? 0,
      );
    };
    const [originBefore = 0, unknownBefore = 0, jsonBefore = 0] = await Promise.all(
      ['origin_not_allowed', 'unknown_site', 'invalid_json'].map(refusedCount),
    );
    await track(pageview(site), { origin: 'http://localhost:5173' });
    await track({ ...pageview(site), site: 'pk_nosuchsite' });
    await track('{oops', { 'content-type': 'text/plain' });
    expect(await refusedCount('origin_not_allowed')).toBe(originBefore + 1);
    expect(await refusedCount('unknown_site')).toBe(unknownBefore + 1);
    expect(await refusedCount('invalid_json')).toBe(jsonBefore + 1);
  });

  it('accepts a text/plain body as navigator.sendBeacon sends it', async () => {
    const site = await createSite();
    const response = await track(JSON.stringify(pageview(site)), {
      'content-type': 'text/plain;charset=UTF-8',
    });
    expect(response.statusCode, response.body).toBe(201);
  });

  it('deduplicates a repeated eventId: 200 with the first id, one stored row', async () => {
    const site = await createSite();
    const event = pageview(site);
    const first = await track(event);
    const second = await track(event);
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(200);
    expect(second.json()).toEqual({ id: first.json().id, duplicate: true });
    const { rows } = await context.db.query('SELECT count(*)::int AS n FROM events WHERE site_id = $1', [
      site.id,
    ]);
    expect(rows[0].n).toBe(1);
  });

  it('stores exactly one of many concurrent copies of one event', async () => {
    const site = await createSite();
    const event = pageview(site);
    const responses = await Promise.all(Array.from({ length: 20 }, () => track(event)));
    expect(responses.filter((response) => response.statusCode === 201)).toHaveLength(1);
    expect(responses.filter((response) => response.statusCode === 200)).toHaveLength(19);
    const ids = new Set(responses.map((response) => response.json().id));
    expect(ids.size).toBe(1);
  });

  it('keeps the same eventId on two sites apart', async () => {
    const a = await createSite();
    const b = await createSite();
    const eventId = randomUUID();
    expect((await track(pageview(a, { eventId }))).statusCode).toBe(201);
    expect((await track(pageview(b, { eventId }))).statusCode).toBe(201);
  });

  it('refuses events from a page host the site does not allow, stores nothing, and lets the page read why', async () => {
    const site = await createSite();
    const response = await track(pageview(site), { origin: 'https://evil.example' });
    expect(response.statusCode).toBe(403);
    expect(response.json().error).toMatchObject({ code: 'forbidden', field: 'site' });
    expect(response.json().error.message).toMatch(/evil\.example.*allowedDomains/);
    // The refusal carries only the caller's own outcome; the tracker prints it in the console.
    expect(response.headers['access-control-allow-origin']).toBe('https://evil.example');
    const { rows } = await context.db.query('SELECT count(*)::int AS n FROM events WHERE site_id = $1', [
      site.id,
    ]);
    expect(rows[0].n).toBe(0);
  });

  it('accepts a host listed in allowedDomains', async () => {
    const site = await createSite();
    await context.db.query(`UPDATE sites SET allowed_domains = '{*.shop-cdn.example}' WHERE id = $1`, [
      site.id,
    ]);
    const response = await track(pageview(site), { origin: 'https://eu.shop-cdn.example' });
    expect(response.statusCode, response.body).toBe(201);
  });

  describe('server-side ingestion with the secret write key', () => {
    async function siteWithWriteKey() {
      const tenant = await createTenant(context);
      const response = await context.app.inject({
        method: 'POST',
        url: '/api/sites',
        headers: tenant.auth,
        payload: { name: 'Shop', domain: 'shop.example' },
      });
      return response.json() as { id: string; siteKey: string; writeKey: string };
    }

    it('accepts events from a server, without an allowed origin, when the write key matches the site', async () => {
      const site = await siteWithWriteKey();
      const response = await context.app.inject({
        method: 'POST',
        url: '/api/track/event',
        headers: { authorization: `Bearer ${site.writeKey}`, 'user-agent': CHROME },
        payload: {
          site: site.siteKey,
          type: 'event',
          name: 'order_completed',
          url: 'https://checkout.other.example/done',
          value: 99,
        },
      });
      expect(response.statusCode, response.body).toBe(201);
      expect((await storedEvent(response.json().id)).site_id).toBe(site.id);
    });

    it('answers 401 for an unknown write key and 403 for another site’s key', async () => {
      const mine = await siteWithWriteKey();
      const theirs = await siteWithWriteKey();
      const send = (authorization: string) =>
        context.app.inject({
          method: 'POST',
          url: '/api/track/event',
          headers: { authorization },
          payload: { site: mine.siteKey, type: 'pageview', url: 'https://shop.example/' },
        });
      expect((await send('Bearer wk_notakey')).statusCode).toBe(401);
      const foreign = await send(`Bearer ${theirs.writeKey}`);
      expect(foreign.statusCode).toBe(403);
      expect(foreign.json().error.field).toBe('site');
    });
  });

  it('answers CORS preflights', async () => {
    const response = await context.app.inject({
      method: 'OPTIONS',
      url: '/api/track/event',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' },
    });
    expect(response.statusCode).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe('https://shop.example');
    expect(response.headers['access-control-allow-headers']).toContain('content-type');
  });

  it('answers an unknown site key with 400 naming site', async () => {
    const response = await track({ site: 'pk_nope', type: 'pageview', url: 'https://shop.example/' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'validation_failed', field: 'site' });
  });

  describe('validation: every error names its field', () => {
    it.each([
      [{ type: 'pageview' }, 'site'],
      [{ site: 'SITE' }, 'type'],
      [{ site: 'SITE', type: 'click' }, 'type'],
      [{ site: 'SITE', type: 'event' }, 'name'],
      [{ site: 'SITE', type: 'pageview', url: 'javascript:alert(1)' }, 'url'],
      [{ site: 'SITE', type: 'pageview', url: 42 }, 'url'],
      [{ site: 'SITE', type: 'pageview', ts: 'yesterday' }, 'ts'],
      [{ site: 'SITE', type: 'pageview', ts: 12 }, 'ts'],
      [{ site: 'SITE', type: 'pageview', eventId: 'has spaces' }, 'eventId'],
      [{ site: 'SITE', type: 'pageview', screen: { w: -1, h: 10 } }, 'screen.w'],
      [{ site: 'SITE', type: 'pageview', props: [] }, 'props'],
      [{ site: 'SITE', type: 'pageview', props: { a: { b: { c: { d: { e: 1 } } } } } }, 'props.a.b.c.d'],
      [{ site: 'SITE', type: 'pageview', props: { note: 'x'.repeat(1001) } }, 'props.note'],
      [{ site: 'SITE', type: 'pageview', currency: 'EURO' }, 'currency'],
      [{ site: 'SITE', type: 'pageview', consent: { ads: 'yes' } }, 'consent.ads'],
      [{ site: 'SITE', type: 'pageview', title: 'x'.repeat(9000) }, 'title'],
      [{ site: 'SITE', type: 'pageview' }, 'url'],
      [{ site: 'SITE', type: 'pageview', url: '' }, 'url'],
    ])('%j → %s', async (payload, field) => {
      const site = await createSite();
      const body = { ...payload, ...('site' in payload ? { site: site.siteKey } : {}) };
      const response = await track(body);
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json().error.field, response.body).toBe(field);
    });

    it('answers malformed text/plain JSON with 400 invalid_json', async () => {
      const response = await track('{"site":', { 'content-type': 'text/plain' });
      expect(response.statusCode).toBe(400);
      expect(response.json().error.code).toBe('invalid_json');
    });

    it('answers a body over 64 KB with 413', async () => {
      const site = await createSite();
      const response = await track({ ...pageview(site), title: 'x'.repeat(70 * 1024) });
      expect(response.statusCode).toBe(413);
    });
  });

  describe('bots', () => {
    it('flags a crawler by default and never gives it a human session', async () => {
      const site = await createSite();
      const response = await track(pageview(site), { 'user-agent': GOOGLEBOT });
      expect(response.statusCode).toBe(201);
      const row = await storedEvent(response.json().id);
      expect(row.is_bot).toBe(true);
      const { rows } = await context.db.query('SELECT is_bot FROM sessions WHERE site_id = $1', [site.id]);
      expect(rows).toEqual([{ is_bot: true }]);
    });

    it('counts a desktop app built on Electron (Obsidian) as a person, also where bots are dropped', async () => {
      const site = await createSite();
      await context.db.query(`UPDATE sites SET bot_policy = 'drop' WHERE id = $1`, [site.id]);
      const response = await track(pageview(site), {
        'user-agent':
          'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) obsidian/1.5.12 Chrome/120.0.6099.283 Electron/28.2.3 Safari/537.36',
      });
      expect(response.statusCode, response.body).toBe(201);
      expect((await storedEvent(response.json().id)).is_bot).toBe(false);
    });

    it('drops bots when the site says so, answering 202 with the reason', async () => {
      const site = await createSite();
      await context.db.query(`UPDATE sites SET bot_policy = 'drop' WHERE id = $1`, [site.id]);
      const response = await track(pageview(site), { 'user-agent': 'HeadlessChrome/120.0' });
      expect(response.statusCode).toBe(202);
      expect(response.json().dropped).toMatch(/^bot_/);
      const { rows } = await context.db.query('SELECT count(*)::int AS n FROM events WHERE site_id = $1', [
        site.id,
      ]);
      expect(rows[0].n).toBe(0);
    });
  });

  describe('consent and privacy', () => {
    it('keeps the first-party visitor id, user id and hashed email only with analytics consent', async () => {
      const site = await createSite();
      const response = await track({
        ...pageview(site),
        type: 'identify',
        visitorId: 'v-123',
        userId: 'u-9',
        user: { email: 'Jane@Example.com' },
        consent: { analytics: true, ads: false },
        fbp: 'fb.1.123.456',
      });
      const row = await storedEvent(response.json().id);
      expect(row).toMatchObject({
        visitor_id: 'v-123',
        user_id: 'u-9',
        consent_analytics: true,
        consent_ads: false,
        fbp: null,
      });
      expect(row.user_hashes.em).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(row)).not.toContain('Jane@Example.com');
      expect(JSON.stringify(row)).not.toContain('jane@example.com');
    });

    it("keeps the GA cookie's client id with analytics consent only, and a conversion's transaction id", async () => {
      const site = await createSite();
      const conversion = {
        type: 'event',
        name: 'purchase',
        gaClientId: '1234567890.1700000000',
        transactionId: 'order-7',
      };
      const consented = await track({ ...pageview(site), ...conversion, consent: { analytics: true } });
      expect(await storedEvent(consented.json().id)).toMatchObject({
        ga_client_id: '1234567890.1700000000',
        transaction_id: 'order-7',
      });
      const withoutConsent = await track({ ...pageview(site), ...conversion });
      expect(await storedEvent(withoutConsent.json().id)).toMatchObject({
        ga_client_id: null,
        transaction_id: 'order-7',
      });
      const underGpc = await track(
        { ...pageview(site), ...conversion, consent: { analytics: true } },
        { 'sec-gpc': '1' },
      );
      expect(await storedEvent(underGpc.json().id)).toMatchObject({ ga_client_id: null });
      const malformed = await track({ ...pageview(site), gaClientId: 'GA1.1.123.456' });
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json().error.field).toBe('gaClientId');
    });

    it('without consent stores no client ids and no hashes', async () => {
      const site = await createSite();
      const response = await track({
        ...pageview(site),
        visitorId: 'v-123',
        userId: 'u-9',
        user: { email: 'jane@example.com' },
      });
      const row = await storedEvent(response.json().id);
      expect(row.visitor_id).toMatch(/^cl_/);
      expect(row).toMatchObject({ user_id: null, user_hashes: null });
    });

    it('lets Global Privacy Control override the page consent', async () => {
      const site = await createSite();
      const response = await track(
        {
          ...pageview(site),
          visitorId: 'v-123',
          consent: { analytics: true, ads: true },
          fbp: 'fb.1.123.456',
        },
        { 'sec-gpc': '1' },
      );
      const row = await storedEvent(response.json().id);
      expect(row).toMatchObject({ consent_ads: false, consent_analytics: false, fbp: null });
      expect(row.visitor_id).toMatch(/^cl_/);
    });

    it('drops events with DNT: 1 when the site respects Do Not Track', async () => {
      const site = await createSite();
      await context.db.query('UPDATE sites SET respect_dnt = true WHERE id = $1', [site.id]);
      const response = await track(pageview(site), { dnt: '1' });
      expect(response.statusCode).toBe(202);
      expect(response.json()).toEqual({ dropped: 'do_not_track' });
    });

    it('gives the same cookieless visitor the same id within a day, and different visitors different ids', async () => {
      const site = await createSite();
      const ids = [];
      for (const [ip, agent] of [
        ['198.51.100.1', CHROME],
        ['198.51.100.1', CHROME],
        ['198.51.100.2', CHROME],
        ['198.51.100.1', `${CHROME} Edg/120.0`],
      ]) {
        const response = await context.app.inject({
          method: 'POST',
          url: '/api/track/event',
          remoteAddress: ip,
          headers: { origin: 'https://shop.example', 'user-agent': agent! },
          payload: pageview(site),
        });
        ids.push((await storedEvent(response.json().id)).visitor_id);
      }
      expect(ids[0]).toBe(ids[1]);
      expect(new Set(ids).size).toBe(3);
    });
  });

  describe('client address', () => {
    it('uses X-Forwarded-For from a trusted proxy and minimises it', async () => {
      const site = await createSite();
      const response = await track(pageview(site), { 'x-forwarded-for': '203.0.113.77' });
      expect((await storedEvent(response.json().id)).ip).toBe('203.0.113.0');
    });

    it('ignores X-Forwarded-For from an untrusted peer', async () => {
      const site = await createSite();
      const response = await context.app.inject({
        method: 'POST',
        url: '/api/track/event',
        remoteAddress: '198.51.100.9',
        headers: { origin: 'https://shop.example', 'user-agent': CHROME, 'x-forwarded-for': '203.0.113.77' },
        payload: pageview(site),
      });
      expect((await storedEvent(response.json().id)).ip).toBe('198.51.100.0');
    });
  });

  describe('sessions', () => {
    it('groups a visitor’s page views into one session with entry, exit and counts', async () => {
      const site = await createSite();
      const consented = { visitorId: 'v-sess', consent: { analytics: true } };
      const now = Date.now();
      await track(
        pageview(site, { ...consented, url: 'https://shop.example/', ts: now - 120_000, sentAt: now }),
      );
      await track(
        pageview(site, { ...consented, url: 'https://shop.example/pricing', ts: now - 60_000, sentAt: now }),
      );
      await track({ ...pageview(site, consented), type: 'event', name: 'signup' });
      const { rows } = await context.db.query('SELECT * FROM sessions WHERE site_id = $1', [site.id]);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        entry_path: '/',
        exit_path: '/pricing',
        pageviews: 2,
        events: 1,
        is_bounce: false,
      });
      expect(rows[0].duration_s).toBeGreaterThanOrEqual(119);
    });

    it('continues the session an ad click started, across requests from the landing page', async () => {
      const site = await createSite();
      const landing = {
        visitorId: 'v-click',
        consent: { analytics: true },
        url: 'https://shop.example/?gclid=abc123',
      };
      await track(pageview(site, landing));
      await track({ ...pageview(site, landing), type: 'event', name: 'signup' });
      await track(pageview(site, { ...landing, url: 'https://shop.example/next' }));
      const { rows } = await context.db.query('SELECT pageviews, events FROM sessions WHERE site_id = $1', [
        site.id,
      ]);
      expect(rows).toEqual([{ pageviews: 2, events: 1 }]);
    });

    it('starts a new session after 30 minutes of inactivity and for a new campaign', async () => {
      const site = await createSite();
      const consented = { visitorId: 'v-gap', consent: { analytics: true } };
      const now = Date.now();
      await track(pageview(site, { ...consented, ts: now - 45 * 60_000, sentAt: now }));
      await track(pageview(site, { ...consented, ts: now - 60_000, sentAt: now }));
      await track(
        pageview(site, { ...consented, url: 'https://shop.example/?utm_source=ads&utm_medium=cpc' }),
      );
      const { rows } = await context.db.query(
        'SELECT pageviews, is_bounce, utm_medium FROM sessions WHERE site_id = $1 ORDER BY started_at',
        [site.id],
      );
      expect(rows).toEqual([
        { pageviews: 1, is_bounce: true, utm_medium: null },
        { pageviews: 1, is_bounce: true, utm_medium: null },
        { pageviews: 1, is_bounce: true, utm_medium: 'cpc' },
      ]);
    });
  });
});

describe('POST /api/track/batch', () => {
  function batch(payload: unknown) {
    return context.app.inject({
      method: 'POST',
      url: '/api/track/batch',
      headers: { origin: 'https://shop.example', 'user-agent': CHROME },
      payload: payload as object,
    });
  }

  it('stores the events and counts duplicates, inside the batch and against earlier events', async () => {
    const site = await createSite();
    const repeated = pageview(site);
    await track(repeated);
    const events = [
      pageview(site),
      pageview(site),
      repeated,
      { ...pageview(site), eventId: 'same' },
      { ...pageview(site), eventId: 'same' },
    ];
    const response = await batch({ events });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json()).toEqual({ accepted: 3, duplicates: 2, dropped: 0 });
    const { rows } = await context.db.query('SELECT count(*)::int AS n FROM events WHERE site_id = $1', [
      site.id,
    ]);
    expect(rows[0].n).toBe(4);
  });

  it('refuses the whole batch when one event is invalid, naming it', async () => {
    const site = await createSite();
    const response = await batch({
      events: [pageview(site), pageview(site), { ...pageview(site), url: 'ftp://x' }],
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.field).toBe('events.2.url');
    const { rows } = await context.db.query('SELECT count(*)::int AS n FROM events WHERE site_id = $1', [
      site.id,
    ]);
    expect(rows[0].n).toBe(0);
  });

  it('refuses a batch with a page view that has no URL, naming it, and stores nothing', async () => {
    const site = await createSite();
    const withoutUrl: Record<string, unknown> = pageview(site);
    delete withoutUrl.url;
    const response = await batch({ events: [pageview(site), withoutUrl] });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'validation_failed', field: 'events.1.url' });
    const { rows } = await context.db.query('SELECT count(*)::int AS n FROM events WHERE site_id = $1', [
      site.id,
    ]);
    expect(rows[0].n).toBe(0);
  });

  it.each([
    [{ events: [] }, 'events'],
    [{}, 'events'],
    [{ events: 'nope' }, 'events'],
  ])('refuses %j naming %s', async (payload, field) => {
    const response = await batch(payload);
    expect(response.statusCode).toBe(400);
    expect(response.json().error.field).toBe(field);
  });

  it('refuses more than 500 events', async () => {
    const site = await createSite();
    const response = await batch({
      events: Array.from({ length: 501 }, () => ({ site: site.siteKey, type: 'pageview' })),
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.field).toBe('events');
  });
});

describe('GET /api/sites/:siteId/events', () => {
  it('lists the site’s events newest first, paginated, and hides other agencies’ sites', async () => {
    const site = await createSite();
    const ids: string[] = [];
    for (let index = 0; index < 5; index++) {
      ids.push((await track(pageview(site, { url: `https://shop.example/p${index}` }))).json().id);
    }
    const first = await context.app.inject({
      method: 'GET',
      url: `/api/sites/${site.id}/events?limit=3`,
      headers: site.tenant.auth,
    });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json().events.map((event: { id: string }) => event.id)).toEqual(ids.slice(2).reverse());
    expect(first.json().events[0]).toMatchObject({ path: '/p4', browserName: 'Chrome', isBot: false });
    expect(first.json().events[0]).not.toHaveProperty('userHashes');
    const second = await context.app.inject({
      method: 'GET',
      url: `/api/sites/${site.id}/events?limit=3&before=${first.json().nextBefore}`,
      headers: site.tenant.auth,
    });
    expect(second.json().events.map((event: { id: string }) => event.id)).toEqual(ids.slice(0, 2).reverse());
    expect(second.json().nextBefore).toBeNull();

    const stranger = await createTenant(context);
    const foreign = await context.app.inject({
      method: 'GET',
      url: `/api/sites/${site.id}/events`,
      headers: stranger.auth,
    });
    expect(foreign.statusCode).toBe(404);
  });

  it('rejects a forged cursor naming before', async () => {
    const site = await createSite();
    const response = await context.app.inject({
      method: 'GET',
      url: `/api/sites/${site.id}/events?before=garbage`,
      headers: site.tenant.auth,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.field).toBe('before');
  });
});
