import { describe, expect, it } from 'vitest';
import { createTenant, useTestApp, type TestTenant } from '../../test/helpers.ts';
import { acceptEvents, DEFAULT_TRACKING_LIMITS, type AcceptEventsDeps } from '../ingest/accept-events.ts';

/**
 * Retention and new vs returning visitors over a history of weeks. Past visits go through the real
 * ingestion path (acceptEvents, the pipeline and the writer) with the time they were received set to
 * when they happened, into partitions made for those days; today's go through the tracking route.
 * Expected numbers come from the plain functions below, over the same list of visits.
 */
const context = useTestApp();
const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const TIMEZONE = 'Europe/Berlin';

interface TestSite {
  tenant: TestTenant;
  id: string;
  siteKey: string;
  domain: string;
}

/** One visit: a single page view, so one session with one event. */
interface Visit {
  site: TestSite;
  /** A persistent id (sent with analytics consent); cookieless visits send none and get a daily id. */
  visitor: string;
  at: Date;
  path?: string;
  bot?: boolean;
  cookieless?: boolean;
}

async function createSite(domain: string, tenant?: TestTenant): Promise<TestSite> {
  const owner = tenant ?? (await createTenant(context));
  const response = await context.app.inject({
    method: 'POST',
    url: '/api/sites',
    headers: owner.auth,
    payload: { name: domain, domain },
  });
  expect(response.statusCode, response.body).toBe(201);
  // A new site counts in UTC (POST takes no time zone); the DST cases need Berlin's.
  const zoned = await context.app.inject({
    method: 'PATCH',
    url: `/api/sites/${response.json().id}`,
    headers: owner.auth,
    payload: { timezone: TIMEZONE },
  });
  expect(zoned.statusCode, zoned.body).toBe(200);
  return { tenant: owner, id: response.json().id, siteKey: response.json().siteKey, domain };
}

const acceptDeps = (): AcceptEventsDeps => ({
  ingestion: context.ingestion,
  rateLimits: context.state.rateLimits,
  limits: DEFAULT_TRACKING_LIMITS,
  countOutcome: () => undefined,
  sealIp: (ip) => ip,
});

/** Sends each visit as received when it happened; a cookieless visitor's address is their own. */
async function send(visits: readonly Visit[]) {
  for (const [index, visit] of visits.entries()) {
    const day = visit.at.toISOString().slice(0, 10);
    await context.db.query('SELECT ensure_event_partitions($1::date, 1)', [day]);
    const ip = `198.51.100.${index + 1}`;
    const [result] = await acceptEvents(acceptDeps(), {
      caller: {
        ip,
        limitKey: ip,
        userAgent: visit.bot ? GOOGLEBOT : CHROME,
        origin: `https://${visit.site.domain}`,
        referer: undefined,
        writeKey: undefined,
        gpc: false,
        optOut: false,
        dnt: false,
      },
      events: [
        {
          site: visit.site.siteKey,
          type: 'pageview',
          url: `https://${visit.site.domain}${visit.path ?? '/'}`,
          ts: visit.at.getTime(),
          ...(visit.cookieless
            ? { consent: { analytics: false } }
            : { visitorId: visit.visitor, consent: { analytics: true } }),
        },
      ],
      receivedAt: visit.at,
      sentAt: undefined,
      fieldOf: (_index, field) => field,
      prechargedEvents: 0,
    });
    expect(result?.status, JSON.stringify(result)).toBe('accepted');
  }
}

function get(site: TestSite, path: string, tenant: TestTenant = site.tenant) {
  return context.app.inject({ method: 'GET', url: `/api/sites/${site.id}${path}`, headers: tenant.auth });
}

// ---- the expected numbers, in plain code over the visits ------------------------------------------

