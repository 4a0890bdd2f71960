/// <reference lib="dom" />
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { mailedToken, TEST_PASSWORD, uniqueEmail } from './helpers.ts';
import {
  BROWSER_SUITE,
  hasChromium,
  useDashboardBrowser,
  XSS,
  type BrowserSite,
} from './dashboard-browser.ts';
import type { TokenPage } from '../src/tenancy/mail-links.ts';

/**
 * Site settings, the team, API keys and the pages mailed links open, in a real headless Chromium:
 * each change is checked against the API's own answer, and the mails are read as the invitation
 * tests read them.
 */

const NEW_PASSWORD = 'a brand new passphrase';

describe.skipIf(!hasChromium)('settings, team and account pages in headless Chromium', BROWSER_SUITE, () => {
  const dashboard = useDashboardBrowser();
  const { context, newPage, createSite } = dashboard;

  async function apiGet(site: BrowserSite, path: string) {
    const response = await context.app.inject({ method: 'GET', url: path, headers: site.tenant.auth });
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  }

  /** The link of the latest mail to `email`, opened on this test's app (mails name BEACON_PUBLIC_URL). */
  async function mailedLink(email: string, page: TokenPage): Promise<string> {
    let link: string | undefined;
    await expect
      .poll(
        () => {
          const message = context.mail.filter((mail) => mail.to === email).at(-1);
          link = message && mailedToken(message.text, page)?.link;
          return link !== undefined;
        },
        { timeout: 10_000 },
      )
      .toBe(true);
    const url = new URL(link!);
    return `${dashboard.base}${url.pathname}${url.hash}`;
  }

  /** Whether the view (not the shell's top bar around it) reaches past the right edge of the screen. */
  async function expectFitsWidth(page: Page, selector: string) {
    const overflow = await page.evaluate((view) => {
      const element = document.querySelector(view)!;
      return Math.max(
        element.scrollWidth - element.clientWidth,
        element.getBoundingClientRect().right - innerWidth,
      );
    }, selector);
    expect(overflow, `${selector} is wider than the screen`).toBeLessThanOrEqual(0);
  }

  it('keeps a changed time zone and retention after a reload, shows a refusal at its field, and audits the change', async () => {
    const site = await createSite(XSS);
    const { page, cspViolations } = await newPage();
    await dashboard.signIn(page, site.tenant.email, `/sites/${site.id}/settings`);

    await page.getByLabel('Time zone').selectOption('Europe/Berlin');
    await page.getByLabel('Keep events for (days)').fill('30');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor({ timeout: 10_000 });
    expect(await apiGet(site, `/api/sites/${site.id}`)).toMatchObject({
      timezone: 'Europe/Berlin',
      retentionDays: 30,
    });

    await page.reload();
    await expect
      .poll(() => page.getByLabel('Time zone').inputValue(), { timeout: 10_000 })
      .toBe('Europe/Berlin');
    expect(await page.getByLabel('Keep events for (days)').inputValue()).toBe('30');
    expect(await page.locator('.snippet').textContent()).toBe(
      `<script defer src="${dashboard.base}/beacon.js" data-site="${site.siteKey}"></script>`,
    );
    // The stored name is text in the switcher and the form, never markup.
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe(XSS);
    expect(await page.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined();
    await dashboard.screenshot(page, 'settings-saved');

    await page.getByLabel('Other allowed domains').fill('cdn.example\nnot a host!');
    await page.getByRole('button', { name: 'Save changes' }).click();
    const fieldError = page.locator('#settings-allowedDomains-error');
    await expect.poll(() => fieldError.textContent(), { timeout: 10_000 }).toMatch(/allowedDomains\.1/);
    expect(await page.getByLabel('Other allowed domains').getAttribute('aria-invalid')).toBe('true');
    expect((await apiGet(site, `/api/sites/${site.id}`)).allowedDomains).toEqual([]);
    await dashboard.screenshot(page, 'settings-field-error');

    await page.goto(`${dashboard.base}/audit-log?targetId=${site.id}`);
    const row = page.locator('tbody tr').first();
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toContain('site.update');
    expect(await row.textContent()).toContain('changed: timezone, retention_days');
    expect(await page.locator('tbody tr').count()).toBe(2);
    await dashboard.screenshot(page, 'audit-log-filtered');
    expect(cspViolations).toEqual([]);
  });

  it('fits a phone: the settings view is no wider than a 390 px screen, and a new name reaches the switcher at once', async () => {
    const site = await createSite();
    const { page } = await newPage({ width: 390, height: 844 });
    await dashboard.signIn(page, site.tenant.email, `/sites/${site.id}/settings`);
    await page.getByLabel('Time zone').waitFor({ timeout: 10_000 });
    await dashboard.screenshot(page, 'settings-phone');
    // A new name shows in the site switcher at once, without a reload, and the "Saved." stays.
    await page.getByLabel('Name', { exact: true }).fill('Renamed shop');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect
      .poll(() => page.locator('.site-switcher option:checked').textContent(), { timeout: 10_000 })
      .toBe('Renamed shop');
    expect(await page.getByRole('status').filter({ hasText: 'Saved.' }).count()).toBe(1);
    await page.getByLabel('Name', { exact: true }).fill(XSS);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect
      .poll(() => page.locator('.site-switcher option:checked').textContent(), { timeout: 10_000 })
      .toBe(XSS);
    await expectFitsWidth(page, '.settings');
  });

  it('invites a client viewer to one of two sites; the mailed link signs them in to that site only', async () => {
    const alpha = await createSite('Alpha shop');
    const beta = await createSite('Beta shop', alpha.tenant);
    const owner = await newPage();
    await dashboard.signIn(owner.page, alpha.tenant.email, '/team');
    await owner.page.getByRole('heading', { name: 'Invite someone' }).waitFor({ timeout: 10_000 });
    const email = uniqueEmail('client');
    await owner.page.getByLabel('Email').fill(email);
    await owner.page.getByRole('radio', { name: /Client viewer/ }).check();
    await owner.page.getByRole('checkbox', { name: /Alpha shop/ }).check();
    await owner.page.getByRole('button', { name: 'Send invitation' }).click();
    await owner.page
      .getByRole('status')
      .filter({ hasText: `Invitation mailed to ${email}` })
      .waitFor({ timeout: 10_000 });
    const pending = owner.page.locator('.person', { hasText: email });
    await expect.poll(() => pending.textContent(), { timeout: 10_000 }).toContain('Will see Alpha shop');
    const { invitations } = await apiGet(alpha, '/api/invitations');
    expect(invitations).toEqual([expect.objectContaining({ email, role: 'viewer', siteIds: [alpha.id] })]);
    await dashboard.screenshot(owner.page, 'team-invited');

    const invitee = await newPage();
    await invitee.page.goto(await mailedLink(email, 'invite'));
    await invitee.page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await invitee.page.getByLabel('Repeat the password').fill(NEW_PASSWORD);
    await invitee.page.getByRole('button', { name: 'Create account and sign in' }).click();
    await invitee.page.waitForURL(`${dashboard.base}/sites/${alpha.id}`, { timeout: 10_000 });
    expect(new URL(invitee.page.url()).hash).toBe('');
    const switcher = invitee.page.getByRole('combobox', { name: 'Site' });
    await switcher.waitFor({ timeout: 10_000 });
    expect(await switcher.locator('option').allTextContents()).toEqual(['Alpha shop']);
    const tabs = await invitee.page
      .getByRole('navigation', { name: 'Site' })
      .getByRole('link')
      .allTextContents();
    expect(tabs).toEqual(['Overview', 'Realtime', 'Leads', 'Funnels & goals', 'Report']);
    const menu = await invitee.page
      .getByRole('navigation', { name: 'Agency' })
      .getByRole('link')
      .allTextContents();
    expect(menu).toEqual(['Sites']);
    expect(await invitee.page.locator('.who').first().textContent()).toBe(email);
    await dashboard.screenshot(invitee.page, 'invitee-signed-in');

    // The other site is not theirs: the dashboard says so rather than showing it.
    await invitee.page.goto(`${dashboard.base}/sites/${beta.id}/settings`);
    await expect
      .poll(() => invitee.page.getByRole('alert').textContent(), { timeout: 10_000 })
      .toContain('does not exist or you may not see it');

    // The owner sees them as a member of the team now, with the site they were given.
    await owner.page.reload();
    const person = owner.page.locator('.person', { hasText: email });
    await expect.poll(() => person.textContent(), { timeout: 10_000 }).toContain('Sees Alpha shop');

    // …and gives them the second site too.
    await person.getByRole('button', { name: /Change sites/ }).click();
    await person.getByRole('checkbox', { name: /Beta shop/ }).check();
    await person.getByRole('button', { name: 'Save sites' }).click();
    await expect
      .poll(() => person.textContent(), { timeout: 10_000 })
      .toContain('Sees Alpha shop, Beta shop');
    const { users } = await apiGet(alpha, '/api/users');
    const client = users.find((user: { email: string }) => user.email === email);
    expect(client).toMatchObject({ role: 'viewer', siteIds: [alpha.id, beta.id].sort() });
    expect(owner.cspViolations).toEqual([]);
    expect(invitee.cspViolations).toEqual([]);
  });

  it('resets a forgotten password from the sign-in page through the mailed link', async () => {
    const site = await createSite();
    const { page, cspViolations } = await newPage();
    await page.goto(`${dashboard.base}/login`);
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByRole('heading', { name: 'Reset your password' }).waitFor({ timeout: 10_000 });
    await page.getByLabel('Email').fill(site.tenant.email);
    await page.getByRole('button', { name: 'Mail me a reset link' }).click();
    await page.getByRole('status').filter({ hasText: 'is on its way' }).waitFor({ timeout: 10_000 });
    await dashboard.screenshot(page, 'reset-requested');

    await page.goto(await mailedLink(site.tenant.email, 'reset-password'));
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Repeat the password').fill('a different passphrase');
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await expect
      .poll(() => page.locator('#repeat-password-error').textContent())
      .toBe('The two passwords differ.');
    await page.getByLabel('Repeat the password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await page.getByRole('heading', { name: 'Your password is changed' }).waitFor({ timeout: 10_000 });
    expect(new URL(page.url()).hash).toBe('');
    await dashboard.screenshot(page, 'reset-done');

    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Sign in to Beacon' }).waitFor({ timeout: 10_000 });
    await page.getByLabel('Email').fill(site.tenant.email);
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent(), { timeout: 10_000 }).toMatch(/\S/);
    await page.getByLabel('Password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${dashboard.base}/sites/${site.id}`, { timeout: 10_000 });
    expect(cspViolations).toEqual([]);
  });

  it('creates an API key whose secret is shown once and works, lists it, and revokes it', async () => {
    const site = await createSite();
    const { page, cspViolations } = await newPage();
    await dashboard.signIn(page, site.tenant.email, '/api-keys');
    await page.getByText('No keys yet').waitFor({ timeout: 10_000 });
    await page.getByLabel('Name').fill('CRM export');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = page.getByLabel('The new API key');
    await secret.waitFor({ timeout: 10_000 });
    const key = (await secret.textContent())!;
    expect(key).toMatch(/^bk_/);
    const withKey = await context.app.inject({
      method: 'GET',
      url: '/api/sites',
      headers: { authorization: `Bearer ${key}` },
    });
    expect(withKey.statusCode, withKey.body).toBe(200);
    const row = page.locator('tbody tr', { hasText: 'CRM export' });
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toContain(`${key.slice(0, 11)}…`);
    expect(await row.textContent()).toContain('Read only');
    await dashboard.screenshot(page, 'api-key-created');

    await page.reload();
    await row.waitFor({ timeout: 10_000 });
    expect(await page.content()).not.toContain(key);

    await row.getByRole('button', { name: /Revoke/ }).click();
    await row.getByRole('button', { name: /Yes, revoke/ }).click();
    await page.getByText('No keys yet').waitFor({ timeout: 10_000 });
    const revoked = await context.app.inject({
      method: 'GET',
      url: '/api/sites',
      headers: { authorization: `Bearer ${key}` },
    });
    expect(revoked.statusCode).toBe(401);
    expect(cspViolations).toEqual([]);
  });

  it('deletes a site after its domain is typed, lists it as deleted, and restores it', async () => {
    const site = await createSite('Doomed shop');
    await createSite('Staying shop', site.tenant);
    const { page, cspViolations } = await newPage();
    await dashboard.signIn(page, site.tenant.email, `/sites/${site.id}/settings`);
    const remove = page.getByRole('button', { name: 'Delete site' });
    await remove.waitFor({ timeout: 10_000 });
    expect(await remove.isDisabled()).toBe(true);
    await page.getByLabel('Type the domain, shop.example, to confirm').fill('shop.example');
    await remove.click();

    const deleted = page.locator('.deleted-sites li');
    await expect.poll(() => deleted.textContent(), { timeout: 10_000 }).toContain('Doomed shop');
    expect(await page.locator('ul.sites').first().textContent()).not.toContain('Doomed shop');
    const listed = await apiGet(site, '/api/sites/deleted');
    expect(listed.sites.map((entry: { id: string }) => entry.id)).toEqual([site.id]);
    expect(await deleted.textContent()).toContain('deleted for good on');
    await dashboard.screenshot(page, 'sites-deleted');

    // The list of sites answers last, so for a moment the page reads "one site, nothing to restore":
    // that must not carry the user off to the other site.
    await page.route('**/api/sites', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 700));
      await route.continue();
    });
    await page.getByRole('button', { name: 'Restore Doomed shop' }).click();
    await expect.poll(() => page.locator('.deleted-sites').count(), { timeout: 10_000 }).toBe(0);
    await expect
      .poll(() => page.locator('ul.sites').first().textContent(), { timeout: 10_000 })
      .toContain('Doomed shop');
    expect(new URL(page.url()).pathname).toBe('/');
    expect((await apiGet(site, `/api/sites/${site.id}`)).name).toBe('Doomed shop');
    expect(cspViolations).toEqual([]);
  });
});
