/// <reference lib="dom" />
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatMetric } from '../dashboard/src/format.ts';
import { rescoreCompanies } from '../src/companies/rescore-companies.ts';
import { newId } from '../src/lib/ids.ts';
import {
  BROWSER_SUITE,
  hasChromium,
  useDashboardBrowser,
  XSS,
  type BrowserSite as Site,
} from './dashboard-browser.ts';
import { startFakeIpinfo, type FakeIpinfo } from './fakes/ipinfo-server.ts';
import { enrichmentWithFakeIpinfo, addUser, type TestTenant } from './helpers.ts';

/**
 * The Leads tab and the company page in headless Chromium. Companies come about as in production:
 * visits from addresses the fake IPinfo knows as business and school networks go through ingestion
 * and enrichment, and the scorer rates them. The list, its filters, the CSV export and the company
 * page are checked against the API's own answers.
 */

const ACME_IP = '151.101.0.1'; // Acme Corp, acme-corp.example, Chicago (business)
const BERKELEY_IP = '128.32.0.1'; // University of California at Berkeley, berkeley.edu (education)
const APPLE_IP = '17.0.0.1'; // Apple Inc., apple.com (business)
const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

let fake: FakeIpinfo;
beforeAll(async () => {
  fake = await startFakeIpinfo();
});
afterAll(async () => {
  await fake?.close();
});

interface Company {
  id: string;
  domain: string;
  name: string | null;
  score: number;
  leadStatus: 'hot' | 'warm' | 'cold';
  visits: number;
  hidden: boolean;
}

interface CompanyDetail extends Company {
  scoreBreakdown: Array<{ factor: string; points: number; max: number; why: string }>;
  statusChanges: Array<{ from: string | null; to: string; score: number }>;
  history: Array<{ id: string; pageviews: number; pages: Array<{ path: string | null }> }>;
}

