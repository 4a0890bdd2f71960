import { describe, expect, it } from 'vitest';
import { addUser, createTenant, useTestApp, type TestTenant } from '../../test/helpers.ts';
import { newId } from '../lib/ids.ts';

const context = useTestApp();

interface TestSite {
  tenant: TestTenant;
  id: string;
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
  return { tenant: owner, id: response.json().id };
}

interface CompanyFixture {
  domain: string;
  name?: string | null;
  score?: number;
  lead?: 'hot' | 'warm' | 'cold';
  country?: string | null;
  industry?: string | null;
  visits?: number;
  lastSeenAt?: Date;
  hidden?: boolean;
}

async function insertCompany(siteId: string, company: CompanyFixture): Promise<string> {
  const id = newId('cmp');
  const lastSeen = company.lastSeenAt ?? new Date('2026-11-20T10:00:00Z');
  await context.db.query(
    `INSERT INTO companies (id, site_id, domain, name, country, industry, first_seen_at, last_seen_at, visits,
       sessions, pageviews, time_on_site_s, score, lead_status, hidden, score_breakdown, scored_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $8, $8 * 3, $8 * 60, $9, $10, $11, $12, $7)`,
    [
      id,
      siteId,
      company.domain,
      company.name === undefined ? `${company.domain} Inc` : company.name,
      company.country === undefined ? 'GB' : company.country,
      company.industry ?? null,
      lastSeen,
      company.visits ?? 1,
      company.score ?? 10,
      company.lead ?? 'cold',
      company.hidden ?? false,
      JSON.stringify([{ factor: 'recency', points: company.score ?? 10, max: 25, why: 'last visit today' }]),
    ],
  );
  return id;
}

function get(site: TestSite, path: string, tenant: TestTenant = site.tenant) {
  return context.app.inject({ method: 'GET', url: `/api/sites/${site.id}${path}`, headers: tenant.auth });
}

function post(site: TestSite, path: string, tenant: TestTenant = site.tenant) {
  return context.app.inject({ method: 'POST', url: `/api/sites/${site.id}${path}`, headers: tenant.auth });
}

