/// <reference lib="dom" />
import type { Page, WebSocketRoute } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { formatMetric } from '../dashboard/src/format.ts';
import { hotLeadEvent, liveChannel } from '../src/companies/hot-lead-notification.ts';
import { addUser, createTenant } from './helpers.ts';
import {
  BROWSER_SUITE,
  hasChromium,
  useDashboardBrowser,
  XSS,
  type BrowserSite,
} from './dashboard-browser.ts';

/**
 * Adding a site and the Realtime tab in a real headless Chromium: the form, the snippet and the
 * wait for the first event that turns green over the live WebSocket; the live feed, the visitor
 * count, and what the page says while the feed is disconnected.
 */

describe.skipIf(!hasChromium)('adding a site and realtime in headless Chromium', BROWSER_SUITE, () => {
  const dashboard = useDashboardBrowser();
  const { context, newPage, track } = dashboard;

  async function apiGet<T>(site: Pick<BrowserSite, 'id' | 'tenant'>, path: string): Promise<T> {
    const response = await context.app.inject({
      method: 'GET',
      url: `/api/sites/${site.id}${path}`,
      headers: site.tenant.auth,
    });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<T>();
  }

  const realtimeVisitors = async (site: BrowserSite) =>
    formatMetric((await apiGet<{ visitors: number }>(site, '/stats/realtime')).visitors, 'count', 'en-US');

  async function expectNoScriptRan(page: Page) {
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
  }

  it('adds a site through the form, shows its snippet to copy, and turns green live when its first event arrives', async () => {
    const owner = await createTenant(context);
    const { page, cspViolations } = await newPage();
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: dashboard.base });
    await dashboard.signIn(page, owner.email, '/');

    // No sites yet: the empty state leads to the form.
    await page.getByRole('heading', { name: 'No sites yet' }).waitFor();
    await dashboard.screenshot(page, 'sites-empty');
    await page.getByRole('link', { name: 'Add a site' }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/sites/new');

    const browserZone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
    expect(await page.getByLabel('Time zone').inputValue()).toBe(browserZone);
    await page.getByLabel('Name').fill(`Shop ${XSS}`);
    // A domain Beacon refuses is said so, naming what it wants, and the form keeps what was typed.
    await page.getByLabel('Domain').fill('not a domain');
    await page.getByRole('button', { name: 'Add the site' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent(), { timeout: 10_000 })
      .toContain('domain must be a hostname');
    expect(await page.getByLabel('Name').inputValue()).toBe(`Shop ${XSS}`);
    await page.getByLabel('Domain').fill('https://Shop.example/');
    await page.getByLabel('Time zone').selectOption('Europe/Berlin');
    await dashboard.screenshot(page, 'add-site-form');
    await page.getByRole('button', { name: 'Add the site' }).click();

    await expect
      .poll(() => new URL(page.url()).searchParams.get('site'), { timeout: 10_000 })
      .toMatch(/^site_/);
    const siteId = new URL(page.url()).searchParams.get('site')!;
    const stored = await apiGet<{ name: string; domain: string; siteKey: string; timezone: string }>(
      { id: siteId, tenant: owner },
      '',
    );
    expect(stored).toMatchObject({ name: `Shop ${XSS}`, domain: 'shop.example', timezone: 'Europe/Berlin' });
    const site: BrowserSite = { tenant: owner, id: siteId, siteKey: stored.siteKey };

    // The snippet names this Beacon and the site's key, and the button copies exactly it.
    const snippet = `<script defer src="${dashboard.base}/beacon.js" data-site="${stored.siteKey}"></script>`;
    const snippetBlock = page.locator('[data-copyable="snippet"] pre');
    expect(await snippetBlock.textContent()).toBe(snippet);
    await page.getByRole('button', { name: 'Copy the snippet' }).click();
    await page.getByText('Copied.').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(snippet);
    // The write key is offered once, beside it.
    expect(await page.locator('[data-copyable="write-key"] pre').textContent()).toMatch(/^wk_/);

    // The site's name is HTML and shows as its characters.
    await page.getByRole('heading', { name: `Set up Shop ${XSS}` }).waitFor();
    await expectNoScriptRan(page);

    // Waiting, with the live feed open: only the WebSocket can turn it green from here.
    const waiting = page.locator('.first-event.waiting[data-feed="live"]');
    await waiting.waitFor({ timeout: 15_000 });
    expect(await waiting.textContent()).toContain('Waiting for the first event');
    await dashboard.screenshot(page, 'add-site-waiting');

    await track(site, [{ type: 'pageview', url: 'https://shop.example/pricing', visitorId: 'first' }]);
    const received = page.locator('.first-event.received');
    await received.waitFor({ timeout: 15_000 });
    expect(await received.textContent()).toContain('Page view of /pricing');
    await dashboard.screenshot(page, 'add-site-received');

    await received.getByRole('link', { name: 'Go to the overview' }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe(`/sites/${siteId}`);
    expect(cspViolations).toEqual([]);
  });

  it('offers "Add a site" to owners and admins only', async () => {
    const owner = await createTenant(context);
    const viewer = await addUser(context, owner.agencyId, 'viewer');
    const { page } = await newPage({ width: 390, height: 844 });
    await dashboard.signIn(page, viewer.email, '/');
    await page.getByRole('heading', { name: 'No sites yet' }).waitFor();
    expect(await page.getByRole('link', { name: 'Add a site' }).count()).toBe(0);
    expect(await page.locator('.empty').textContent()).toContain('ask your agency');
    await page.goto(`${dashboard.base}/sites/new`);
    await expect
      .poll(() => page.getByRole('alert').textContent(), { timeout: 10_000 })
      .toContain("Only the agency's owners and admins add sites");
    expect(await page.getByLabel('Domain').count()).toBe(0);
    await dashboard.screenshot(page, 'add-site-viewer-phone');
  });

  it('shows live events as they arrive and keeps the visitor count current, stored HTML as text', async () => {
    const site = await dashboard.createSite();
    await track(site, [
      { type: 'event', name: XSS, url: 'https://shop.example/signup', visitorId: 'earlier' },
    ]);
    await expect.poll(() => realtimeVisitors(site), { timeout: 10_000 }).toBe('1');

    const { page, cspViolations } = await newPage();
    await dashboard.signIn(page, site.tenant.email, `/sites/${site.id}/realtime`);
    await page.locator('.live-status.live').waitFor({ timeout: 15_000 });
    const count = page.locator('[data-realtime="visitors"]');
    await expect.poll(() => count.textContent(), { timeout: 10_000 }).toBe('1');

    // What came before the page opened is there, its HTML name as text.
    const feed = page.locator('.live-feed li');
    await expect.poll(() => feed.locator('.what').allTextContents(), { timeout: 10_000 }).toEqual([XSS]);
    await expectNoScriptRan(page);

    await track(site, [{ type: 'pageview', url: 'https://shop.example/live-now', visitorId: 'arriving' }]);
    await expect
      .poll(() => feed.first().locator('.where').textContent(), { timeout: 15_000 })
      .toBe('/live-now');
    expect(await feed.first().getAttribute('class')).toContain('arrived');
    expect(await feed.count()).toBe(2);
    const expected = await realtimeVisitors(site);
    expect(expected).toBe('2');
    await expect.poll(() => count.textContent(), { timeout: 15_000 }).toBe(expected);

    // A hot lead, as the rescoring job publishes it on the site's channel, joins the feed with a
    // link to the company; its name is HTML and shows as text.
    await context.state.pubsub.publish(
      liveChannel(site.id),
      hotLeadEvent({
        site: { id: site.id, name: 'Shop', domain: 'shop.example' },
        company: { id: 'company_hot', domain: 'acme.example', name: XSS, country: 'DE', score: 84 },
        previousStatus: 'warm',
        breakdown: [],
        at: new Date(),
      }),
    );
    const lead = page.locator('.live-feed li[data-kind="hot-lead"]');
    await lead.waitFor({ timeout: 15_000 });
    expect(await lead.getByRole('link').textContent()).toBe(XSS);
    expect(await lead.getByRole('link').getAttribute('href')).toBe(`/sites/${site.id}/leads/company_hot`);
    expect(await lead.locator('.details').textContent()).toBe('acme.example · DE · score 84/100');
    await expectNoScriptRan(page);
    await dashboard.screenshot(page, 'realtime');
    await page.setViewportSize({ width: 390, height: 844 });
    // Nothing of the view runs off a phone's screen (the shell's top bar is not this view's).
    const widest = await page.evaluate(() =>
      Math.max(
        ...Array.from(document.querySelectorAll('.realtime *')).map(
          (element) => element.getBoundingClientRect().right,
        ),
      ),
    );
    expect(widest).toBeLessThanOrEqual(390);
    await dashboard.screenshot(page, 'realtime-phone');
    expect(cspViolations).toEqual([]);
  });

  it('says so while the feed is disconnected, reconnects, and catches up on what it missed', async () => {
    const site = await dashboard.createSite();
    const { page, cspViolations } = await newPage();
    let refuse = false;
    let open: WebSocketRoute | undefined;
    await page.routeWebSocket(
      (url) => url.pathname.endsWith('/live'),
      (socket) => {
        if (refuse)
          return socket.close({ code: 1011, reason: 'the live feed is unavailable; reconnect later' });
        socket.connectToServer();
        open = socket;
      },
    );
    await dashboard.signIn(page, site.tenant.email, `/sites/${site.id}/realtime`);
    await page.locator('.live-status.live').waitFor({ timeout: 15_000 });
    await page.locator('.realtime .empty').first().waitFor();

    // The connection drops, and the next attempts are refused for a while.
    refuse = true;
    await open!.close({ code: 1011, reason: 'gone' });
    const alert = page.locator('.live-status.disconnected');
    await expect.poll(() => alert.textContent(), { timeout: 10_000 }).toContain('Disconnected');
    expect(await alert.getAttribute('role')).toBe('alert');
    await track(site, [{ type: 'pageview', url: 'https://shop.example/while-away', visitorId: 'away' }]);
    await dashboard.screenshot(page, 'realtime-disconnected');

    refuse = false;
    await page.getByRole('button', { name: 'Reconnect now' }).click();
    await page.locator('.live-status.live').waitFor({ timeout: 15_000 });
    const feed = page.locator('.live-feed li');
    await expect
      .poll(() => feed.locator('.where').allTextContents(), { timeout: 10_000 })
      .toEqual(['/while-away']);
    await expect
      .poll(() => page.locator('[data-realtime="visitors"]').textContent(), { timeout: 10_000 })
      .toBe('1');

    // And live again: the next event arrives over the new connection.
    await track(site, [{ type: 'pageview', url: 'https://shop.example/back', visitorId: 'away' }]);
    await expect.poll(() => feed.first().locator('.where').textContent(), { timeout: 15_000 }).toBe('/back');
    expect(cspViolations).toEqual([]);
  });
});
