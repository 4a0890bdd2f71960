/// <reference lib="dom" />
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { formatMetric, type MetricKind } from '../dashboard/src/format.ts';
import { TEST_PASSWORD } from './helpers.ts';
import {
  BROWSER_SUITE,
  hasChromium,
  useDashboardBrowser,
  XSS,
  type BrowserSite as Site,
} from './dashboard-browser.ts';

/**
 * The overview and the session in a real headless Chromium: sign in through the form, read the
 * overview and compare it with the API's answers, filter by clicking.
 */

const HEADLINES: Array<[string, MetricKind]> = [
  ['visitors', 'count'],
  ['pageviews', 'count'],
  ['sessions', 'count'],
  ['bounceRate', 'percent'],
  ['avgSessionSeconds', 'seconds'],
  ['conversions', 'count'],
];

describe.skipIf(!hasChromium)('the dashboard in headless Chromium', BROWSER_SUITE, () => {
  const dashboard = useDashboardBrowser();
  const { context, newPage, createSite, track } = dashboard;

  /** The overview the dashboard asks for by default: the last 7 days up to today (UTC sites). */
  async function apiOverview(site: Site, filters?: unknown): Promise<Record<string, number>> {
    const today = new Date().toISOString().slice(0, 10);
    const from = new Date(Date.now() - 6 * 86_400_000).toISOString().slice(0, 10);
    const query = new URLSearchParams({ from, to: today, compare: 'previous' });
    if (filters !== undefined) query.set('filters', JSON.stringify(filters));
    const response = await context.app.inject({
      method: 'GET',
      url: `/api/sites/${site.id}/stats/overview?${query}`,
      headers: site.tenant.auth,
    });
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  }

  async function expectHeadlinesMatch(page: Page, report: Record<string, number>) {
    for (const [metric, kind] of HEADLINES) {
      const shown = page.locator(`[data-metric="${metric}"] .value`);
      await expect
        .poll(() => shown.textContent(), { timeout: 10_000 })
        .toBe(formatMetric(report[metric]!, kind, 'en-US'));
    }
  }

  it('signs in through the form, shows the API’s numbers, filters by a click, renders stored strings as text', async () => {
    const site = await createSite();
    await track(site, [
      {
        type: 'pageview',
        url: 'https://shop.example/',
        visitorId: 'v1',
        referrer: 'https://www.google.com/',
      },
      { type: 'pageview', url: 'https://shop.example/pricing', visitorId: 'v1' },
      { type: 'pageview', url: 'https://shop.example/pricing', visitorId: 'v2' },
      { type: 'pageview', url: 'https://shop.example/blog', visitorId: 'v3', title: XSS },
      {
        type: 'pageview',
        url: `https://shop.example/?utm_source=${encodeURIComponent(XSS)}`,
        visitorId: 'v4',
      },
    ]);
    await expect.poll(async () => (await apiOverview(site)).pageviews, { timeout: 10_000 }).toBe(5);
    const report = await apiOverview(site);

    const { page, cspViolations } = await newPage();
    await page.goto(`${dashboard.base}/sites/${site.id}`);
    await page.getByLabel('Email').fill(site.tenant.email);
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();

    await expectHeadlinesMatch(page, report);
    expect(new URL(page.url()).pathname).toBe(`/sites/${site.id}`);
    await page.locator('[data-card="page"] tbody tr').first().waitFor();
    await page.locator('.chart canvas').first().waitFor();
    await dashboard.screenshot(page, 'overview');

    // A stored string that is HTML (here a UTM source) shows as its characters and runs nothing.
    const utmCard = page.locator('[data-card="utm_source"]');
    await expect.poll(() => utmCard.locator('tbody button').allTextContents()).toContain(XSS);
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    await expect
      .poll(() => page.locator('.site-switcher option').first().textContent())
      .toBe('Shop <b>bold</b>');

    const pageCard = page.locator('[data-card="page"]');
    await pageCard.getByRole('button', { name: '/pricing', exact: true }).click();
    const filters = [['is', 'page', ['/pricing']]];
    await expect.poll(() => new URL(page.url()).searchParams.get('filters')).toBe(JSON.stringify(filters));
    const filtered = await apiOverview(site, filters);
    expect(filtered.visitors).toBeLessThan(report.visitors!);
    await expectHeadlinesMatch(page, filtered);
    await expect.poll(() => page.locator('.filters li').textContent()).toContain('page is /pricing');
    await dashboard.screenshot(page, 'overview-filtered');

    // Back in the browser's history is the unfiltered view again.
    await page.goBack();
    await expectHeadlinesMatch(page, report);
    expect(cspViolations).toEqual([]);
  });

  it('switches between sites with the switcher, each showing its own numbers', async () => {
    const first = await createSite('First shop');
    const second = await createSite('Second shop', first.tenant);
    await track(first, [{ type: 'pageview', url: 'https://shop.example/a', visitorId: 'a1' }]);
    await track(
      second,
      ['b1', 'b2', 'b3'].map((visitorId) => ({ type: 'pageview', url: 'https://shop.example/b', visitorId })),
    );
    await expect.poll(async () => (await apiOverview(second)).pageviews, { timeout: 10_000 }).toBe(3);
    const { page, cspViolations } = await newPage();
    await dashboard.signIn(page, first.tenant.email, `/sites/${first.id}?range=7d`);
    await expectHeadlinesMatch(page, await apiOverview(first));

    await page.locator('.site-switcher select').selectOption({ label: 'Second shop' });
    await expect.poll(() => new URL(page.url()).pathname).toBe(`/sites/${second.id}`);
    await expectHeadlinesMatch(page, await apiOverview(second));
    await dashboard.screenshot(page, 'overview-switched');
    expect(cspViolations).toEqual([]);
  });

  it('keeps the session across a reload in an HttpOnly cookie no script sees, and signing out ends it', async () => {
    const site = await createSite();
    const { page } = await newPage();
    await dashboard.signIn(page, site.tenant.email, `/sites/${site.id}?range=30d`);
    const visitors = page.locator('[data-metric="visitors"], .panel .empty').first();
    await visitors.waitFor({ timeout: 10_000 });

    expect(await page.evaluate(() => document.cookie)).not.toContain('beacon_refresh');
    const cookies = await page.context().cookies();
    expect(cookies.find((cookie) => cookie.name === 'beacon_refresh')).toMatchObject({
      httpOnly: true,
      secure: true,
      sameSite: 'Strict',
      path: '/api/auth',
    });

    await page.reload();
    await visitors.waitFor({ timeout: 10_000 });
    expect(await page.getByLabel('Password').count()).toBe(0);
    expect(new URL(page.url()).searchParams.get('range')).toBe('30d');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Password').waitFor();
    await page.reload();
    await page.getByLabel('Password').waitFor();
    expect((await page.context().cookies()).some((cookie) => cookie.name === 'beacon_refresh')).toBe(false);
  });

  it('shows a wrong password as a message and stays on the form', async () => {
    const site = await createSite();
    const { page } = await newPage();
    await page.goto(`${dashboard.base}/`);
    await page.getByLabel('Email').fill(site.tenant.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/\S/);
    await dashboard.screenshot(page, 'sign-in-failed');
    expect(await page.getByLabel('Password').isVisible()).toBe(true);
  });

  it('gives a site that never had an event its snippet and turns green when the first arrives', async () => {
    const site = await createSite();
    const { page } = await newPage();
    await dashboard.signIn(page, site.tenant.email, `/sites/${site.id}?range=today`);
    const snippet = page.locator('[data-copyable="snippet"] pre');
    await expect
      .poll(() => snippet.textContent(), { timeout: 10_000 })
      .toBe(`<script defer src="${dashboard.base}/beacon.js" data-site="${site.siteKey}"></script>`);
    await page.locator('.first-event.waiting[data-feed="live"]').waitFor({ timeout: 15_000 });
    expect(new URL(page.url()).searchParams.get('range')).toBe('today');
    await dashboard.screenshot(page, 'overview-empty');

    await track(site, [{ type: 'pageview', url: 'https://shop.example/', visitorId: 'first' }]);
    await page.locator('.first-event.received').waitFor({ timeout: 15_000 });
  });

  it('tells a site with events but none in the range how to widen the view', async () => {
    const site = await createSite();
    await track(site, [{ type: 'pageview', url: 'https://shop.example/', visitorId: 'v1' }]);
    const { page } = await newPage();
    await dashboard.signIn(
      page,
      site.tenant.email,
      `/sites/${site.id}?range=custom&from=2020-01-01&to=2020-01-31`,
    );
    const empty = page.locator('.panel .empty').first();
    await expect.poll(() => empty.textContent(), { timeout: 10_000 }).toContain('No visits in this range');
    expect(await page.locator('[data-copyable="snippet"]').count()).toBe(0);
  });
});