const localParts = new Intl.DateTimeFormat('en-US', {
  timeZone: TIMEZONE,
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  weekday: 'short',
});
const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** The local calendar date of an instant, and the Monday of its week, as YYYY-MM-DD. */
function local(at: Date): { day: string; monday: string } {
  const parts = Object.fromEntries(localParts.formatToParts(at).map((part) => [part.type, part.value]));
  const [year, month, day] = [Number(parts.year), Number(parts.month), Number(parts.day)];
  const date = (offset: number) =>
    new Date(Date.UTC(year, month - 1, day - offset)).toISOString().slice(0, 10);
  return { day: date(0), monday: date(WEEKDAYS.indexOf(parts.weekday!)) };
}
const addDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

interface Expected {
  cohorts: Array<{ week: string; visitors: number; retention: Array<{ week: number; visitors: number }> }>;
  newVisitors: number;
  returningVisitors: number;
  cookielessVisitors: number;
}

/**
 * What the retention report must say for `site` over the local days `from`..`to`: bots never count;
 * a persistent visitor is new in the window when their first human visit ever is in it and (with
 * `counts`) passes the filter; their later visits in each week after count as returns.
 */
function expectedRetention(
  visits: readonly Visit[],
  site: TestSite,
  range: { from: string; to: string; weeks: number; counts?: (visit: Visit) => boolean },
): Expected {
  const human = visits.filter((visit) => visit.site === site && !visit.bot);
  const inWindow = (visit: Visit) => local(visit.at).day >= range.from && local(visit.at).day <= range.to;
  const scoped = human.filter((visit) => inWindow(visit) && (range.counts?.(visit) ?? true));
  const first = new Map<string, Visit>();
  for (const visit of human.filter((visit) => !visit.cookieless)) {
    const earlier = first.get(visit.visitor);
    if (earlier === undefined || visit.at < earlier.at) first.set(visit.visitor, visit);
  }
  const persistent = [...new Set(scoped.filter((visit) => !visit.cookieless).map((visit) => visit.visitor))];
  const fresh = persistent.filter((visitor) => scoped.includes(first.get(visitor)!));
  const today = local(new Date()).day;
  const cohorts: Expected['cohorts'] = [];
  for (
    let week = local(new Date(`${range.from}T12:00:00Z`)).monday;
    week <= range.to;
    week = addDays(week, 7)
  ) {
    const members = fresh.filter((visitor) => local(first.get(visitor)!.at).monday === week);
    const retention = [{ week: 0, visitors: members.length }];
    for (let after = 1; after <= range.weeks && addDays(week, 7 * after) <= today; after++) {
      const returned = members.filter((visitor) =>
        human.some(
          (visit) =>
            visit.visitor === visitor &&
            !visit.cookieless &&
            local(visit.at).monday === addDays(week, 7 * after),
        ),
      );
      retention.push({ week: after, visitors: returned.length });
    }
    cohorts.push({ week, visitors: members.length, retention });
  }
  return {
    cohorts,
    newVisitors: fresh.length,
    returningVisitors: persistent.length - fresh.length,
    // Each cookieless visit here is on a day and from an address of its own: a visitor of its own.
    cookielessVisitors: scoped.filter((visit) => visit.cookieless).length,
  };
}

/** Sessions and visitors per visitor type of `site`'s human visits in the window. */
function expectedVisitorTypes(visits: readonly Visit[], site: TestSite, from: string, to: string) {
  const human = visits.filter((visit) => visit.site === site && !visit.bot);
  const firstAt = new Map<string, number>();
  for (const visit of human.filter((visit) => !visit.cookieless)) {
    firstAt.set(visit.visitor, Math.min(firstAt.get(visit.visitor) ?? Infinity, visit.at.getTime()));
  }
  const rows = new Map<string, { sessions: number; visitors: Set<string> }>();
  for (const [index, visit] of human.entries()) {
    const day = local(visit.at).day;
    if (day < from || day > to) continue;
    const type = visit.cookieless
      ? '(none)'
      : firstAt.get(visit.visitor) === visit.at.getTime()
        ? 'new'
        : 'returning';
    const row = rows.get(type) ?? { sessions: 0, visitors: new Set<string>() };
    row.sessions += 1;
    row.visitors.add(visit.cookieless ? `cookieless-${index}` : visit.visitor);
    rows.set(type, row);
  }
  return [...rows]
    .map(([value, row]) => ({
      value,
      visitors: row.visitors.size,
      sessions: row.sessions,
      pageviews: row.sessions,
    }))
    .sort((a, b) => a.value.localeCompare(b.value));
}

