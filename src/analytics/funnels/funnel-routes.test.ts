import { describe, expect, it } from 'vitest';
import {
  addUser,
  useTestApp,
  type TestTenant,
  createTestSite,
  type TestSite,
} from '../../../test/helpers.ts';
import { MAX_FUNNELS_PER_SITE } from './funnel-record.ts';

const context = useTestApp();
const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const MINUTE = 60_000;

const createSite = (tenant?: TestTenant) => createTestSite(context, tenant);

/** A visit as a list of steps taken: a path is a page view, `event:name` a custom event. */
type Visit = Array<[minute: number, what: string]>;

/**
 * Sends visits through the tracking API; `minute` counts from `start`. The client clock is the
 * server's (sentAt = now), so each event happens at exactly the time its `ts` says.
 */
async function track(
  site: TestSite,
  start: number,
  visits: Record<string, Visit>,
  options: { userAgent?: string } = {},
) {
  const events = Object.entries(visits).flatMap(([visitorId, visit]) =>
    visit.map(([minute, what]) => {
      const ts = start + minute * MINUTE;
      return what.startsWith('event:')
        ? { type: 'event', name: what.slice(6), url: 'https://shop.example/app', visitorId, ts }
        : { type: 'pageview', url: `https://shop.example${what}`, visitorId, ts };
    }),
  );
  const response = await context.app.inject({
    method: 'POST',
    url: '/api/track/batch',
    headers: { origin: 'https://shop.example', 'user-agent': options.userAgent ?? CHROME },
    payload: {
      sentAt: Date.now(),
      events: events.map((event) => ({ site: site.siteKey, consent: { analytics: true }, ...event })),
    },
  });
  expect(response.statusCode, response.body).toBeLessThan(300);
}

/** A range of instants around the last hours, so the events' local days do not matter. */
const lastDays = (days: number) => ({
  from: new Date(Date.now() - days * 24 * 60 * MINUTE).toISOString(),
  to: new Date(Date.now() + 60 * MINUTE).toISOString(),
});

function query(site: TestSite, body: Record<string, unknown>, tenant: TestTenant = site.tenant) {
  return context.app.inject({
    method: 'POST',
    url: `/api/sites/${site.id}/funnels/query`,
    headers: tenant.auth,
    payload: { ...lastDays(2), ...body },
  });
}

const visitorsOf = (response: { json: () => { steps: Array<{ visitors: number }> } }) =>
  response.json().steps.map((step) => step.visitors);

const SIGNUP = [{ page: '/pricing' }, { label: 'Signup form', page: '/signup*' }, { event: 'signup' }];