describe.skipIf(!hasChromium)('the Leads tab in headless Chromium', BROWSER_SUITE, () => {
  const dashboard = useDashboardBrowser({
    appOptions: {
      enrichment: enrichmentWithFakeIpinfo(() => fake.url),
    },
  });
  const { context, newPage, createSite } = dashboard;

  async function api<T>(site: Site, path: string, tenant: TestTenant = site.tenant): Promise<T> {
    const response = await context.app.inject({
      method: 'GET',
      url: `/api/sites/${site.id}${path}`,
      headers: tenant.auth,
    });
    expect(response.statusCode, response.body).toBe(200);
    return (path.includes('.csv') ? response.body : response.json()) as T;
  }

  /** A visit from `ip`: pages a minute apart from `start`, in one batch as a tracker's queue sends them. */
  async function visit(
    site: Site,
    ip: string,
    visitorId: string,
    start: Date,
    events: Array<Record<string, unknown>>,
  ) {
    const response = await context.app.inject({
      method: 'POST',
      url: '/api/track/batch',
      headers: { origin: 'https://shop.example', 'x-forwarded-for': ip, 'user-agent': CHROME },
      payload: {
        sentAt: Date.now(),
        events: events.map((event, index) => ({
          site: site.siteKey,
          eventId: randomUUID(),
          consent: { analytics: true },
          visitorId,
          ts: start.getTime() + index * 60_000,
          ...event,
        })),
      },
    });
    expect(response.statusCode, response.body).toBe(201);
  }

  const pageview = (path: string, extra: Record<string, unknown> = {}) => ({
    type: 'pageview',
    url: `https://shop.example${path}`,
    title: `Title of ${path}`,
    ...extra,
  });

  /**
   * Three companies, one per status: Acme, hot (three visits on three days, high-intent pages and a
   * signup); Berkeley, warm (one visit with /pricing); and Apple, cold (one page), whose stored name
   * is then an HTML string that must show as text.
   */
  async function seedCompanies(site: Site): Promise<Company[]> {
    for (const ip of [ACME_IP, BERKELEY_IP, APPLE_IP]) await context.enrichment!.service!.resolve(ip);
    const last = new Date(Date.now() - HOUR);
    await visit(site, ACME_IP, 'v-acme', new Date(last.getTime() - 2 * DAY), [
      pageview('/?utm_source=linkedin&utm_medium=cpc&utm_campaign=q4', {
        referrer: 'https://www.linkedin.com/',
      }),
      pageview('/pricing'),
    ]);
    await visit(site, ACME_IP, 'v-acme', new Date(last.getTime() - DAY), [
      pageview('/', { referrer: 'https://www.google.com/' }),
      pageview('/demo'),
      pageview('/pricing'),
    ]);
    await visit(site, ACME_IP, 'v-acme', last, [
      pageview('/'),
      pageview('/pricing'),
      pageview('/demo'),
      pageview('/contact'),
      { type: 'event', name: 'signup', url: 'https://shop.example/contact' },
    ]);
    await visit(site, BERKELEY_IP, 'v-berkeley', last, [pageview('/'), pageview('/pricing')]);
    await visit(site, APPLE_IP, 'v-apple', last, [pageview('/blog')]);
    await expect
      .poll(async () => (await api<{ companies: Company[] }>(site, '/companies')).companies.length, {
        timeout: 15_000,
      })
      .toBe(3);
    await rescoreCompanies({ db: context.db, pubsub: context.state.pubsub, siteId: site.id });
    await context.db.query(`UPDATE companies SET name = $3 WHERE site_id = $1 AND domain = $2`, [
      site.id,
      'apple.com',
      XSS,
    ]);
    const { companies } = await api<{ companies: Company[] }>(site, '/companies');
    expect(companies.map((company) => [company.domain, company.leadStatus])).toEqual([
      ['acme-corp.example', 'hot'],
      ['berkeley.edu', 'warm'],
      ['apple.com', 'cold'],
    ]);
    return companies;
  }

  /** The rows of the list as the page shows them: status, score, name, domain, visits. */
  function shownRows(page: Page) {
    return page.locator('.lead-table tbody tr').evaluateAll((rows) =>
      rows.map((row) => ({
        status: row.querySelector('.lead-badge')?.textContent,
        score: row.querySelector('td.score')?.textContent,
        name: row.querySelector('.company a')?.textContent,
        domain: row.querySelector('.company .domain')?.textContent,
        visits: row.querySelectorAll('td.number')[1]?.textContent,
      })),
    );
  }

  function expectedRows(companies: Company[]) {
    return companies.map((company) => ({
      status: company.leadStatus[0]!.toUpperCase() + company.leadStatus.slice(1),
      score: formatMetric(company.score, 'count', 'en-US'),
      name: company.name ?? company.domain,
      domain: company.domain,
      visits: formatMetric(company.visits, 'count', 'en-US'),
    }));
  }

  function expectNoScriptRan(page: Page) {
    return Promise.all([
      expect(page.locator('img[src="x"]').count()).resolves.toBe(0),
      expect(page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).resolves.toBeUndefined(),
    ]);
  }

  it('lists the companies as the API does, filters by status in the URL, exports the filtered CSV', async () => {
    const site = await createSite();
    const companies = await seedCompanies(site);

    const { page, cspViolations } = await newPage();
    await dashboard.signIn(page, site.tenant.email, `/sites/${site.id}/leads`);
    await page.locator('.lead-table tbody tr').first().waitFor({ timeout: 15_000 });
    expect(await shownRows(page)).toEqual(expectedRows(companies));
    // The stored HTML name is its characters, as the link's text, and nothing ran.
    await expect.poll(() => page.getByRole('link', { name: XSS, exact: true }).count()).toBe(1);
    await expectNoScriptRan(page);
    await dashboard.screenshot(page, 'leads-list');
    await page.emulateMedia({ colorScheme: 'dark' });
    await dashboard.screenshot(page, 'leads-list-dark');
    await page.emulateMedia({ colorScheme: 'light' });

    await page.getByRole('group', { name: 'Lead status' }).getByRole('button', { name: 'Hot' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('lead')).toBe('hot');
    const hot = await api<{ companies: Company[] }>(site, '/companies?lead=hot');
    expect(hot.companies.map((company) => company.domain)).toEqual(['acme-corp.example']);
    await expect.poll(() => shownRows(page)).toEqual(expectedRows(hot.companies));
    await dashboard.screenshot(page, 'leads-hot');

    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 15_000 }),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^leads-shop\.example-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = await readFile((await download.path())!, 'utf8');
    expect(csv).toBe(await api<string>(site, '/companies.csv?lead=hot'));
    const [header, ...rows] = csv.trim().split('\r\n');
    expect(header!.split(',').slice(0, 4)).toEqual(['domain', 'name', 'score', 'lead_status']);
    expect(rows.map((row) => row.split(',')[0])).toEqual(['acme-corp.example']);
    const exportNotice = page.locator('.export .notice');
    expect(await exportNotice.count()).toBe(0);

    // An export the server cut short (50,000 rows at most; too many to seed here) says so.
    await page.route('**/companies.csv?*', async (route) => {
      const response = await route.fetch();
      await route.fulfill({
        response,
        headers: { ...response.headers(), 'x-beacon-truncated': 'true', 'x-beacon-rows': '50000' },
      });
    });
    await Promise.all([
      page.waitForEvent('download', { timeout: 15_000 }),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    await expect
      .poll(() => exportNotice.textContent(), { timeout: 10_000 })
      .toMatch(/first 50.000 companies only.*narrow the filters/);
    await page.unroute('**/companies.csv?*');

    // A search typed in the form narrows the list too, kept next to the status in the URL.
    await page.getByRole('group', { name: 'Lead status' }).getByRole('button', { name: 'All' }).click();
    await page.getByLabel('Search').fill('berkeley');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('q')).toBe('berkeley');
    await expect.poll(async () => (await shownRows(page)).map((row) => row.domain)).toEqual(['berkeley.edu']);
    // Back in the browser's history is the hot list again.
    await page.goBack();
    await page.goBack();
    await expect
      .poll(async () => (await shownRows(page)).map((row) => row.domain))
      .toEqual(['acme-corp.example']);
    expect(cspViolations).toEqual([]);
  });

  it('opens a company with its score breakdown, status history and visits; hiding it takes it off the list', async () => {
    const site = await createSite();
    const companies = await seedCompanies(site);
    const acme = companies.find((company) => company.domain === 'acme-corp.example')!;
    const detail = await api<CompanyDetail>(site, `/companies/${acme.id}`);

    const { page, cspViolations } = await newPage();
    await dashboard.signIn(page, site.tenant.email, `/sites/${site.id}/leads`);
    await page.getByRole('link', { name: 'Acme Corp', exact: true }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe(`/sites/${site.id}/leads/${acme.id}`);
    await expect.poll(() => page.locator('h1').textContent(), { timeout: 10_000 }).toBe('Acme Corp');

    // Each signal with the points the API gives it, adding up to the score.
    const breakdown = await page.locator('.breakdown tbody tr').evaluateAll((rows) =>
      rows.map((row) => ({
        factor: row.getAttribute('data-factor'),
        points: row.querySelector('.points')?.textContent,
        why: row.querySelector('.why')?.textContent,
      })),
    );
    expect(breakdown).toEqual(
      detail.scoreBreakdown.map((line) => ({
        factor: line.factor,
        points: formatMetric(line.points, 'count', 'en-US'),
        why: line.why,
      })),
    );
    expect(detail.scoreBreakdown.reduce((sum, line) => sum + line.points, 0)).toBe(detail.score);
    expect(await page.locator('.breakdown tfoot strong').textContent()).toBe(String(detail.score));

    expect(detail.statusChanges).toEqual([expect.objectContaining({ from: null, to: 'hot' })]);
    expect(await page.locator('.status-history li').count()).toBe(1);
    expect(await page.locator('.status-history li .lead-badge').textContent()).toBe('Hot');

    // Visits newest first, with the pages in the order they were seen.
    expect(detail.history.map((visit) => visit.pageviews)).toEqual([4, 3, 2]);
    // The visits load after the company (from …/visits), so they are waited for.
    const shownVisits = () =>
      page.locator('.visits > li').evaluateAll((items) =>
        items.map((item) => ({
          id: item.getAttribute('data-visit'),
          paths: Array.from(item.querySelectorAll('.visit-pages .path')).map((path) => path.textContent),
        })),
      );
    await expect
      .poll(shownVisits, { timeout: 10_000 })
      .toEqual(
        detail.history.map((visit) => ({ id: visit.id, paths: visit.pages.map((entry) => entry.path) })),
      );
    expect(detail.history[0]!.pages.map((entry) => entry.path)).toEqual([
      '/',
      '/pricing',
      '/demo',
      '/contact',
    ]);
    expect(await page.locator('.visits > li').last().locator('.source').textContent()).toBe(
      'from linkedin / cpc / q4',
    );
    await dashboard.screenshot(page, 'leads-company');

    await page.getByRole('button', { name: 'Hide this company' }).click();
    await page.getByRole('button', { name: 'Show this company again' }).waitFor();
    expect((await api<CompanyDetail>(site, `/companies/${acme.id}`)).hidden).toBe(true);
    await dashboard.screenshot(page, 'leads-company-hidden');

    await page.getByRole('link', { name: '← All companies' }).click();
    await expect
      .poll(async () => (await shownRows(page)).map((row) => row.domain))
      .toEqual(['berkeley.edu', 'apple.com']);
    // Shown again with the hidden ones, marked.
    await page.getByLabel('Show hidden companies').check();
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('hidden')).toBe('1');
    await expect
      .poll(() => page.locator('tr.hidden-company .company a').allTextContents())
      .toEqual(['Acme Corp']);
    expect(cspViolations).toEqual([]);
  });

  it('lets a client viewer read a company but not hide it; a company name that is HTML shows as text', async () => {
    const site = await createSite();
    const companies = await seedCompanies(site);
    const apple = companies.find((company) => company.domain === 'apple.com')!;
    const viewer = await addUser(context, site.tenant.agencyId, 'viewer');
    const assigned = await context.app.inject({
      method: 'PATCH',
      url: `/api/users/${viewer.userId}`,
      headers: site.tenant.auth,
      payload: { siteIds: [site.id] },
    });
    expect(assigned.statusCode, assigned.body).toBe(200);

    const { page, cspViolations } = await newPage();
    await dashboard.signIn(page, viewer.email, `/sites/${site.id}/leads/${apple.id}`);
    await expect.poll(() => page.locator('h1').textContent(), { timeout: 10_000 }).toBe(XSS);
    await page.locator('.breakdown').waitFor();
    expect(await page.getByRole('button', { name: /hide/i }).count()).toBe(0);
    await expectNoScriptRan(page);
    await dashboard.screenshot(page, 'leads-company-viewer');
    expect(cspViolations).toEqual([]);
  });

  it('pages through a long list, and fits a phone screen', async () => {
    const site = await createSite();
    // 55 companies, as the companies' own route tests write them: one more page after the first 50.
    await context.db.query(
      `INSERT INTO companies (id, site_id, domain, name, country, first_seen_at, last_seen_at, visits,
         sessions, pageviews, score, lead_status)
       SELECT $2 || n, $1, 'company-' || n || '.example', 'Company ' || n, 'DE', now(), now(), 1, 1, 1,
         n, CASE WHEN n >= 70 THEN 'hot' WHEN n >= 40 THEN 'warm' ELSE 'cold' END
       FROM generate_series(1, 55) AS n`,
      [site.id, `${newId('cmp')}_`],
    );
    const first = await api<{ companies: Company[]; nextCursor: string }>(site, '/companies?limit=50');
    const second = await api<{ companies: Company[] }>(
      site,
      `/companies?limit=50&cursor=${first.nextCursor}`,
    );

    const { page, cspViolations } = await newPage({ width: 390, height: 844 });
    await dashboard.signIn(page, site.tenant.email, `/sites/${site.id}/leads`);
    await page.locator('.lead-table tbody tr').first().waitFor({ timeout: 15_000 });
    expect((await shownRows(page)).map((row) => row.domain)).toEqual(
      first.companies.map((company) => company.domain),
    );
    await page.getByRole('button', { name: 'Next page' }).click();
    await expect
      .poll(async () => (await shownRows(page)).map((row) => row.domain))
      .toEqual(second.companies.map((company) => company.domain));
    expect(new URL(page.url()).searchParams.get('cursor')).toBe(first.nextCursor);
    expect(await page.getByRole('button', { name: 'Next page' }).count()).toBe(0);
    // The list fits the screen without scrolling sideways (the shell's top bar is not this view's).
    const widths = await page.evaluate(() => ({
      view: document.querySelector('.leads')!.getBoundingClientRect().right,
      table: document.querySelector('.lead-table')!.scrollWidth,
      box: document.querySelector('.table-scroll')!.clientWidth,
    }));
    expect(widths.view).toBeLessThanOrEqual(390);
    expect(widths.table).toBeLessThanOrEqual(widths.box);
    await dashboard.screenshot(page, 'leads-phone');
    await page.getByRole('button', { name: 'First page' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.has('cursor')).toBe(false);

    // The top company's 25 visits: 20 at first, the 5 older ones on request, newest first throughout.
    const top = first.companies[0]!;
    await context.db.query(
      `INSERT INTO sessions (id, site_id, visitor_id, started_at, last_seen_at, pageviews, company_domain)
       SELECT 'ses_' || lpad(n::text, 2, '0'), $1, 'v', now() - n * interval '1 hour',
         now() - n * interval '1 hour', 0, $2
       FROM generate_series(1, 25) AS n`,
      [site.id, top.domain],
    );
    await page.getByRole('link', { name: top.name!, exact: true }).click();
    const visitIds = () =>
      page
        .locator('.visits > li')
        .evaluateAll((items) => items.map((item) => item.getAttribute('data-visit')));
    const expected = Array.from({ length: 25 }, (_, index) => `ses_${String(index + 1).padStart(2, '0')}`);
    await expect.poll(visitIds, { timeout: 10_000 }).toEqual(expected.slice(0, 20));
    await page.getByRole('button', { name: 'Show older visits' }).click();
    await expect.poll(visitIds).toEqual(expected);
    expect(await page.getByRole('button', { name: 'Show older visits' }).count()).toBe(0);
    expect(
      await page.evaluate(() => document.querySelector('.company-page')!.getBoundingClientRect().right),
    ).toBeLessThanOrEqual(390);
    await dashboard.screenshot(page, 'leads-company-phone');
    expect(cspViolations).toEqual([]);
  });

  it('says how companies appear when none has visited yet, and when filters match none', async () => {
    const site = await createSite();
    const { page } = await newPage();
    await dashboard.signIn(page, site.tenant.email, `/sites/${site.id}/leads`);
    const empty = page.locator('.leads .empty');
    await expect.poll(() => empty.textContent(), { timeout: 10_000 }).toContain('business network');
    expect(await empty.textContent()).toContain(`data-site="${site.siteKey}"`);
    await dashboard.screenshot(page, 'leads-empty');

    await page.goto(`${dashboard.base}/sites/${site.id}/leads?lead=hot`);
    await expect.poll(() => empty.textContent(), { timeout: 10_000 }).toContain('No companies match');
    await page.getByRole('button', { name: 'Show all companies' }).click();
    await expect.poll(() => new URL(page.url()).search).toBe('');
  });
});