// ---- the history: spring 2026 in Berlin, DST starting on Sunday 29 March -------------------------

const at = (instant: string) => new Date(instant);

/** Two sites of one agency and the visits of this test's history (explained line by line). */
async function history(): Promise<{ shop: TestSite; other: TestSite; visits: Visit[] }> {
  const shop = await createSite('shop.example');
  const other = await createSite('other.example', shop.tenant);
  const visits: Visit[] = [
    // A: new in week 03-16, back in week 03-23 (+1) and 04-06 (+3).
    { site: shop, visitor: 'A', at: at('2026-03-16T09:00:00Z'), path: '/blog' },
    { site: shop, visitor: 'A', at: at('2026-03-24T09:00:00Z'), path: '/pricing' },
    { site: shop, visitor: 'A', at: at('2026-04-08T09:00:00Z') },
    // A on the other site in week 03-30: not a return to this one.
    { site: other, visitor: 'A', at: at('2026-03-31T09:00:00Z') },
    // B: first came before the window, so returning in it.
    { site: shop, visitor: 'B', at: at('2026-03-02T09:00:00Z'), path: '/blog' },
    { site: shop, visitor: 'B', at: at('2026-03-18T09:00:00Z'), path: '/blog' },
    { site: shop, visitor: 'B', at: at('2026-03-25T09:00:00Z'), path: '/pricing' },
    // C: new on Sunday 29 March 23:30 CEST (week 03-23), back 30 min after midnight (week 03-30):
    // under a fixed +01:00 or UTC both would fall on Sunday, one week, no return.
    { site: shop, visitor: 'C', at: at('2026-03-29T21:30:00Z'), path: '/blog/launch' },
    { site: shop, visitor: 'C', at: at('2026-03-29T22:30:00Z') },
    // D: new on Monday 23 March 00:30 CET (week 03-23; in UTC still Sunday, week 03-16), back in 04-13.
    { site: shop, visitor: 'D', at: at('2026-03-22T23:30:00Z'), path: '/pricing' },
    { site: shop, visitor: 'D', at: at('2026-04-13T09:00:00Z') },
    // E: new on the window's last evening (Sunday 5 April 23:30 CEST, week 03-30), back in 04-20 (+3).
    { site: shop, visitor: 'E', at: at('2026-04-05T21:30:00Z') },
    { site: shop, visitor: 'E', at: at('2026-04-20T09:00:00Z') },
    // F: first visit 30 min after the window (Monday 6 April 00:30 CEST): in no cohort.
    { site: shop, visitor: 'F', at: at('2026-04-05T22:30:00Z') },
    // G: a bot's session first; G's first human visit is in week 03-16, G's later bot visit no return.
    { site: shop, visitor: 'G', at: at('2026-03-10T09:00:00Z'), bot: true },
    { site: shop, visitor: 'G', at: at('2026-03-17T09:00:00Z'), path: '/blog' },
    { site: shop, visitor: 'G', at: at('2026-03-25T09:00:00Z'), bot: true },
    // H: came to the other site first, to this one in week 03-16: new here.
    { site: other, visitor: 'H', at: at('2026-03-01T09:00:00Z') },
    { site: shop, visitor: 'H', at: at('2026-03-17T10:00:00Z'), path: '/blog' },
    // Visitors without consent, on two days: cookieless, neither new nor returning.
    { site: shop, visitor: 'anonymous', at: at('2026-03-17T11:00:00Z'), cookieless: true, path: '/blog' },
    { site: shop, visitor: 'anonymous', at: at('2026-03-18T11:00:00Z'), cookieless: true },
    // Only on the other site, in the window: never counted on this one.
    { site: other, visitor: 'I', at: at('2026-03-20T09:00:00Z') },
    { site: other, visitor: 'J', at: at('2026-03-20T10:00:00Z'), cookieless: true },
  ];
  await send(visits);
  return { shop, other, visits };
}

