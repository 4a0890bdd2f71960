/// <reference lib="dom" />
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { formatMetric, type MetricKind } from '../dashboard/src/format.ts';
import { newId } from '../src/lib/ids.ts';
import { addUser } from './helpers.ts';
import { createJobRunner } from '../src/jobs/runner.ts';
import { clientReportJobs } from '../src/reports/send-report-mails.ts';
import { createMemoryMailer } from '../src/tenancy/mailer.ts';
import { bandedPng } from './images.ts';
import {
  BROWSER_SUITE,
  hasChromium,
  useDashboardBrowser,
  XSS,
  type BrowserSite as Site,
} from './dashboard-browser.ts';

/**
 * The client report in a real headless Chromium: the printable page against the report API, the
 * same page as print media renders it, the mail schedule and branding panels, and a client viewer
 * on a phone-sized screen.
 */

const HEADLINES: Array<[string, MetricKind]> = [
  ['visitors', 'count'],
  ['pageviews', 'count'],
  ['sessions', 'count'],
  ['bounceRate', 'percent'],
  ['avgSessionSeconds', 'seconds'],
  ['conversions', 'count'],
];

/** A 120×40 logo in two blues, so the screenshots show where it goes. */
const LOGO = bandedPng(120, 40, [37, 99, 235], [191, 219, 254]);

const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

/** Monday to Sunday of the last week that has ended, in UTC (the test sites' zone). */
function lastFullWeek(): { from: string; to: string } {
  const weekday = (new Date().getUTCDay() + 6) % 7;
  return { from: day(-weekday - 7), to: day(-weekday - 1) };
}

