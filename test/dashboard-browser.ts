/// <reference lib="dom" />
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { createTestSite, TEST_PASSWORD, trackFromBrowser, useTestApp, type TestTenant } from './helpers.ts';

/**
 * What the dashboard's end-to-end suites share: a real headless Chromium against an in-process
 * Beacon listening on a port, pages that record CSP violations, sign-in through the form, and sites
 * with tracked events. Screenshots go to test-results/dashboard/.
 */

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
/**
 * A browser test walks a whole user flow, each step with its own 10–15 s wait that names what did
 * not appear; the suite-wide 30 s is too short for the sum when CI runs two heavy files at once on
 * two cores, and a timeout there says nothing about which step was slow.
 */
export const BROWSER_SUITE = { timeout: 120_000 };
if (!hasChromium) {
  console.warn(
    `[beacon tests] dashboard e2e suites SKIPPED: ${CHROMIUM} does not exist (install the chromium package; CI does)`,
  );
}

const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
export const SCREENSHOTS = path.resolve(import.meta.dirname, '..', 'test-results', 'dashboard');
export const CHROME_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
/** A stored string that is HTML: every view must show it as these characters and run nothing. */
export const XSS = '<img src=x onerror="window.__xss=1">';

export interface BrowserSite {
  tenant: TestTenant;
  id: string;
  siteKey: string;
}

/** Call inside a `describe`: starts the app on a port and Chromium before its tests. */
export function useDashboardBrowser(options: { appOptions?: Parameters<typeof useTestApp>[0] } = {}) {
  const context = useTestApp({ dashboard: true, ...options.appOptions });
  const contexts: BrowserContext[] = [];
  let browser: Browser;
  const state = { base: '' };

  beforeAll(async () => {
    state.base = await context.app.listen({ port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
    mkdirSync(SCREENSHOTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
  });

  async function newPage(
    viewport = { width: 1280, height: 900 },
  ): Promise<{ page: Page; cspViolations: string[] }> {
    const browserContext = await browser.newContext({ locale: 'en-US', viewport });
    contexts.push(browserContext);
    const page = await browserContext.newPage();
    const cspViolations: string[] = [];
    page.on('console', (message) => {
      if (message.text().includes('Content Security Policy')) cspViolations.push(message.text());
    });
    return { page, cspViolations };
  }

  /** A new agency (its owner signs in with TEST_PASSWORD) and a site of it on shop.example. */
  const createSite = (name = 'Shop <b>bold</b>', tenant?: TestTenant): Promise<BrowserSite> =>
    createTestSite(context, tenant, { name, domain: 'shop.example' });

  /** Tracks events from a browser on shop.example, consent to analytics given. */
  const track = (site: BrowserSite, events: Array<Record<string, unknown>>) =>
    trackFromBrowser(context, site, events, CHROME_UA);

  /** Opens `url` (a path) and signs in through the form there. */
  async function signIn(page: Page, email: string, url: string, password = TEST_PASSWORD) {
    await page.goto(`${state.base}${url}`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  async function screenshot(page: Page, name: string) {
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
  }

  return {
    context,
    /** The app's address, once it listens (read it inside tests). */
    get base() {
      return state.base;
    },
    newPage,
    createSite,
    track,
    signIn,
    screenshot,
  };
}