const FILTER_BLOG = encodeURIComponent('[["contains","page",["/blog"]]]');

describe('GET …/stats/retention', () => {
  it('gives weekly cohorts in the site’s time zone across DST, without bots or other sites', async () => {
    const { shop, visits } = await history();
    const response = await get(shop, '/stats/retention?from=2026-03-16&to=2026-04-05&weeks=3');
    expect(response.statusCode, response.body).toBe(200);
    const expected = expectedRetention(visits, shop, { from: '2026-03-16', to: '2026-04-05', weeks: 3 });
    expect(response.json()).toEqual({
      ...expected,
      cohorts: expected.cohorts.map((cohort) => ({
        ...cohort,
        retention: cohort.retention.map((week) => ({
          ...week,
          percent: cohort.visitors === 0 ? 0 : Math.round((week.visitors / cohort.visitors) * 1000) / 10,
        })),
      })),
    });
    // The reference must see what the history was made to show, or it could agree by accident.
    expect(expected.cohorts.map((cohort) => [cohort.week, cohort.visitors])).toEqual([
      ['2026-03-16', 3],
      ['2026-03-23', 2],
      ['2026-03-30', 1],
    ]);
    expect(response.headers['x-beacon-cache']).toBe('miss');
    const again = await get(shop, '/stats/retention?from=2026-03-16&to=2026-04-05&weeks=3');
    expect(again.headers['x-beacon-cache']).toBe('hit');
  });

  it('chooses cohorts by their first visit with filters, and counts any later visit as a return', async () => {
    const { shop, visits } = await history();
    const response = await get(
      shop,
      `/stats/retention?from=2026-03-16&to=2026-04-05&weeks=2&filters=${FILTER_BLOG}`,
    );
    expect(response.statusCode, response.body).toBe(200);
    const expected = expectedRetention(visits, shop, {
      from: '2026-03-16',
      to: '2026-04-05',
      weeks: 2,
      counts: (visit) => (visit.path ?? '/').includes('/blog'),
    });
    expect(response.json()).toMatchObject({
      newVisitors: expected.newVisitors,
      returningVisitors: expected.returningVisitors,
      cookielessVisitors: expected.cookielessVisitors,
      cohorts: expected.cohorts.map((cohort) => ({
        week: cohort.week,
        visitors: cohort.visitors,
        retention: cohort.retention.map((week) => expect.objectContaining(week)),
      })),
    });
    // A, C, G and H first came to a blog page; D (first on /pricing) and E did not.
    expect(expected.newVisitors).toBe(4);
  });

  it('follows the current week as far as today and no further', async () => {
    const shop = await createSite('shop.example');
    const now = Date.now();
    const visits: Visit[] = [
      { site: shop, visitor: 'K', at: new Date(now - 15 * 86_400_000) },
      { site: shop, visitor: 'K', at: new Date(now - 2 * 3_600_000) },
      { site: shop, visitor: 'L', at: new Date(now - 3 * 3_600_000) },
    ];
    await send(visits);
    const from = local(visits[0]!.at).day;
    const to = local(new Date(now)).day;
    const response = await get(shop, `/stats/retention?from=${from}&to=${to}`);
    expect(response.statusCode, response.body).toBe(200);
    const expected = expectedRetention(visits, shop, { from, to, weeks: 8 });
    expect(
      response.json().cohorts.map((cohort: Expected['cohorts'][number]) => ({
        week: cohort.week,
        visitors: cohort.visitors,
        retention: cohort.retention.map(({ week, visitors }) => ({ week, visitors })),
      })),
    ).toEqual(expected.cohorts);
    // The last cohort week is the current one: its week 0 alone.
    expect(response.json().cohorts.at(-1).retention).toHaveLength(1);
  });

  it('answers 400 naming the parameter for bad weeks, filters and ranges', async () => {
    const shop = await createSite('shop.example');
    const range = 'from=2026-03-16&to=2026-04-05';
    const cases: Array<[string, string]> = [
      [`${range}&weeks=0`, 'weeks'],
      [`${range}&weeks=27`, 'weeks'],
      [`${range}&weeks=1.5`, 'weeks'],
      [`${range}&weeks=eight`, 'weeks'],
      [`${range}&filters=${encodeURIComponent('[["is","visitor_kind",["new"]]]')}`, 'filters.0.1'],
      [`${range}&compare=previous`, 'compare'],
      ['from=2026-04-05&to=2026-03-16', 'to'],
      ['from=2024-01-01&to=2026-03-16', 'to'],
      ['to=2026-03-16', 'from'],
    ];
    for (const [query, field] of cases) {
      const response = await get(shop, `/stats/retention?${query}`);
      expect(response.statusCode, `${query}: ${response.body}`).toBe(400);
      expect(response.json().error.field, query).toBe(field);
    }
  });

  it('hides another agency’s site', async () => {
    const shop = await createSite('shop.example');
    const stranger = await createTenant(context);
    const response = await get(shop, '/stats/retention?from=2026-03-16&to=2026-04-05', stranger);
    expect(response.statusCode, response.body).toBe(404);
  });
});