async function domains(site: TestSite, query: string): Promise<string[]> {
  const response = await get(site, `/companies?${query}`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json().companies.map((company: { domain: string }) => company.domain);
}

describe('GET /api/sites/:siteId/companies', () => {
  it('lists companies by score, hidden ones left out, with their counters and status', async () => {
    const site = await createSite();
    await insertCompany(site.id, { domain: 'warm.example', score: 55, lead: 'warm', visits: 4 });
    await insertCompany(site.id, { domain: 'hot.example', score: 91, lead: 'hot', country: 'DE' });
    await insertCompany(site.id, { domain: 'mine.example', score: 99, lead: 'hot', hidden: true });
    const response = await get(site, '/companies');
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({
      companies: [
        expect.objectContaining({
          domain: 'hot.example',
          name: 'hot.example Inc',
          score: 91,
          leadStatus: 'hot',
        }),
        expect.objectContaining({
          domain: 'warm.example',
          country: 'GB',
          visits: 4,
          pageviews: 12,
          timeOnSiteSeconds: 240,
          hidden: false,
        }),
      ],
      nextCursor: null,
    });
    expect(await domains(site, 'includeHidden=true')).toEqual([
      'mine.example',
      'hot.example',
      'warm.example',
    ]);
  });

  it.each([
    ['lead=warm', ['b.example', 'c.example']],
    ['minScore=50&maxScore=69', ['b.example']],
    ['minScore=70', ['a.example']],
    ['country=de', ['c.example']],
    ['industry=software', ['a.example']],
    ['lastSeenAfter=2026-11-15', ['a.example', 'c.example']],
    ['lastSeenAfter=2026-11-15T12:00:00Z', ['a.example']],
    ['q=BETA', ['b.example']],
    ['q=c.exam', ['c.example']],
    ['q=50%25', ['d.example']],
    ['sort=lastSeen&order=asc', ['d.example', 'b.example', 'c.example', 'a.example']],
    ['sort=visits', ['b.example', 'a.example', 'c.example', 'd.example']],
    ['sort=score&order=asc', ['d.example', 'c.example', 'b.example', 'a.example']],
  ])('?%s → %j', async (query, expected) => {
    const site = await createSite();
    await insertCompany(site.id, {
      domain: 'a.example',
      name: 'Alpha',
      score: 80,
      lead: 'hot',
      industry: 'Software',
      visits: 5,
      lastSeenAt: new Date('2026-11-20T10:00:00Z'),
    });
    await insertCompany(site.id, {
      domain: 'b.example',
      name: 'Beta',
      score: 60,
      lead: 'warm',
      visits: 9,
      lastSeenAt: new Date('2026-11-10T10:00:00Z'),
    });
    await insertCompany(site.id, {
      domain: 'c.example',
      name: 'Gamma',
      score: 45,
      lead: 'warm',
      country: 'DE',
      visits: 3,
      lastSeenAt: new Date('2026-11-15T10:00:00Z'),
    });
    await insertCompany(site.id, {
      domain: 'd.example',
      name: '50% Off Ltd',
      score: 5,
      visits: 1,
      lastSeenAt: new Date('2026-11-01T10:00:00Z'),
    });
    expect(await domains(site, query)).toEqual(expected);
  });

  it('pages with an opaque cursor, never skipping or repeating companies with equal scores', async () => {
    const site = await createSite();
    for (let index = 0; index < 7; index++) {
      await insertCompany(site.id, { domain: `c${index}.example`, score: index < 4 ? 50 : 20 });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response = await get(site, `/companies?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(response.statusCode, response.body).toBe(200);
      const page = response.json();
      seen.push(...page.companies.map((company: { domain: string }) => company.domain));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== null);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(7);
    const { rows } = await context.db.query(
      'SELECT domain FROM companies WHERE site_id = $1 ORDER BY score DESC, id DESC',
      [site.id],
    );
    expect(seen).toEqual(rows.map((row) => row.domain));
  });

  describe('validation: every error names its field', () => {
    it.each([
      ['lead=lukewarm', 'lead'],
      ['minScore=-1', 'minScore'],
      ['minScore=abc', 'minScore'],
      ['maxScore=101', 'maxScore'],
      ['minScore=80&maxScore=20', 'maxScore'],
      ['country=GBR', 'country'],
      ['industry=', 'industry'],
      ['lastSeenAfter=yesterday', 'lastSeenAfter'],
      ['q=', 'q'],
      [`q=${'x'.repeat(101)}`, 'q'],
      ['sort=name', 'sort'],
      ['order=up', 'order'],
      ['limit=0', 'limit'],
      ['limit=1000', 'limit'],
      ['includeHidden=maybe', 'includeHidden'],
      ['cursor=garbage', 'cursor'],
      ['sortBy=score', 'sortBy'],
    ])('?%s → 400 naming %s', async (query, field) => {
      const site = await createSite();
      const response = await get(site, `/companies?${query}`);
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json().error, response.body).toMatchObject({ code: 'validation_failed', field });
    });

    it('refuses a cursor made for another sort, naming cursor', async () => {
      const site = await createSite();
      for (let index = 0; index < 3; index++) await insertCompany(site.id, { domain: `c${index}.example` });
      const first = (await get(site, '/companies?limit=1')).json();
      const response = await get(site, `/companies?limit=1&sort=visits&cursor=${first.nextCursor}`);
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json().error.field).toBe('cursor');
    });
  });
});

describe('GET /api/sites/:siteId/companies/:companyId', () => {
  it('shows the score breakdown, the status history and the visit history, newest session first', async () => {
    const site = await createSite();
    const id = await insertCompany(site.id, { domain: 'acme.example', score: 84, lead: 'hot' });
    await context.db.query(
      `INSERT INTO company_status_changes (site_id, company_id, from_status, to_status, score, changed_at)
       VALUES ($1, $2, NULL, 'warm', 45, '2026-11-19T10:00:00Z'), ($1, $2, 'warm', 'hot', 84, '2026-11-20T10:00:00Z')`,
      [site.id, id],
    );
    const day = (hour: number, minute = 0) => new Date(Date.UTC(2026, 10, 20, hour, minute));
    await context.db.query(
      `INSERT INTO sessions (id, site_id, visitor_id, started_at, last_seen_at, pageviews, events, duration_s,
         entry_path, exit_path, referrer_host, referrer_type, utm_source, utm_medium, utm_campaign, company_domain)
       VALUES ('ses_a', $1, 'v1', $2, $3, 2, 0, 120, '/', '/pricing', 'google.com', 'search', NULL, NULL, NULL, 'acme.example'),
              ('ses_b', $1, 'v1', $4, $5, 1, 1, 30, '/demo', '/demo', NULL, 'paid', 'linkedin', 'cpc', 'q4', 'acme.example'),
              ('ses_c', $1, 'v2', $4, $5, 1, 0, 0, '/', '/', NULL, 'direct', NULL, NULL, NULL, 'other.example')`,
      [site.id, day(9), day(9, 2), day(11), day(11, 1)],
    );
    await context.db.query(
      `INSERT INTO events (id, site_id, type, name, received_at, occurred_at, session_id, path, title)
       VALUES ('evt_2', $1, 'pageview', NULL, now(), $3, 'ses_a', '/pricing', 'Pricing'),
              ('evt_1', $1, 'pageview', NULL, now(), $2, 'ses_a', '/', 'Home'),
              ('evt_3', $1, 'pageview', NULL, now(), $4, 'ses_b', '/demo', 'Book a demo'),
              ('evt_4', $1, 'event', 'signup', now(), $4, 'ses_b', '/demo', NULL)`,
      [site.id, day(9), day(9, 2), day(11)],
    );
    const response = await get(site, `/companies/${id}`);
    expect(response.statusCode, response.body).toBe(200);
    const detail = response.json();
    expect(detail).toMatchObject({
      id,
      domain: 'acme.example',
      score: 84,
      leadStatus: 'hot',
      scoreBreakdown: [{ factor: 'recency', points: 84, max: 25, why: 'last visit today' }],
      statusChanges: [
        { from: 'warm', to: 'hot', score: 84, changedAt: '2026-11-20T10:00:00.000Z' },
        { from: null, to: 'warm', score: 45, changedAt: '2026-11-19T10:00:00.000Z' },
      ],
    });
    expect(detail.history).toEqual([
      expect.objectContaining({
        id: 'ses_b',
        startedAt: day(11).toISOString(),
        pageviews: 1,
        events: 1,
        source: {
          referrerHost: null,
          referrerType: 'paid',
          utmSource: 'linkedin',
          utmMedium: 'cpc',
          utmCampaign: 'q4',
        },
        pages: [{ path: '/demo', title: 'Book a demo', at: day(11).toISOString() }],
      }),
      expect.objectContaining({
        id: 'ses_a',
        durationSeconds: 120,
        entryPath: '/',
        exitPath: '/pricing',
        source: expect.objectContaining({ referrerHost: 'google.com', referrerType: 'search' }),
        pages: [
          { path: '/', title: 'Home', at: day(9).toISOString() },
          { path: '/pricing', title: 'Pricing', at: day(9, 2).toISOString() },
        ],
      }),
    ]);
  });

  it('bounds the history: the latest 50 sessions, the first 100 pages of each', async () => {
    const site = await createSite();
    const id = await insertCompany(site.id, { domain: 'busy.example' });
    await context.db.query(
      `INSERT INTO sessions (id, site_id, visitor_id, started_at, last_seen_at, company_domain)
       SELECT 'ses_' || n, $1, 'v', now() - n * interval '1 hour', now() - n * interval '1 hour', 'busy.example'
       FROM generate_series(1, 60) AS n`,
      [site.id],
    );
    await context.db.query(
      `INSERT INTO events (id, site_id, type, received_at, occurred_at, session_id, path)
       SELECT 'evt_' || n, $1, 'pageview', now(), now() - interval '1 hour' + n * interval '1 second', 'ses_1', '/p' || n
       FROM generate_series(1, 130) AS n`,
      [site.id],
    );
    const { history } = (await get(site, `/companies/${id}`)).json();
    expect(history).toHaveLength(50);
    expect(history[0].id).toBe('ses_1');
    expect(history[49].id).toBe('ses_50');
    expect(history[0].pages).toHaveLength(100);
    expect(history[0].pages[99].path).toBe('/p100');
  });

  it('answers 404 naming companyId for an unknown company or one of another site', async () => {
    const site = await createSite();
    const sibling = await createSite(site.tenant);
    const theirs = await insertCompany(sibling.id, { domain: 'acme.example' });
    for (const companyId of ['cmp_nope', theirs]) {
      const response = await get(site, `/companies/${companyId}`);
      expect(response.statusCode, response.body).toBe(404);
      expect(response.json().error).toMatchObject({ code: 'not_found', field: 'companyId' });
    }
  });
});

describe('GET /api/sites/:siteId/companies/:companyId/visits', () => {
  /** `count` sessions of the company an hour apart, newest first ses_01…, and one of another company. */
  async function insertSessions(siteId: string, domain: string, count: number) {
    await context.db.query(
      `INSERT INTO sessions (id, site_id, visitor_id, started_at, last_seen_at, pageviews, company_domain)
       SELECT 'ses_' || lpad(n::text, 2, '0'), $1, 'v', $3::timestamptz - n * interval '1 hour',
         $3::timestamptz - n * interval '1 hour', 1, $2
       FROM generate_series(1, $4::int) AS n
       UNION ALL SELECT 'ses_other', $1, 'w', $3::timestamptz, $3::timestamptz, 1, 'other.example'`,
      [siteId, domain, '2026-11-20T12:00:00Z', count],
    );
  }

  it('pages through every visit newest first, never skipping or repeating one', async () => {
    const site = await createSite();
    const id = await insertCompany(site.id, { domain: 'busy.example' });
    await insertSessions(site.id, 'busy.example', 60);
    // Two sessions that started at the same instant: the id orders them, across a page boundary.
    await context.db.query(
      `UPDATE sessions SET started_at = '2026-11-20T01:00:00Z' WHERE site_id = $1 AND id IN ('ses_11', 'ses_12')`,
      [site.id],
    );
    const seen: string[] = [];
    const pageSizes: number[] = [];
    let cursor: string | null = null;
    do {
      const response = await get(
        site,
        `/companies/${id}/visits?limit=11${cursor === null ? '' : `&cursor=${cursor}`}`,
      );
      expect(response.statusCode, response.body).toBe(200);
      const page = response.json();
      pageSizes.push(page.visits.length);
      seen.push(...page.visits.map((visit: { id: string }) => visit.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(pageSizes).toEqual([11, 11, 11, 11, 11, 5]);
    const { rows } = await context.db.query(
      `SELECT id FROM sessions WHERE site_id = $1 AND company_domain = 'busy.example'
       ORDER BY started_at DESC, id DESC`,
      [site.id],
    );
    expect(seen).toEqual(rows.map((row: { id: string }) => row.id));
    expect(seen.slice(10, 12)).toEqual(['ses_12', 'ses_11']);
  });

  it('gives each visit its pages and source, as the company page does', async () => {
    const site = await createSite();
    const id = await insertCompany(site.id, { domain: 'acme.example' });
    await insertSessions(site.id, 'acme.example', 2);
    await context.db.query(
      `INSERT INTO events (id, site_id, type, received_at, occurred_at, session_id, path, title)
       VALUES ('evt_a', $1, 'pageview', now(), '2026-11-20T10:00:00Z', 'ses_02', '/pricing', 'Pricing')`,
      [site.id],
    );
    const page = (await get(site, `/companies/${id}/visits`)).json();
    expect(page.nextCursor).toBeNull();
    expect(page.visits).toEqual((await get(site, `/companies/${id}`)).json().history);
    expect(page.visits[1]).toMatchObject({
      id: 'ses_02',
      pages: [{ path: '/pricing', title: 'Pricing', at: '2026-11-20T10:00:00.000Z' }],
    });
  });

  it('lets a viewer of the site read them', async () => {
    const site = await createSite();
    const id = await insertCompany(site.id, { domain: 'acme.example' });
    await insertSessions(site.id, 'acme.example', 1);
    const viewer = await addUser(context, site.tenant.agencyId, 'viewer');
    await context.db.query('INSERT INTO site_members (site_id, user_id) VALUES ($1, $2)', [
      site.id,
      viewer.userId,
    ]);
    const response = await get(site, `/companies/${id}/visits`, viewer);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().visits).toHaveLength(1);
  });

  describe('robustness: bad input is a 400 naming the field', () => {
    it.each([
      ['limit=0', 'limit'],
      ['limit=51', 'limit'],
      ['limit=ten', 'limit'],
      ['cursor=not-a-cursor', 'cursor'],
      [`cursor=${Buffer.from('["yesterday","ses_1"]').toString('base64url')}`, 'cursor'],
      [`cursor=${Buffer.from('["2026-02-30T00:00:00.000Z","ses_1"]').toString('base64url')}`, 'cursor'],
      [`cursor=${Buffer.from('["2026-11-20T00:00:00.000Z",7]').toString('base64url')}`, 'cursor'],
      [`cursor=${Buffer.from('{"startedAt":1}').toString('base64url')}`, 'cursor'],
      [`cursor=${'a'.repeat(201)}`, 'cursor'],
      ['since=yesterday', undefined],
    ])('%s', async (query, field) => {
      const site = await createSite();
      const id = await insertCompany(site.id, { domain: 'acme.example' });
      const response = await get(site, `/companies/${id}/visits?${query}`);
      expect(response.statusCode, response.body).toBe(400);
      if (field !== undefined) expect(response.json().error.field).toBe(field);
    });
  });

  it('answers 404 naming companyId for an unknown company or one of another site', async () => {
    const site = await createSite();
    const sibling = await createSite(site.tenant);
    const theirs = await insertCompany(sibling.id, { domain: 'acme.example' });
    await insertSessions(sibling.id, 'acme.example', 1);
    for (const companyId of ['cmp_nope', theirs]) {
      const response = await get(site, `/companies/${companyId}/visits`);
      expect(response.statusCode, response.body).toBe(404);
      expect(response.json().error).toMatchObject({ code: 'not_found', field: 'companyId' });
    }
  });
});

describe('GET /api/sites/:siteId/companies.csv', () => {
  it('exports RFC 4180 CSV with the list filters, safe to open in a spreadsheet', async () => {
    const site = await createSite();
    await insertCompany(site.id, {
      domain: 'evil.example',
      name: '=HYPERLINK("http://x","click")',
      score: 90,
      lead: 'hot',
    });
    await insertCompany(site.id, {
      domain: 'comma.example',
      name: 'Smith, Jones & Co',
      score: 50,
      lead: 'warm',
    });
    await insertCompany(site.id, { domain: 'cold.example', score: 5 });
    await insertCompany(site.id, { domain: 'hidden.example', score: 95, lead: 'hot', hidden: true });
    const response = await get(site, '/companies.csv?minScore=40');
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toBe(`attachment; filename="companies-${site.id}.csv"`);
    expect(response.headers['x-beacon-rows']).toBe('2');
    const lines = response.body.split('\r\n');
    expect(lines[0]).toBe(
      'domain,name,score,lead_status,country,city,industry,employee_range,visits,pageviews,time_on_site_s,first_seen_at,last_seen_at,hidden,id',
    );
    expect(lines[1]).toMatch(
      /^evil\.example,"'=HYPERLINK\(""http:\/\/x"",""click""\)",90,hot,GB,,,,1,3,60,2026-/,
    );
    expect(lines[2]).toMatch(/^comma\.example,"Smith, Jones & Co",50,warm,/);
    expect(lines.slice(3)).toEqual(['']);
  });

  it('answers a bad filter with 400 naming it', async () => {
    const site = await createSite();
    const response = await get(site, '/companies.csv?lead=boiling');
    expect(response.statusCode).toBe(400);
    expect(response.json().error.field).toBe('lead');
  });
});

describe('POST /api/sites/:siteId/companies/:companyId/hide and /unhide', () => {
  it('hides a company from lists and exports, shows it again, and audits both', async () => {
    const site = await createSite();
    const member = await addUser(context, site.tenant.agencyId, 'member');
    await context.db.query('INSERT INTO site_members (site_id, user_id) VALUES ($1, $2)', [
      site.id,
      member.userId,
    ]);
    const id = await insertCompany(site.id, { domain: 'partner.example' });
    const hidden = await post(site, `/companies/${id}/hide`, member);
    expect(hidden.statusCode, hidden.body).toBe(200);
    expect(hidden.json()).toMatchObject({ id, hidden: true });
    expect(await domains(site, '')).toEqual([]);
    expect((await get(site, '/companies.csv')).body.split('\r\n')).toHaveLength(2);

    const shown = await post(site, `/companies/${id}/unhide`);
    expect(shown.json()).toMatchObject({ id, hidden: false });
    expect(await domains(site, '')).toEqual(['partner.example']);
    const { rows } = await context.db.query(
      `SELECT action, actor_id, target_id FROM audit_log WHERE agency_id = $1 AND target_type = 'company' ORDER BY id`,
      [site.tenant.agencyId],
    );
    expect(rows).toEqual([
      { action: 'company.hide', actor_id: member.userId, target_id: id },
      { action: 'company.unhide', actor_id: site.tenant.userId, target_id: id },
    ]);
  });

  it('forbids a viewer (403) but lets them read', async () => {
    const site = await createSite();
    const viewer = await addUser(context, site.tenant.agencyId, 'viewer');
    await context.db.query('INSERT INTO site_members (site_id, user_id) VALUES ($1, $2)', [
      site.id,
      viewer.userId,
    ]);
    const id = await insertCompany(site.id, { domain: 'acme.example' });
    expect((await post(site, `/companies/${id}/hide`, viewer)).statusCode).toBe(403);
    expect((await get(site, `/companies/${id}`, viewer)).statusCode).toBe(200);
    expect(await domains(site, '')).toEqual(['acme.example']);
  });

  it('answers 404 for an unknown company', async () => {
    const site = await createSite();
    const response = await post(site, '/companies/cmp_nope/hide');
    expect(response.statusCode).toBe(404);
    expect(response.json().error.field).toBe('companyId');
  });
});

describe('tenancy', () => {
  it('answers another agency 404 on every company route of a site that is not theirs', async () => {
    const site = await createSite();
    const id = await insertCompany(site.id, { domain: 'acme.example' });
    const intruder = await createTenant(context);
    for (const [method, path] of [
      ['GET', '/companies'],
      ['GET', '/companies.csv'],
      ['GET', `/companies/${id}`],
      ['GET', `/companies/${id}/visits`],
      ['POST', `/companies/${id}/hide`],
      ['POST', `/companies/${id}/unhide`],
    ] as const) {
      const response = await context.app.inject({
        method,
        url: `/api/sites/${site.id}${path}`,
        headers: intruder.auth,
      });
      expect(response.statusCode, `${method} ${path}: ${response.body}`).toBe(404);
      expect(response.body).not.toContain('acme.example');
    }
    const { rows } = await context.db.query('SELECT hidden FROM companies WHERE id = $1', [id]);
    expect(rows[0].hidden).toBe(false);
  });

  it("does not reach a company of another agency's site through one's own site", async () => {
    const mine = await createSite();
    const theirs = await createSite();
    const theirCompany = await insertCompany(theirs.id, { domain: 'acme.example' });
    expect((await get(mine, `/companies/${theirCompany}`)).statusCode).toBe(404);
    expect((await post(mine, `/companies/${theirCompany}/hide`)).statusCode).toBe(404);
  });

  it('answers 401 without a token', async () => {
    const site = await createSite();
    const response = await context.app.inject({ method: 'GET', url: `/api/sites/${site.id}/companies` });
    expect(response.statusCode).toBe(401);
  });
});
