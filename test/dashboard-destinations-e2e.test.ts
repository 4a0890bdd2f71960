/// <reference lib="dom" />
import type { Page } from 'playwright-core';
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { deliveryQueue } from '../src/destinations/deliver.ts';
import { DESTINATION_TYPES } from '../src/destinations/registry.ts';
import { createJobRunner } from '../src/jobs/runner.ts';
import {
  FAKE_GA4_API_SECRET,
  FAKE_GA4_MEASUREMENT_ID,
  startFakeGa4,
  type FakeGa4,
} from './fakes/ga4-server.ts';
import {
  BROWSER_SUITE,
  hasChromium,
  useDashboardBrowser,
  XSS,
  type BrowserSite,
} from './dashboard-browser.ts';
import { addUser } from './helpers.ts';

/**
 * The Destinations tab in headless Chromium against a fake GA4 that checks requests like GA4: add a
 * destination through the form (a wrong value refused next to its field), send a test event, watch
 * deliveries fail into dead letters and replay them once GA4 answers again; a client viewer gets none.
 */

describe.skipIf(!hasChromium)('the Destinations tab in headless Chromium', BROWSER_SUITE, () => {
  let ga4: FakeGa4;
  beforeAll(async () => {
    ga4 = await startFakeGa4();
  });
  afterAll(async () => {
    await ga4?.close();
  });
  const dashboard = useDashboardBrowser({ appOptions: { platformUrls: () => ({ ga4: ga4.url }) } });
  const { context, newPage, createSite, track, signIn, screenshot } = dashboard;

  /** What the job runner would do: sends this site's due GA4 deliveries once. */
  function sendDueDeliveries(site: BrowserSite) {
    return createJobRunner({
      db: context.db,
      log: { error: (object) => expect.fail(`unexpected error: ${JSON.stringify(object)}`) },
      catalog: {
        periodic: [],
        queues: [
          deliveryQueue(
            DESTINATION_TYPES.ga4!,
            { ...context.destinations, db: context.db, log: { warn: () => undefined } },
            { siteId: site.id },
          ),
        ],
      },
    }).runDue();
  }

  async function apiGet(site: BrowserSite, path: string) {
    const response = await context.app.inject({
      method: 'GET',
      url: `/api/sites/${site.id}/destinations${path}`,
      headers: site.tenant.auth,
    });
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  }

  async function addGa4(site: BrowserSite, measurementId = FAKE_GA4_MEASUREMENT_ID): Promise<string> {
    const response = await context.app.inject({
      method: 'POST',
      url: `/api/sites/${site.id}/destinations`,
      headers: site.tenant.auth,
      payload: {
        type: 'ga4',
        name: 'GA4 shop stream',
        config: { measurementId, apiSecret: FAKE_GA4_API_SECRET },
      },
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json().id;
  }

  const healthCount = (page: Page, key: string) =>
    page.locator(`[data-health="${key}"] dd`).first().textContent();

  it('adds a GA4 destination through the form, names a refused field, and sends a test event GA4 validates', async () => {
    const site = await createSite('Shop');
    ga4.reset();
    const { page, cspViolations } = await newPage();
    await signIn(page, site.tenant.email, `/sites/${site.id}/destinations`);

    await page.getByText('No destinations yet').waitFor({ timeout: 10_000 });
    await screenshot(page, 'destinations-empty');
    await page.getByRole('button', { name: /^Google Analytics 4/ }).click();
    expect(new URL(page.url()).searchParams.get('add')).toBe('ga4');

    // The numeric stream id where the Measurement ID belongs: the API's 400 shows at that field.
    await page.getByLabel('Name').fill(XSS);
    await page.getByLabel('Measurement ID').fill('1234567890');
    await page.getByLabel('Measurement Protocol API secret').fill(FAKE_GA4_API_SECRET);
    await page.getByRole('button', { name: 'Add destination' }).click();
    const measurementError = page.locator('#destination-measurementId-error');
    await expect.poll(() => measurementError.textContent(), { timeout: 10_000 }).toMatch(/measurementId/);
    expect(await page.getByLabel('Measurement ID').getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'destinations-form-field-error');

    await page.getByLabel('Measurement ID').fill(FAKE_GA4_MEASUREMENT_ID);
    await page.getByRole('button', { name: 'Add destination' }).click();
    await page.getByRole('button', { name: 'Send a test event' }).waitFor({ timeout: 10_000 });
    const [created] = (await apiGet(site, '')).destinations;
    expect(created).toMatchObject({
      type: 'ga4',
      name: XSS,
      enabled: true,
      config: { measurementId: FAKE_GA4_MEASUREMENT_ID, apiSecretSet: true },
    });
    expect(new URL(page.url()).searchParams.get('destination')).toBe(created.id);
    // The stored name is HTML and shows as its characters; the secret is never shown back.
    await expect.poll(() => page.locator('.destination-detail h2').first().textContent()).toBe(XSS);
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(await page.content()).not.toContain(FAKE_GA4_API_SECRET);

    await page.getByRole('button', { name: 'Send a test event' }).click();
    const result = page.locator('.test-result');
    await expect.poll(() => result.textContent(), { timeout: 15_000 }).toContain('Test event accepted');
    const debug = ga4.requests.filter((request) => request.path === '/debug/mp/collect');
    expect(debug).toHaveLength(1);
    expect(debug[0]!.query.measurement_id).toBe(FAKE_GA4_MEASUREMENT_ID);
    expect(debug[0]!.violations).toEqual([]);
    expect(await result.textContent()).toContain(`for ${FAKE_GA4_MEASUREMENT_ID}`);
    expect(await result.getAttribute('role')).toBe('status');
    await screenshot(page, 'destinations-test-event');

    // Editing keeps the secret when its field is left empty.
    await page.getByRole('button', { name: 'Edit' }).click();
    expect(await page.getByLabel('Measurement Protocol API secret').inputValue()).toBe('');
    await page.getByLabel('Name').fill('GA4 shop stream');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect
      .poll(() => page.locator('.destination-detail h2').first().textContent())
      .toBe('GA4 shop stream');
    const edited = await apiGet(site, `/${created.id}`);
    expect(edited.config).toEqual({ measurementId: FAKE_GA4_MEASUREMENT_ID, apiSecretSet: true });
    ga4.requests.length = 0;
    await page.getByRole('button', { name: 'Send a test event' }).click();
    await expect.poll(() => ga4.requests.length, { timeout: 15_000 }).toBe(1);
    expect(ga4.requests[0]!.query.api_secret).toBe(FAKE_GA4_API_SECRET);
    expect(cspViolations).toEqual([]);
  });

  it("shows GA4's validation messages when the test event is refused", async () => {
    const site = await createSite('Shop');
    // A Measurement ID of no stream GA4 knows: its validation server says so.
    const id = await addGa4(site, 'G-NOSUCH123');
    const { page } = await newPage();
    await signIn(page, site.tenant.email, `/sites/${site.id}/destinations?destination=${id}`);
    await page.getByRole('button', { name: 'Send a test event' }).click();
    const result = page.locator('.test-result');
    await expect.poll(() => result.textContent(), { timeout: 15_000 }).toContain('Test event refused');
    expect(await result.locator('li').allTextContents()).toEqual([
      'VALUE_INVALID at measurement_id: No web stream has the id G-NOSUCH123',
    ]);
    expect(await result.getAttribute('role')).toBe('alert');
    await screenshot(page, 'destinations-test-refused');
  });

  it('lists failed deliveries as dead letters with their error, and replays one, then the rest, once GA4 answers', async () => {
    const site = await createSite('Shop');
    const id = await addGa4(site);
    ga4.reset();
    ga4.setMode('bad_request');
    await track(
      site,
      ['/', '/pricing', '/signup'].map((path, index) => ({
        type: 'pageview',
        url: `https://shop.example${path}`,
        visitorId: `visitor-${index}`,
      })),
    );
    await expect.poll(async () => (await apiGet(site, `/${id}/deliveries`)).deliveries.length).toBe(3);
    await sendDueDeliveries(site);
    const dead = (await apiGet(site, `/${id}/deliveries?status=dead`)).deliveries;
    expect(dead).toHaveLength(3);
    expect(dead[0].lastError).toContain('GA4 answered HTTP 400');

    const { page, cspViolations } = await newPage();
    await signIn(page, site.tenant.email, `/sites/${site.id}/destinations`);
    const card = page.locator(`[data-destination="${id}"]`);
    await expect
      .poll(() => card.locator('[data-health="dead"] dd').textContent(), { timeout: 10_000 })
      .toBe('3');
    expect(await card.locator('.last-error').textContent()).toContain('GA4 answered HTTP 400');
    await screenshot(page, 'destinations-list-failing');

    await card.getByRole('link', { name: 'GA4 shop stream' }).click();
    const letters = page.locator('.dead-letters li');
    await expect.poll(() => letters.count(), { timeout: 10_000 }).toBe(3);
    expect(await letters.first().textContent()).toContain('GA4 answered HTTP 400');
    await screenshot(page, 'destinations-dead-letters');

    // GA4 is fixed; one dead letter is replayed first, then all that are left.
    ga4.setMode('normal');
    const oldest = dead.at(-1).id as number;
    await page.locator(`#dead-${oldest}`).check();
    await page.getByRole('button', { name: 'Replay selected (1)' }).click();
    await expect
      .poll(() => page.getByRole('status').first().textContent(), { timeout: 10_000 })
      .toContain('1 delivery queued again');
    await expect.poll(() => letters.count()).toBe(2);
    await sendDueDeliveries(site);
    expect(ga4.events.map((event) => event.params.page_location)).toEqual(['https://shop.example/']);

    await page.getByRole('button', { name: 'Replay all dead letters' }).click();
    await expect
      .poll(() => page.getByRole('status').first().textContent(), { timeout: 10_000 })
      .toContain('2 deliveries queued again');
    await sendDueDeliveries(site);
    expect(ga4.events).toHaveLength(3);
    expect(ga4.violations).toEqual([]);
    const delivered = (await apiGet(site, `/${id}/deliveries?status=delivered`)).deliveries;
    expect(delivered).toHaveLength(3);

    await page.reload();
    await expect.poll(() => healthCount(page, 'delivered'), { timeout: 10_000 }).toBe('3');
    expect(await healthCount(page, 'dead')).toBe('0');
    await page.getByText('No dead letters').waitFor();
    await expect.poll(() => page.locator('.delivery-log tbody tr').count()).toBe(3);
    expect(await page.locator('.delivery-log .status').allTextContents()).toEqual([
      'Delivered',
      'Delivered',
      'Delivered',
    ]);
    await screenshot(page, 'destinations-replayed');

    const phone = await newPage({ width: 390, height: 844 });
    await signIn(phone.page, site.tenant.email, `/sites/${site.id}/destinations?destination=${id}`);
    await phone.page.getByRole('button', { name: 'Send a test event' }).waitFor({ timeout: 10_000 });
    // Nothing of the tab runs off a phone's screen; the delivery log scrolls inside its own box.
    const offScreen = await phone.page.evaluate(() =>
      Array.from(document.querySelectorAll('.destinations *'))
        .filter((element) => element.closest('.table-scroll table') === null)
        .filter((element) => element.getBoundingClientRect().right > window.innerWidth + 1)
        .map((element) => `${element.tagName.toLowerCase()}.${element.className}`),
    );
    expect(offScreen).toEqual([]);
    await screenshot(phone.page, 'destinations-phone');
    expect([...cspViolations, ...phone.cspViolations]).toEqual([]);
  });

  it('edits forwarding rules (a refused rule named at its input), disables, and deletes after a confirmation', async () => {
    const site = await createSite('Shop');
    const id = await addGa4(site);
    const { page, cspViolations } = await newPage();
    await signIn(page, site.tenant.email, `/sites/${site.id}/destinations?destination=${id}&edit=1`);
    await page.getByRole('button', { name: 'Add a rule' }).waitFor({ timeout: 10_000 });
    // The default rule (every page view and event) is shown as the first row; a second names GA4's event.
    await page.getByRole('button', { name: 'Add a rule' }).click();
    await page.getByLabel('Sent as of rule 2').fill('sign_up');
    await page.getByRole('button', { name: 'Save changes' }).click();
    const ruleError = page.locator('#destination-events-1-match-error');
    await expect.poll(() => ruleError.textContent(), { timeout: 10_000 }).toMatch(/events\.1\.match/);
    await page.getByLabel('Beacon event of rule 2').fill('signup');
    // The list reloads slowly here, as on a loaded server: the page must show what the save answered
    // meanwhile, not the rules from before it.
    await page.route(`**/api/sites/${site.id}/destinations`, async (route) => {
      if (route.request().method() === 'GET') await new Promise((resolve) => setTimeout(resolve, 1_500));
      await route.continue();
    });
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('button', { name: 'Send a test event' }).waitFor({ timeout: 10_000 });
    expect((await apiGet(site, `/${id}`)).events).toEqual([
      { match: '*' },
      { match: 'signup', as: 'sign_up' },
    ]);
    expect(await page.locator('.rule-list li').allTextContents()).toEqual([
      '* (every page view and event)',
      'signup → sign_up',
    ]);

    await page.getByRole('button', { name: 'Disable' }).click();
    await page.getByRole('button', { name: 'Enable' }).waitFor({ timeout: 10_000 });
    expect((await apiGet(site, `/${id}`)).enabled).toBe(false);

    await page.getByRole('button', { name: 'Delete…' }).click();
    await page.getByRole('group', { name: 'Confirm deletion' }).waitFor();
    await screenshot(page, 'destinations-delete-confirm');
    await page.getByRole('button', { name: 'Keep it' }).click();
    expect((await apiGet(site, '')).destinations).toHaveLength(1);
    await page.getByRole('button', { name: 'Delete…' }).click();
    await page.getByRole('button', { name: 'Delete for good' }).click();
    await page.getByText('No destinations yet').waitFor({ timeout: 10_000 });
    expect((await apiGet(site, '')).destinations).toEqual([]);
    expect(cspViolations).toEqual([]);
  });

  it('gives a client viewer no destinations: no tab, a message, and a 403 from the API', async () => {
    const site = await createSite('Shop');
    await addGa4(site);
    const viewer = await addUser(context, site.tenant.agencyId, 'viewer');
    await context.db.query('INSERT INTO site_members (site_id, user_id) VALUES ($1, $2)', [
      site.id,
      viewer.userId,
    ]);
    const refused = await context.app.inject({
      method: 'GET',
      url: `/api/sites/${site.id}/destinations`,
      headers: viewer.auth,
    });
    expect(refused.statusCode, refused.body).toBe(403);

    const { page } = await newPage();
    await signIn(page, viewer.email, `/sites/${site.id}/destinations`);
    await expect
      .poll(() => page.getByRole('alert').first().textContent(), { timeout: 10_000 })
      .toContain('owners and admins');
    expect(await page.locator('.tabs').getByRole('link', { name: 'Destinations' }).count()).toBe(0);
    expect(await page.getByText('GA4 shop stream').count()).toBe(0);
    await screenshot(page, 'destinations-viewer');
  });
});