describe('visitor_type', () => {
  const WINDOW = 'from=2026-03-16&to=2026-04-05';

  it('breaks sessions down into new, returning and (none) for cookieless visitors, ever and per site', async () => {
    const { shop, visits } = await history();
    const response = await get(shop, `/stats/breakdown?${WINDOW}&dimension=visitor_type&sort=value:asc`);
    expect(response.statusCode, response.body).toBe(200);
    const rows = response.json().rows.map((row: Record<string, unknown>) => ({
      value: row.value,
      visitors: row.visitors,
      sessions: row.sessions,
      pageviews: row.pageviews,
    }));
    // Sorted by value, (none) last.
    expect(rows.map((row: { value: string }) => row.value)).toEqual(['new', 'returning', '(none)']);
    const byValue = (a: { value: string }, b: { value: string }) => a.value.localeCompare(b.value);
    expect(rows.sort(byValue)).toEqual(expectedVisitorTypes(visits, shop, '2026-03-16', '2026-04-05'));
  });

  it.each([
    ['is returning', '[["is","visitor_type",["returning"]]]', ['returning']],
    ['is new', '[["is","visitor_type",["new"]]]', ['new']],
    ['is_not new', '[["is_not","visitor_type",["new"]]]', ['returning', '(none)']],
    ['is (none)', '[["is","visitor_type",["(none)"]]]', ['(none)']],
  ])('filters every report: %s', async (_name, filters, types) => {
    const { shop, visits } = await history();
    const expected = expectedVisitorTypes(visits, shop, '2026-03-16', '2026-04-05').filter((row) =>
      types.includes(row.value),
    );
    const sum = (key: 'sessions' | 'visitors' | 'pageviews') =>
      expected.reduce((total, row) => total + row[key], 0);
    const overview = await get(shop, `/stats/overview?${WINDOW}&filters=${encodeURIComponent(filters)}`);
    expect(overview.statusCode, overview.body).toBe(200);
    expect(overview.json()).toMatchObject({
      visitors: sum('visitors'),
      sessions: sum('sessions'),
      pageviews: sum('pageviews'),
    });
    expect(sum('sessions')).toBeGreaterThan(0);
  });
});
