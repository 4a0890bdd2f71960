import { createHash } from 'node:crypto';

/**
 * The CCPA opt-out ("Do not sell or share my personal information"), kept in a first-party cookie
 * on Beacon's host. The host is the same site as the customer's pages (a subdomain or a proxied
 * path), so the browser sends the cookie when a page loads the tracker, and Beacon then serves the
 * tracker as it runs under Global Privacy Control (src/ingest/tracker-routes.ts). One host serves
 * every site set up on it, so the opt-out holds for all of them: they are one business's pages.
 */
export const OPT_OUT_COOKIE = 'beacon_optout';

/** CCPA asks a business to wait 12 months before asking an opted-out visitor again; kept for two years. */
const OPT_OUT_MAX_AGE_SECONDS = 2 * 365 * 24 * 60 * 60;

const COOKIE_ATTRIBUTES = 'Path=/; HttpOnly; Secure; SameSite=Lax';

export const OPT_OUT_SET_COOKIE = `${OPT_OUT_COOKIE}=1; Max-Age=${OPT_OUT_MAX_AGE_SECONDS}; ${COOKIE_ATTRIBUTES}`;
export const OPT_OUT_CLEAR_COOKIE = `${OPT_OUT_COOKIE}=; Max-Age=0; ${COOKIE_ATTRIBUTES}`;

/** Whether a Cookie header carries the opt-out. */
export function hasOptOutCookie(cookieHeader: unknown): boolean {
  if (typeof cookieHeader !== 'string') return false;
  return cookieHeader.split(';').some((pair) => pair.trim() === `${OPT_OUT_COOKIE}=1`);
}

const STYLE =
  'body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1a1a1a}' +
  'button{font:inherit;padding:.5rem 1rem;cursor:pointer}.done{color:#0a6b2d}';

/**
 * The page allows nothing but its own style block and forms posting back to it: no script at all,
 * so a site name (which owners type) can never run as code, and the page works without JavaScript.
 */
export const OPT_OUT_PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!,
  );
}

/** The opt-out page of a site, in plain words: the choice, or its confirmation with an undo. */
export function renderOptOutPage({ siteName, optedOut }: { siteName: string; optedOut: boolean }): string {
  const name = escapeHtml(siteName);
  const body = optedOut
    ? `<p class="done"><strong>You have opted out.</strong></p>
<p>${name} no longer sells or shares your personal information from this browser: nothing about your
visits goes to advertising platforms, analytics services that still count them are told they may not
be used for ads, and your visits are counted without an identifier, as if your browser sent the
Global Privacy Control signal.</p>
<p>The choice is saved in a cookie in this browser. It does not follow you to other browsers or devices,
and it is gone if you clear your cookies.</p>
<form method="post"><button name="choice" value="undo">Undo my opt-out</button></form>`
    : `<p>${name} measures visits to its website. With your permission, it may also share information about
your visits (the pages you view, what you buy) with advertising platforms such as Google Ads and Meta,
to measure and target ads. Under the California Consumer Privacy Act, that can count as selling or sharing
your personal information.</p>
<p>You can opt out. ${name} then sends nothing about your visits to advertising platforms, tells analytics
services such as Google Analytics that your visits may not be used for ads, and counts your visits
without an identifier, exactly as when your browser sends the Global Privacy Control signal.</p>
<form method="post"><button name="choice" value="opt-out">Do not sell or share my personal information</button></form>
<p>The choice is saved in a cookie in this browser only.</p>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Do not sell or share my personal information – ${name}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Do not sell or share my personal information</h1>
${body}
</body>
</html>
`;
}
