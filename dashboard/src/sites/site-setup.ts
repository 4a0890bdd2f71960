/** What adding a site needs besides the API: the snippet to copy and the time zones to choose from. Pure. */

/**
 * The tag a site's pages load the tracker with, from this Beacon (`origin`, where the dashboard is
 * served): under the site's own alias path when it has one (`js/app.js`), else /beacon.js. Events go
 * to the script's own origin.
 */
export function trackingSnippet(origin: string, siteKey: string, trackerAlias: string | null = null): string {
  const src = `${origin.replace(/\/+$/, '')}/${trackerAlias ?? 'beacon.js'}`;
  return `<script defer src="${src}" data-site="${siteKey}"></script>`;
}

/**
 * The zones of the time-zone picker, sorted, with the browser's own among them (a browser may name
 * it by an alias its list leaves out, such as Asia/Calcutta) and UTC, the API's default, always there.
 */
export function timeZoneChoices(browserZone: string | undefined, supported: readonly string[]): string[] {
  const zones = new Set(supported.filter((zone) => zone !== ''));
  zones.add('UTC');
  if (browserZone !== undefined && browserZone !== '') zones.add(browserZone);
  return [...zones].sort((a, b) => a.localeCompare(b, 'en'));
}

/** The zone to preselect: the browser's, when it knows one. */
export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}
