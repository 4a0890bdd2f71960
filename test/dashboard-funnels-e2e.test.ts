/// <reference lib="dom" />
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { formatMetric } from '../dashboard/src/format.ts';
import { markDirtyHours } from '../src/analytics/rollups/dirty-hours.ts';
import {
  BROWSER_SUITE,
  hasChromium,
  useDashboardBrowser,
  XSS,
  type BrowserSite as Site,
} from './dashboard-browser.ts';

/**
 * The funnels & goals tab and the overview's ranges, comparison and new cards in a real headless
 * Chromium, each number checked against the API's own answer.
 */

const DAY_MS = 86_400_000;
const utcDay = (time: number) => new Date(time).toISOString().slice(0, 10);

describe.skipIf(!hasChromium)(
  'funnels, goals and the overview’s ranges in headless Chromium',
  BROWSER_SUITE,
  () => {
    const dashboard = useDashboardBrowser();
    const { context, newPage, createSite, track } = dashboard;

    /** The site's API as its owner calls it: `url` under /api/sites/:siteId. */
    function api(site: Site, method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>) {
      return context.app.inject({
        method,
        url: `/api/sites/${site.id}${url}`,
        headers: site.tenant.auth,
        ...(payload === undefined ? {} : { payload }),
      });
    }

    /** Visitors through /pricing → /signup → the signup event: 4, 3, 2, 1 of them reach each. */
    async function trackJourneys(site: Site) {
      const start = Date.now() - 10 * 60_000;
      const journeys: Array<Array<Record<string, unknown>>> = [
        [
          { type: 'pageview', url: 'https://shop.example/pricing' },
          { type: 'pageview', url: 'https://shop.example/signup' },
          { type: 'event', name: 'signup', url: 'https://shop.example/signup' },
        ],
        [
          { type: 'pageview', url: 'https://shop.example/pricing' },
          { type: 'pageview', url: 'https://shop.example/signup' },
        ],
        [{ type: 'pageview', url: 'https://shop.example/pricing' }],
        [{ type: 'pageview', url: 'https://shop.example/blog', title: XSS }],
      ];
      await track(
        site,
        journeys.flatMap((events, visitor) =>
          events.map((event, step) => ({ ...event, visitorId: `v${visitor}`, ts: start + step * 60_000 })),
        ),
      );
    }

    /** The steps the builder shows, as [visitors text] per step of a chart. */
    async function shownVisitors(page: Page, chart: string): Promise<string[]> {
      return page.locator(`${chart} .funnel-chart [data-value="visitors"]`).allTextContents();
    }

    it('adds a goal, builds a funnel counted as the API counts it, saves it and opens it again from the list', async () => {
      const site = await createSite();
      await trackJourneys(site);
      const today = utcDay(Date.now());
      const from = utcDay(Date.now() - 6 * DAY_MS);
      await expect
        .poll(
          async () => (await api(site, 'GET', `/stats/overview?from=${from}&to=${today}`)).json().pageviews,
          {
            timeout: 10_000,
          },
        )
        .toBe(6);

      const { page, cspViolations } = await newPage();
      await dashboard.signIn(page, site.tenant.email, `/sites/${site.id}/funnels`);
      await page.getByText('No goals yet').waitFor({ timeout: 10_000 });
      await page.getByText('No saved funnels yet').waitFor();

      // A 400 shows next to the field it names, with the API's own message.
      const goalForm = page.getByRole('form', { name: 'Add a goal' });
      await goalForm.getByLabel('view a page').check();
      await goalForm.getByLabel('Page pattern').fill('thank-you');
      await goalForm.getByRole('button', { name: 'Add goal' }).click();
      const refused = await api(site, 'POST', '/goals', { pagePattern: 'thank-you' });
      expect(refused.statusCode, refused.body).toBe(400);
      expect(refused.json().error.field).toBe('pagePattern');
      const patternError = page.locator('#goal-pagePattern-error');
      await expect.poll(() => patternError.textContent()).toBe(refused.json().error.message);
      expect(await goalForm.getByLabel('Page pattern').getAttribute('aria-invalid')).toBe('true');
      await dashboard.screenshot(page, 'funnels-goal-refused');

      // A goal on the signup event, named with a stored string that is HTML.
      await goalForm.getByLabel('send an event').check();
      await goalForm.getByLabel('Event name').fill('signup');
      await goalForm.getByLabel('Name (optional)').fill(XSS);
      await goalForm.getByRole('button', { name: 'Add goal' }).click();
      const goalRow = page.locator('[data-card="goals"] tbody tr');
      await expect.poll(() => goalRow.locator('.goal-name').textContent(), { timeout: 10_000 }).toBe(XSS);
      expect(await goalRow.locator('.goal-match').textContent()).toBe('Event signup');
      const goals = await api(site, 'GET', `/stats/breakdown?from=${from}&to=${today}&dimension=goal`);
      expect(goals.json().rows).toMatchObject([{ value: XSS, conversions: 1 }]);
      await expect
        .poll(() => goalRow.locator('[data-value="conversions"]').textContent())
        .toBe(formatMetric(1, 'count', 'en-US'));

      // Three steps: two pages and the event, counted live.
      const builder = page.getByRole('form', { name: 'Build a funnel' });
      await builder.getByLabel('Step 1 page pattern').fill('/pricing');
      await builder.getByLabel('Step 2 is a').selectOption('page');
      await builder.getByLabel('Step 2 page pattern').fill('signup');
      // The API refuses a pattern without its slash, and says so next to step 2.
      const stepError = builder.locator('#funnel-steps-1-page-error');
      await expect.poll(() => stepError.textContent(), { timeout: 10_000 }).toContain('steps.1.page');
      await builder.getByLabel('Step 2 page pattern').fill('/signup');
      await builder.getByRole('button', { name: 'Add step' }).click();
      await builder.getByLabel('Step 3 is a').selectOption('event');
      await builder.getByLabel('Step 3 event name').fill('signup');
      await builder.getByLabel('Step 3 label (optional)').fill('Signed up');

      const steps = [{ page: '/pricing' }, { page: '/signup' }, { event: 'signup', label: 'Signed up' }];
      const queried = await api(site, 'POST', '/funnels/query', {
        steps,
        window: 1440,
        from,
        to: today,
        compare: 'previous',
      });
      expect(queried.statusCode, queried.body).toBe(200);
      const expected = (queried.json().steps as Array<{ visitors: number }>).map((step) =>
        formatMetric(step.visitors, 'count', 'en-US'),
      );
      expect(expected).toEqual(['3', '2', '1']);
      await expect
        .poll(() => shownVisitors(page, '[aria-label="Preview"]'), { timeout: 10_000 })
        .toEqual(expected);
      const preview = page.locator('[aria-label="Preview"]');
      expect(await preview.locator('[data-step="2"] [data-value="from-previous"]').textContent()).toBe(
        '66.7%',
      );
      expect(await preview.locator('[data-step="3"] [data-value="overall"]').textContent()).toBe('33.3%');
      expect(await preview.locator('[data-step="3"] [data-value="drop-off"]').textContent()).toBe('1 (50%)');
      await dashboard.screenshot(page, 'funnels-builder');

      await builder.getByLabel('Funnel name').fill('Signup path');
      await builder.getByRole('button', { name: 'Save funnel' }).click();
      await expect
        .poll(() => new URL(page.url()).searchParams.get('funnel'), { timeout: 10_000 })
        .toMatch(/^fnl_/);
      const saved = (await api(site, 'GET', '/funnels')).json() as Array<{
        id: string;
        name: string;
        steps: unknown;
      }>;
      expect(saved).toMatchObject([{ name: 'Signup path', steps }]);

      // After a reload, the funnel opens from the saved list; its report is the API's.
      await page.goto(`${dashboard.base}/sites/${site.id}/funnels`);
      const link = page.getByRole('link', { name: 'Signup path' });
      await link.click({ timeout: 10_000 });
      await expect.poll(() => new URL(page.url()).searchParams.get('funnel')).toBe(saved[0]!.id);
      const report = await api(site, 'GET', `/funnels/${saved[0]!.id}/report?from=${from}&to=${today}`);
      expect(report.statusCode, report.body).toBe(200);
      await expect
        .poll(() => shownVisitors(page, '[data-card="funnel-report"]'), { timeout: 10_000 })
        .toEqual(
          (report.json().steps as Array<{ visitors: number }>).map((step) =>
            formatMetric(step.visitors, 'count', 'en-US'),
          ),
        );
      expect(await page.locator('[data-card="funnel-report"] h2').textContent()).toBe('Signup path');
      await dashboard.screenshot(page, 'funnels-saved-report');

      // A copy of it in the builder counts the same.
      await page.getByRole('button', { name: 'Copy into the builder' }).click();
      expect(await builder.getByLabel('Step 3 event name').inputValue()).toBe('signup');
      expect(await builder.getByLabel('Step 3 label (optional)').inputValue()).toBe('Signed up');
      await expect
        .poll(() => shownVisitors(page, '[aria-label="Preview"]'), { timeout: 10_000 })
        .toEqual(expected);

      expect(await page.locator('img[src="x"]').count()).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
      expect(cspViolations).toEqual([]);

      // On a phone-sized screen nothing runs off the side.
      const phone = await newPage({ width: 390, height: 844 });
      await dashboard.signIn(
        phone.page,
        site.tenant.email,
        `/sites/${site.id}/funnels?funnel=${saved[0]!.id}`,
      );
      await phone.page.locator('[data-card="funnel-report"] .funnel-chart').waitFor({ timeout: 10_000 });
      // (The shell's top bar is not this view's: only the tab's own content is measured.)
      const overflowing = await phone.page.evaluate(() =>
        Array.from(document.querySelectorAll('.funnels *'))
          .filter((element) => element.getBoundingClientRect().right > 390)
          .map((element) => element.outerHTML.slice(0, 80)),
      );
      expect(overflowing).toEqual([]);
      await dashboard.screenshot(phone.page, 'funnels-phone');
      expect(phone.cspViolations).toEqual([]);
    });

    it('shows last month, toggles the comparison in the URL, and fills the new cards as the breakdown API does', async () => {
      const site = await createSite();
      const goal = await api(site, 'POST', '/goals', { name: 'Demo request', pagePattern: '/demo/thanks*' });
      expect(goal.statusCode, goal.body).toBe(201);
      const start = Date.now() - 10 * 60_000;
      await track(site, [
        ...Array.from({ length: 12 }, (_, index) => ({
          type: 'pageview',
          url: `https://shop.example/page-${index}`,
          visitorId: `p${index}`,
          ts: start + index * 1000,
        })),
        { type: 'pageview', url: 'https://shop.example/demo/thanks', visitorId: 'p0', ts: start + 20_000 },
      ]);
      // Tracking takes no events older than a week: the test moves these to the middle of last month,
      // and marks their hours for the roll-ups as the ingest writer marks what it writes.
      const now = new Date();
      const lastMonthMiddle = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 15, 12);
      const shift = `${Math.round((Date.now() - lastMonthMiddle) / DAY_MS)} days`;
      await context.db.query(
        `UPDATE events SET occurred_at = occurred_at - $2::interval WHERE site_id = $1`,
        [site.id, shift],
      );
      await context.db.query(
        `UPDATE sessions SET started_at = started_at - $2::interval, last_seen_at = last_seen_at - $2::interval
       WHERE site_id = $1`,
        [site.id, shift],
      );
      // Two of the visits came from a company (what IP enrichment finds in production).
      await context.db.query(
        `UPDATE sessions SET company_domain = 'acme.example' WHERE site_id = $1 AND visitor_id IN ('p0', 'p1')`,
        [site.id],
      );
      const { rows } = await context.db.query<{ occurred_at: Date }>(
        'SELECT occurred_at FROM events WHERE site_id = $1',
        [site.id],
      );
      expect(rows).toHaveLength(13);
      await context.db.query(
        markDirtyHours(rows.map((row) => ({ site_id: site.id, at: row.occurred_at })))!.sql,
      );

      const lastDay = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 0));
      const from = `${utcDay(lastDay.getTime()).slice(0, 8)}01`;
      const to = utcDay(lastDay.getTime());
      const breakdown = async (dimension: string, limit: number, extra: Record<string, string> = {}) => {
        const query = new URLSearchParams({ from, to, dimension, limit: String(limit), ...extra });
        const response = await api(site, 'GET', `/stats/breakdown?${query}`);
        expect(response.statusCode, response.body).toBe(200);
        return response.json() as { rows: Array<{ value: string; visitors: number; conversions: number }> };
      };
      expect((await breakdown('page', 100)).rows).toHaveLength(13);

      const { page, cspViolations } = await newPage();
      await dashboard.signIn(page, site.tenant.email, `/sites/${site.id}`);
      await page.getByRole('button', { name: 'Last month' }).click();
      await expect.poll(() => new URL(page.url()).searchParams.get('range')).toBe('last-month');
      expect(await page.getByRole('button', { name: 'Last month' }).getAttribute('aria-pressed')).toBe(
        'true',
      );
      expect(await page.getByLabel('From').inputValue()).toBe(from);
      expect(await page.getByLabel('to', { exact: true }).inputValue()).toBe(to);

      const overview = (await api(site, 'GET', `/stats/overview?from=${from}&to=${to}`)).json();
      expect(overview.visitors).toBe(12);
      await expect
        .poll(() => page.locator('[data-metric="visitors"] .value').textContent(), { timeout: 10_000 })
        .toBe(formatMetric(overview.visitors, 'count', 'en-US'));

      // The comparison: on by default (the chart's legend names the previous period), off in the URL.
      const legend = page.locator('.chart .u-legend');
      await expect
        .poll(() => legend.textContent(), { timeout: 10_000 })
        .toContain('Visitors, previous period');
      await page.getByLabel('Compare with previous period').uncheck();
      await expect.poll(() => new URL(page.url()).searchParams.get('compare')).toBe('off');
      await expect.poll(() => legend.textContent(), { timeout: 10_000 }).not.toContain('previous period');
      expect(new URL(page.url()).searchParams.get('range')).toBe('last-month');
      await page.getByLabel('Compare with previous period').check();
      await expect.poll(() => new URL(page.url()).searchParams.has('compare')).toBe(false);
      await expect
        .poll(() => legend.textContent(), { timeout: 10_000 })
        .toContain('Visitors, previous period');

      // New cards: browsers and goals, each row as the breakdown API answers.
      const browsers = await breakdown('browser', 10);
      expect(browsers.rows.length).toBeGreaterThan(0);
      const browserCard = page.locator('[data-card="browser"] tbody tr');
      await expect
        .poll(() => browserCard.allInnerTexts(), { timeout: 10_000 })
        .toEqual(browsers.rows.map((row) => `${row.value}\t${formatMetric(row.visitors, 'count', 'en-US')}`));
      const goalsShown = await breakdown('goal', 10, { sort: 'conversions:desc' });
      expect(goalsShown.rows).toMatchObject([{ value: 'Demo request', conversions: 1 }]);
      await expect
        .poll(() => page.locator('[data-card="goal"] tbody tr').allInnerTexts())
        .toEqual(
          goalsShown.rows.map((row) => `${row.value}\t${formatMetric(row.conversions, 'count', 'en-US')}`),
        );

      // The companies card leaves out visits of no identified company.
      const companies = await breakdown('company', 10, {
        filters: JSON.stringify([['is_not', 'company', ['(none)']]]),
      });
      expect(companies.rows).toMatchObject([{ value: 'acme.example', visitors: 2 }]);
      await expect
        .poll(() => page.locator('[data-card="company"] tbody tr').allInnerTexts())
        .toEqual(
          companies.rows.map((row) => `${row.value}\t${formatMetric(row.visitors, 'count', 'en-US')}`),
        );

      // "Show more" on a card with more than ten values shows the rest.
      const pageRows = page.locator('[data-card="page"] tbody tr');
      await expect.poll(() => pageRows.count()).toBe(10);
      await page.locator('[data-card="page"]').getByRole('button', { name: 'Show more (3 more)' }).click();
      const allPages = await breakdown('page', 50);
      await expect
        .poll(() => pageRows.locator('td:first-child').allTextContents())
        .toEqual(allPages.rows.map((row) => row.value));
      await dashboard.screenshot(page, 'overview-last-month');
      expect(cspViolations).toEqual([]);
    });
  },
);