describe.skipIf(!hasChromium)('the client report in headless Chromium', BROWSER_SUITE, () => {
  const dashboard = useDashboardBrowser();
  const { context, newPage, createSite, track } = dashboard;

  async function apiReport(site: Site, from: string, to: string) {
    const response = await context.app.inject({
      method: 'GET',
      url: `/api/sites/${site.id}/report?from=${from}&to=${to}`,
      headers: site.tenant.auth,
    });
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  }

  async function expectHeadlinesMatch(page: Page, overview: Record<string, number>) {
    for (const [metric, kind] of HEADLINES) {
      await expect
        .poll(() => page.locator(`.report-sheet [data-metric="${metric}"] .value`).textContent(), {
          timeout: 10_000,
        })
        .toBe(formatMetric(overview[metric]!, kind, 'en-US'));
    }
  }

  /** A site with traffic today, a company that turned hot an hour ago, and the agency's name and logo. */
  async function siteWithTraffic(): Promise<Site> {
    const site = await createSite();
    await track(site, [
      {
        type: 'pageview',
        url: 'https://shop.example/',
        visitorId: 'v1',
        referrer: 'https://www.google.com/',
      },
      { type: 'pageview', url: 'https://shop.example/pricing', visitorId: 'v1' },
      {
        type: 'pageview',
        url: 'https://shop.example/pricing',
        visitorId: 'v2',
        referrer: 'https://news.example/x',
      },
      { type: 'pageview', url: 'https://shop.example/blog', visitorId: 'v3' },
    ]);
    const companyId = newId('cmp');
    await context.db.query(
      `INSERT INTO companies (id, site_id, domain, name, first_seen_at, last_seen_at, score, lead_status)
       VALUES ($1, $2, 'acme.example', $3, now(), now(), 84, 'hot')`,
      [companyId, site.id, XSS],
    );
    await context.db.query(
      `INSERT INTO company_status_changes (site_id, company_id, from_status, to_status, score, changed_at)
       VALUES ($1, $2, 'warm', 'hot', 84, now() - interval '1 hour')`,
      [site.id, companyId],
    );
    for (const [url, payload] of [
      ['/api/agency/branding', { displayName: `Northwind ${XSS}` }],
      ['/api/agency/branding/logo', { image: LOGO.toString('base64') }],
    ] as const) {
      const response = await context.app.inject({
        method: url.endsWith('logo') ? 'POST' : 'PATCH',
        url,
        headers: site.tenant.auth,
        payload,
      });
      expect(response.statusCode, response.body).toBe(200);
    }
    return site;
  }

  it('shows the report API’s numbers for the period chosen, stored strings as text, and prints the report alone', async () => {
    const site = await siteWithTraffic();
    const { page, cspViolations } = await newPage();
    await dashboard.signIn(page, site.tenant.email, `/sites/${site.id}/report`);

    // Without a period in the URL: the last full week, which had no traffic.
    const week = lastFullWeek();
    await expect
      .poll(() => page.getByLabel('From', { exact: true }).inputValue(), { timeout: 10_000 })
      .toBe(week.from);
    expect(await page.getByLabel('To', { exact: true }).inputValue()).toBe(week.to);
    await expectHeadlinesMatch(page, (await apiReport(site, week.from, week.to)).overview);
    await expect.poll(() => page.getByText('No page views in this period.').count()).toBe(1);

    // The user picks yesterday to tomorrow: the period goes into the URL and the numbers follow.
    await page.getByLabel('From', { exact: true }).fill(day(-1));
    await page.getByLabel('To', { exact: true }).fill(day(1));
    await page.getByRole('button', { name: 'Show' }).click();
    await expect.poll(() => new URL(page.url()).search).toBe(`?from=${day(-1)}&to=${day(1)}`);
    const report = await apiReport(site, day(-1), day(1));
    expect(report.overview.pageviews).toBe(4);
    await expectHeadlinesMatch(page, report.overview);
    const pages = page.getByRole('region', { name: 'Top pages' }).locator('tbody tr');
    await expect.poll(() => pages.count()).toBe(report.topPages.length);
    for (const [index, row] of report.topPages.entries()) {
      expect(await pages.nth(index).locator('td').allTextContents()).toEqual([
        row.value,
        formatMetric(row.visitors, 'count', 'en-US'),
        formatMetric(row.pageviews, 'count', 'en-US'),
      ]);
    }
    const sources = await page
      .getByRole('region', { name: 'Top sources' })
      .locator('tbody td:first-child')
      .allTextContents();
    expect(sources).toEqual(
      report.topSources.map((row: { value: string }) =>
        row.value === '(none)' ? 'Direct / none' : row.value,
      ),
    );

    // Stored strings (site, agency and company names) are their characters; nothing ran.
    expect(await page.locator('.report-sheet h1').textContent()).toBe('Shop <b>bold</b>');
    expect(await page.locator('.report-agency').textContent()).toBe(`Northwind ${XSS}`);
    const leads = page.getByRole('region', { name: /New hot leads/ });
    await expect.poll(() => leads.getByRole('link').allTextContents()).toEqual([XSS]);
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();

    // The logo is Beacon's own image, allowed by the CSP, and has loaded.
    const logo = page.locator('.report-sheet img.report-logo');
    expect(await logo.getAttribute('src')).toBe(report.agency.logoUrl);
    await expect.poll(() => logo.evaluate((image: HTMLImageElement) => image.naturalWidth)).toBe(120);
    await dashboard.screenshot(page, 'report');

    // "Print / Save as PDF" opens the browser's print dialog.
    await page.evaluate(() => {
      window.print = () => {
        (window as unknown as { __printed?: boolean }).__printed = true;
      };
    });
    await page.getByRole('button', { name: 'Print / Save as PDF' }).click();
    expect(await page.evaluate(() => (window as unknown as { __printed?: boolean }).__printed)).toBe(true);

    // On paper: the report alone, no navigation, no controls, no settings.
    await page.emulateMedia({ media: 'print' });
    for (const hidden of ['.topbar', '.site-header', '.report-toolbar', '.report-admin']) {
      expect(await page.locator(hidden).isVisible(), hidden).toBe(false);
    }
    expect(await page.locator('.report-sheet').isVisible()).toBe(true);
    expect(
      await page.locator('.report-break').evaluate((section) => getComputedStyle(section).breakBefore),
    ).toBe('page');
    await dashboard.screenshot(page, 'report-print');
    await page.emulateMedia({ media: 'screen' });
    expect(cspViolations).toEqual([]);
  });

  it('lets an owner schedule the report mail and says what is wrong with an address', async () => {
    const site = await createSite();
    const { page, cspViolations } = await newPage();
    await dashboard.signIn(page, site.tenant.email, `/sites/${site.id}/report`);
    const panel = page.getByRole('region', { name: 'Report by mail' });
    await panel.getByLabel('Send', { exact: true }).selectOption('weekly');
    await panel.getByLabel('On', { exact: true }).selectOption({ label: 'Wednesday' });
    await panel.getByLabel(/Recipients/).fill('cmo@client.example\nnot-an-address');
    await panel.getByRole('button', { name: 'Save schedule' }).click();
    await expect.poll(() => panel.getByRole('alert').textContent()).toContain('recipients');

    await panel.getByLabel(/Recipients/).fill('cmo@client.example, team@client.example');
    await panel.getByRole('button', { name: 'Save schedule' }).click();
    await expect.poll(() => panel.getByRole('status').textContent()).toBe('Saved.');
    const saved = await context.app.inject({
      method: 'GET',
      url: `/api/sites/${site.id}/report/settings`,
      headers: site.tenant.auth,
    });
    expect(saved.json()).toEqual({
      frequency: 'weekly',
      weekday: 3,
      recipients: ['cmo@client.example', 'team@client.example'],
    });
    await dashboard.screenshot(page, 'report-settings');
    expect(cspViolations).toEqual([]);
  });

  it('shows a client viewer the report on a phone-sized screen, without the settings', async () => {
    const site = await siteWithTraffic();
    const viewer = await addUser(context, site.tenant.agencyId, 'viewer');
    await context.db.query('INSERT INTO site_members (site_id, user_id) VALUES ($1, $2)', [
      site.id,
      viewer.userId,
    ]);
    const { page, cspViolations } = await newPage({ width: 390, height: 844 });
    await dashboard.signIn(page, viewer.email, `/sites/${site.id}/report?from=${day(-1)}&to=${day(1)}`);
    const report = await apiReport(site, day(-1), day(1));
    await expectHeadlinesMatch(page, report.overview);
    expect(await page.getByRole('region', { name: 'Report by mail' }).count()).toBe(0);
    expect(await page.getByRole('region', { name: 'Your agency on reports' }).count()).toBe(0);
    // Nothing of the report runs off a 390 px screen (the app's top bar is the shell's).
    const overflowing = await page
      .locator('.report-page *')
      .evaluateAll((elements) =>
        elements
          .filter((element) => element.getBoundingClientRect().right > window.innerWidth)
          .map((element) => element.outerHTML.slice(0, 80)),
      );
    expect(overflowing).toEqual([]);
    await dashboard.screenshot(page, 'report-viewer-phone');
    expect(cspViolations).toEqual([]);
  });

  it('mails the report as HTML a mail client shows: the same numbers, the logo from Beacon, stored strings as text', async () => {
    const site = await siteWithTraffic();
    // Tomorrow the week up to today ends: a schedule on tomorrow's weekday mails it then.
    const clock = { at: Date.now() + 86_400_000, now: () => new Date(clock.at) };
    const settings = await context.app.inject({
      method: 'PATCH',
      url: `/api/sites/${site.id}/report/settings`,
      headers: site.tenant.auth,
      payload: {
        frequency: 'weekly',
        weekday: ((new Date(clock.at).getUTCDay() + 6) % 7) + 1,
        recipients: ['cmo@client.example'],
      },
    });
    expect(settings.statusCode, settings.body).toBe(200);
    const { mailer, sent } = createMemoryMailer();
    const jobs = clientReportJobs(
      { db: context.db, mailer, publicUrl: dashboard.base, log: { warn: () => undefined } },
      { siteId: site.id },
    );
    const runner = createJobRunner({
      db: context.db,
      catalog: {
        periodic: [{ ...jobs.periodic, name: `queue_client_reports_${site.id}` }],
        queues: [jobs.queue],
      },
      log: { error: () => undefined },
      now: clock.now,
    });
    await runner.runDue();
    clock.at += 10_000;
    await runner.runDue();
    expect(sent).toHaveLength(1);
    const report = await apiReport(site, day(-6), day(0));
    expect(sent[0]!.text).toContain(
      `Visitors: ${formatMetric(report.overview.visitors, 'count', 'en-US')} (`,
    );
    expect(sent[0]!.text).toContain(
      `Page views: ${formatMetric(report.overview.pageviews, 'count', 'en-US')} (`,
    );

    const { page } = await newPage({ width: 700, height: 900 });
    await page.setContent(sent[0]!.html!);
    const logo = page.locator('img').first();
    expect(await logo.getAttribute('src')).toBe(`${dashboard.base}${report.agency.logoUrl}`);
    await expect.poll(() => logo.evaluate((image: HTMLImageElement) => image.naturalWidth)).toBe(120);
    expect(await page.locator('h1').textContent()).toBe('Shop <b>bold</b>');
    expect(await page.getByText(`${XSS} (acme.example)`).count()).toBe(1);
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.getByRole('link', { name: 'Open the full report' }).getAttribute('href')).toBe(
      `${dashboard.base}/sites/${site.id}/report?from=${day(-6)}&to=${day(0)}`,
    );
    await dashboard.screenshot(page, 'report-mail');
  });
});