describe('funnel query', () => {
  it('counts visitors who took the steps in order within the window, each from their best start', async () => {
    const site = await createSite();
    const start = Date.now() - 4 * 60 * MINUTE;
    await track(site, start, {
      // B before A: reaches step 1 only.
      backwards: [
        [0, '/signup/form'],
        [10, '/pricing'],
      ],
      complete: [
        [0, '/pricing'],
        [5, '/signup'],
        [10, 'event:signup'],
      ],
      // The signup comes 90 minutes after the pricing page: too late for a 60-minute window.
      tooLate: [
        [0, '/pricing'],
        [30, '/signup'],
        [90, 'event:signup'],
      ],
      // The first start cannot finish in time, the second one can.
      laterStart: [
        [0, '/pricing'],
        [10, '/signup'],
        [100, '/pricing'],
        [110, '/signup/form'],
        [125, 'event:signup'],
      ],
      // From the first page view the signup is too late; from the second, which leads to the same
      // signup form, it is in time.
      lateRestart: [
        [0, '/pricing'],
        [50, '/pricing'],
        [55, '/signup'],
        [100, 'event:signup'],
      ],
      // Repeats count once; the latest of the starts that go furthest gives the times.
      repeats: [
        [0, '/pricing'],
        [1, '/pricing'],
        [2, '/signup'],
        [3, '/signup'],
        [4, 'event:signup'],
      ],
      unrelated: [[0, '/blog']],
    });
    await track(
      site,
      start,
      {
        bot: [
          [0, '/pricing'],
          [1, '/signup'],
          [2, 'event:signup'],
        ],
      },
      { userAgent: GOOGLEBOT },
    );
    const other = await createSite(site.tenant);
    await track(other, start, {
      // Were these counted, `backwards` would finish the funnel and `stranger` would enter it.
      backwards: [
        [20, '/signup'],
        [30, 'event:signup'],
      ],
      stranger: [
        [0, '/pricing'],
        [1, '/signup'],
        [2, 'event:signup'],
      ],
    });

    const range = lastDays(2);
    const response = await query(site, { steps: SIGNUP, window: 60, ...range });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['x-beacon-cache']).toBe('miss');
    // Step 1: backwards, complete, tooLate, laterStart, lateRestart, repeats. Step 2: all but
    // backwards. Step 3: complete, laterStart, lateRestart, repeats. The quickest way from a first
    // step, per visitor who got there: to step 2 complete 300 s, tooLate 1800, laterStart 600,
    // lateRestart 300, repeats 60 → median 300; to step 3 complete 600, laterStart 1500 (from the
    // second start), lateRestart 3000, repeats 180 → median 1050.
    expect(response.json()).toEqual({
      steps: [
        {
          label: '/pricing',
          page: '/pricing',
          visitors: 6,
          conversionRate: 100,
          dropOff: 0,
          dropOffRate: 0,
          medianSecondsFromFirstStep: null,
        },
        {
          label: 'Signup form',
          page: '/signup*',
          visitors: 5,
          conversionRate: 83.3,
          dropOff: 1,
          dropOffRate: 16.7,
          medianSecondsFromFirstStep: 300,
        },
        {
          label: 'signup',
          event: 'signup',
          visitors: 4,
          conversionRate: 66.7,
          dropOff: 1,
          dropOffRate: 20,
          medianSecondsFromFirstStep: 1050,
        },
      ],
      window: 60,
    });
    const again = await query(site, { steps: SIGNUP, window: 60, ...range });
    expect(again.headers['x-beacon-cache']).toBe('hit');
    expect(again.json()).toEqual(response.json());

    // With the default window (a day) the late signup counts.
    const daylong = await query(site, { steps: SIGNUP });
    expect(daylong.statusCode, daylong.body).toBe(200);
    expect(visitorsOf(daylong)).toEqual([6, 5, 5]);
    expect(daylong.json().window).toBe(1440);
  });

  it('lets one event take one step only, and counts a step repeated in the funnel', async () => {
    const site = await createSite();
    const start = Date.now() - 60 * MINUTE;
    await track(site, start, {
      once: [[0, '/pricing']],
      twice: [
        [0, '/pricing'],
        [3, '/pricing'],
      ],
    });
    const repeated = await query(site, { steps: [{ page: '/pricing' }, { page: '/pricing' }] });
    expect(visitorsOf(repeated), repeated.body).toEqual([2, 1]);
    const overlapping = await query(site, { steps: [{ page: '/pri*' }, { page: '/pricing' }] });
    expect(visitorsOf(overlapping), overlapping.body).toEqual([2, 1]);
  });

  it('counts events of the same instant in the funnel’s order, whichever came first', async () => {
    const site = await createSite();
    const start = Date.now() - 60 * MINUTE;
    await track(site, start, {
      together: [
        [0, 'event:signup'],
        [0, '/pricing'],
      ],
    });
    const forwards = await query(site, { steps: [{ page: '/pricing' }, { event: 'signup' }] });
    expect(visitorsOf(forwards), forwards.body).toEqual([1, 1]);
    const backwards = await query(site, { steps: [{ event: 'signup' }, { page: '/pricing' }] });
    expect(visitorsOf(backwards), backwards.body).toEqual([1, 1]);
    expect(backwards.json().steps[1].medianSecondsFromFirstStep).toBe(0);
  });

  it('counts only the events the filters keep, and only in the range', async () => {
    const site = await createSite();
    const start = Date.now() - 3 * 60 * MINUTE;
    await track(site, start, {
      newsletter: [
        [0, '/pricing?utm_source=newsletter'],
        [2, '/signup'],
        [4, 'event:signup'],
      ],
      direct: [
        [0, '/pricing'],
        [2, '/signup'],
        [4, 'event:signup'],
      ],
    });
    // Three days ago: outside a two-day range.
    await track(site, Date.now() - 3 * 24 * 60 * MINUTE, {
      earlier: [
        [0, '/pricing'],
        [2, '/signup'],
      ],
    });
    expect(visitorsOf(await query(site, { steps: SIGNUP }))).toEqual([2, 2, 2]);
    const filtered = await query(site, {
      steps: SIGNUP,
      filters: [['is', 'utm_source', ['newsletter']]],
    });
    expect(filtered.statusCode, filtered.body).toBe(200);
    expect(visitorsOf(filtered)).toEqual([1, 1, 1]);
    const week = await query(site, { steps: SIGNUP, ...lastDays(6) });
    expect(visitorsOf(week)).toEqual([3, 3, 2]);
  });

  it('answers 400 naming the field of a bad funnel', async () => {
    const site = await createSite();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ steps: [{ page: '/pricing' }] }, 'steps'],
      [{ steps: Array.from({ length: 9 }, () => ({ page: '/a' })) }, 'steps'],
      [{ steps: [{ page: '/a' }, { page: '/b', event: 'signup' }] }, 'steps.1.event'],
      [{ steps: [{ page: '/a' }, { event: 'b' }, { label: 'Nothing' }] }, 'steps.2.page'],
      [{ steps: [{ page: 'pricing' }, { event: 'b' }] }, 'steps.0.page'],
      [{ steps: [{ page: '/a' }, { event: '' }] }, 'steps.1.event'],
      [{ steps: [{ url: '/a' }, { event: 'b' }] }, 'steps.0.url'],
      [{ steps: [{ page: '/a' }, { event: 'b' }], window: 0 }, 'window'],
      [{ steps: [{ page: '/a' }, { event: 'b' }], window: 90 * 24 * 60 + 1 }, 'window'],
      [{ steps: [{ page: '/a' }, { event: 'b' }], filters: [['is', 'secret', ['x']]] }, 'filters.0.1'],
      [{ steps: [{ page: '/a' }, { event: 'b' }], from: '2026-11-30', to: '2026-11-01' }, 'to'],
      [{ steps: [{ page: '/a' }, { event: 'b' }], from: 'yesterday' }, 'from'],
    ];
    for (const [body, field] of cases) {
      const response = await query(site, body);
      expect(response.statusCode, `${JSON.stringify(body)}: ${response.body}`).toBe(400);
      expect(response.json().error.field, JSON.stringify(body)).toBe(field);
    }
  });
});