describe.skipIf(!hasChromium)('the dashboard on a phone, by keyboard, in both themes', BROWSER_SUITE, () => {
  const dashboard = useDashboardBrowser();

  it('asks for nothing it would be refused on a fresh visit: no console errors before sign-in', async () => {
    const { page } = await dashboard.newPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(`${dashboard.base}/`);
    await page.getByLabel('Password').waitFor();
    expect(errors).toEqual([]);
  });

  it('signs in with the keyboard alone, focus visible on the way', async () => {
    const site = await dashboard.createSite();
    const { page } = await dashboard.newPage();
    await page.goto(`${dashboard.base}/sites/${site.id}`);
    await page.getByLabel('Email').waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('type'))).toBe('email');
    await page.keyboard.type(site.tenant.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(TEST_PASSWORD);
    await page.keyboard.press('Tab');
    const outline = await page.evaluate(() => {
      const active = document.activeElement as HTMLElement;
      return { tag: active.tagName, style: getComputedStyle(active).outlineStyle };
    });
    expect(outline).toEqual({ tag: 'BUTTON', style: 'solid' });
    await page.keyboard.press('Enter');
    await page.locator('[data-metric="visitors"], .panel .empty').first().waitFor({ timeout: 10_000 });
  });

  it('fits a 390 px wide phone without sideways scrolling, and keeps the theme chosen in the menu', async () => {
    const site = await dashboard.createSite('A site with a rather long name for a small screen');
    await dashboard.track(site, [
      { type: 'pageview', url: 'https://shop.example/a/very/long/path/that/might/push/the/layout/wide' },
    ]);
    const { page } = await dashboard.newPage({ width: 390, height: 844 });
    await dashboard.signIn(page, site.tenant.email, `/sites/${site.id}`);
    await page.locator('[data-card="page"] tbody tr').first().waitFor({ timeout: 10_000 });
    const widths = await page.evaluate(() => ({
      content: document.documentElement.scrollWidth,
      viewport: window.innerWidth,
      // What sticks out, so a failure names it.
      wide: Array.from(document.querySelectorAll('body *'))
        .filter((element) => element.getBoundingClientRect().right > window.innerWidth + 0.5)
        .slice(0, 8)
        .map((element) => `${element.tagName.toLowerCase()}.${element.className}`),
    }));
    expect(widths.content, widths.wide.join(' ')).toBeLessThanOrEqual(widths.viewport);
    await dashboard.screenshot(page, 'overview-phone');

    const background = () => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    await page.getByLabel('Theme').selectOption('dark');
    expect(await background()).toBe('rgb(11, 17, 32)');
    await page.reload();
    await page.locator('[data-card="page"] tbody tr').first().waitFor({ timeout: 10_000 });
    expect(await background()).toBe('rgb(11, 17, 32)');
    await dashboard.screenshot(page, 'overview-phone-dark');
    await page.getByLabel('Theme').selectOption('light');
    expect(await background()).toBe('rgb(248, 250, 252)');
  });
});