/** A small seeded generator, so a failing case can be replayed from the seed in its message. */
function random(seed: number) {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Step = { page: string } | { event: string };

function takes(what: string, step: Step): boolean {
  if ('event' in step) return what === `event:${step.event}`;
  const pattern = new RegExp(`^${step.page.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*')}$`);
  return !what.startsWith('event:') && pattern.test(what);
}

/**
 * How far a visitor got, by trying every way of picking events for the steps: slow, and sure.
 * Events are at distinct minutes, so their order is plain.
 */
function furthestStep(visit: Visit, steps: Step[], windowMinutes: number): number {
  const events = [...visit].sort((a, b) => a[0] - b[0]);
  let furthest = 0;
  const walk = (reached: number, after: number, startedAt: number) => {
    furthest = Math.max(furthest, reached);
    if (reached === steps.length) return;
    for (let index = after + 1; index < events.length; index++) {
      const [minute, what] = events[index]!;
      if (!takes(what, steps[reached]!)) continue;
      if (reached > 0 && minute - startedAt > windowMinutes) continue;
      walk(reached + 1, index, reached === 0 ? minute : startedAt);
    }
  };
  walk(0, -1, 0);
  return furthest;
}

describe('funnel query against every way of taking the steps', () => {
  it('counts what trying every choice of events counts, on random visits and funnels', async () => {
    const seed = Date.now() % 1_000_000;
    const next = random(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
    const things = ['/a', '/b', '/b/x', '/c', 'event:x', 'event:y'];
    const visits: Record<string, Visit> = {};
    for (let visitor = 0; visitor < 40; visitor++) {
      const minutes = new Set<number>();
      const length = 1 + Math.floor(next() * 7);
      while (minutes.size < length) minutes.add(Math.floor(next() * 240));
      visits[`v${visitor}`] = [...minutes].map((minute) => [minute, pick(things)]);
    }
    const site = await createSite();
    await track(site, Date.now() - 5 * 60 * MINUTE, visits);
    const stepChoices: Step[] = [
      { page: '/a' },
      { page: '/b' },
      { page: '/b*' },
      { page: '/c' },
      { event: 'x' },
      { event: 'y' },
    ];
    for (let funnel = 0; funnel < 12; funnel++) {
      const steps = Array.from({ length: 2 + Math.floor(next() * 3) }, () => pick(stepChoices));
      const window = pick([10, 30, 60, 240]);
      const furthest = Object.values(visits).map((visit) => furthestStep(visit, steps, window));
      const expected = steps.map((_, index) => furthest.filter((step) => step > index).length);
      const response = await query(site, { steps, window });
      expect(response.statusCode, response.body).toBe(200);
      expect(visitorsOf(response), `seed ${seed}: ${JSON.stringify({ steps, window })}`).toEqual(expected);
    }
  });
});

async function save(site: TestSite, body: Record<string, unknown>, tenant: TestTenant = site.tenant) {
  return context.app.inject({
    method: 'POST',
    url: `/api/sites/${site.id}/funnels`,
    headers: tenant.auth,
    payload: body,
  });
}

function call(
  site: TestSite,
  method: 'GET' | 'PATCH' | 'DELETE',
  path: string,
  tenant: TestTenant = site.tenant,
  payload?: Record<string, unknown>,
) {
  return context.app.inject({
    method,
    url: `/api/sites/${site.id}/funnels${path}`,
    headers: tenant.auth,
    ...(payload === undefined ? {} : { payload }),
  });
}

describe('saved funnels', () => {
  it('are created, listed, changed and removed, each change audited', async () => {
    const site = await createSite();
    const created = await save(site, { name: 'Signup', steps: SIGNUP });
    expect(created.statusCode, created.body).toBe(201);
    const funnel = created.json();
    expect(funnel).toMatchObject({ name: 'Signup', steps: SIGNUP, window: 1440 });
    expect(funnel.id).toMatch(/^fnl_/);

    const duplicate = await save(site, { name: 'Signup', steps: SIGNUP });
    expect(duplicate.statusCode, duplicate.body).toBe(409);
    expect(duplicate.json().error.field).toBe('name');

    const second = (
      await save(site, { name: 'Demo', steps: [{ page: '/demo' }, { event: 'demo' }], window: 60 })
    ).json();
    expect((await call(site, 'GET', '')).json().map((entry: { name: string }) => entry.name)).toEqual([
      'Signup',
      'Demo',
    ]);
    expect((await call(site, 'GET', `/${funnel.id}`)).json()).toEqual(funnel);

    const renamed = await call(site, 'PATCH', `/${funnel.id}`, site.tenant, {
      name: 'Signup v2',
      steps: [{ page: '/pricing' }, { event: 'signup' }],
    });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json()).toMatchObject({
      id: funnel.id,
      name: 'Signup v2',
      steps: [{ page: '/pricing' }, { event: 'signup' }],
      window: 1440,
    });
    const taken = await call(site, 'PATCH', `/${second.id}`, site.tenant, { name: 'Signup v2' });
    expect(taken.statusCode, taken.body).toBe(409);
    expect(taken.json().error.field).toBe('name');
    const badSteps = await call(site, 'PATCH', `/${second.id}`, site.tenant, {
      steps: [{ page: '/a' }, {}],
    });
    expect(badSteps.statusCode, badSteps.body).toBe(400);
    expect(badSteps.json().error.field).toBe('steps.1.page');

    expect((await call(site, 'DELETE', `/${funnel.id}`)).statusCode).toBe(204);
    expect((await call(site, 'GET', `/${funnel.id}`)).statusCode).toBe(404);
    expect((await call(site, 'DELETE', `/${funnel.id}`)).statusCode).toBe(404);

    const { rows } = await context.db.query(`SELECT action FROM audit_log WHERE target_id = $1 ORDER BY id`, [
      funnel.id,
    ]);
    expect(rows.map((row) => row.action)).toEqual(['funnel.create', 'funnel.update', 'funnel.delete']);
  });

  it('refuses the funnel after the hundredth of a site, naming the field', async () => {
    const site = await createSite();
    await context.db.query(
      `INSERT INTO funnels (id, site_id, name, steps, window_minutes)
       SELECT 'fnl_limit_' || n || $1, $1, 'Funnel ' || n, '[{"page":"/a"},{"event":"b"}]', 60
       FROM generate_series(1, $2::int) n`,
      [site.id, MAX_FUNNELS_PER_SITE],
    );
    const refused = await save(site, { name: 'One more', steps: SIGNUP });
    expect(refused.statusCode, refused.body).toBe(400);
    expect(refused.json().error.field).toBe('name');
    const elsewhere = await save(await createSite(site.tenant), { name: 'One more', steps: SIGNUP });
    expect(elsewhere.statusCode, elsewhere.body).toBe(201);
  });

  it('report as the query does, with the previous period on compare=previous', async () => {
    const site = await createSite();
    const now = Date.now();
    await track(site, now - 2 * 60 * MINUTE, {
      a: [
        [0, '/pricing'],
        [1, '/signup'],
        [2, 'event:signup'],
      ],
      b: [[0, '/pricing']],
    });
    // A day and a half ago: in the previous one of two one-day periods.
    await track(site, now - 36 * 60 * MINUTE, {
      c: [
        [0, '/pricing'],
        [1, '/signup'],
      ],
    });
    const funnel = (await save(site, { name: 'Signup', steps: SIGNUP, window: 30 })).json();
    const from = new Date(now - 24 * 60 * MINUTE).toISOString();
    const to = new Date(now + 60 * MINUTE).toISOString();
    const range = `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
    const report = await call(site, 'GET', `/${funnel.id}/report?${range}&compare=previous`);
    expect(report.statusCode, report.body).toBe(200);
    expect(visitorsOf(report)).toEqual([2, 1, 1]);
    expect(report.json().window).toBe(30);
    expect(report.json().previous.steps.map((step: { visitors: number }) => step.visitors)).toEqual([
      1, 1, 0,
    ]);
    const adHoc = await query(site, { steps: SIGNUP, window: 30, from, to, compare: 'previous' });
    expect(adHoc.json()).toEqual(report.json());
    expect(adHoc.headers['x-beacon-cache'], 'a saved funnel and the same query share the cache').toBe('hit');

    const missing = await call(site, 'GET', `/fnl_nothing/report?${range}`);
    expect(missing.statusCode, missing.body).toBe(404);
    expect(missing.json().error.field).toBe('funnelId');
  });

  it('let a client viewer query and read funnels but not save, change or remove them', async () => {
    const site = await createSite();
    const funnel = (await save(site, { name: 'Signup', steps: SIGNUP })).json();
    const viewer = await addUser(context, site.tenant.agencyId, 'viewer');
    await context.db.query('INSERT INTO site_members (site_id, user_id) VALUES ($1, $2)', [
      site.id,
      viewer.userId,
    ]);
    expect((await query(site, { steps: SIGNUP }, viewer)).statusCode).toBe(200);
    expect((await call(site, 'GET', '', viewer)).statusCode).toBe(200);
    expect((await call(site, 'GET', `/${funnel.id}`, viewer)).statusCode).toBe(200);
    const range = `from=2026-11-01&to=2026-11-30`;
    expect((await call(site, 'GET', `/${funnel.id}/report?${range}`, viewer)).statusCode).toBe(200);
    expect((await save(site, { name: 'Mine', steps: SIGNUP }, viewer)).statusCode).toBe(403);
    expect((await call(site, 'PATCH', `/${funnel.id}`, viewer, { name: 'Mine' })).statusCode).toBe(403);
    expect((await call(site, 'DELETE', `/${funnel.id}`, viewer)).statusCode).toBe(403);
  });

  it('hide another site’s funnel, even from its own agency', async () => {
    const site = await createSite();
    const other = await createSite(site.tenant);
    const funnel = (await save(site, { name: 'Signup', steps: SIGNUP })).json();
    expect((await call(other, 'GET', `/${funnel.id}`)).statusCode).toBe(404);
    expect((await call(other, 'DELETE', `/${funnel.id}`)).statusCode).toBe(404);
    expect((await call(site, 'GET', `/${funnel.id}`)).statusCode).toBe(200);
  });
});
