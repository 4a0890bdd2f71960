/**
 * The dashboard's pages and their paths. Public pages are for people without a session (the links
 * mails carry); the rest need one. Pure: `app.tsx` renders what `matchRoute` says.
 */

export type SiteTab = 'overview' | 'realtime' | 'leads' | 'funnels' | 'destinations' | 'settings';

export type Route =
  | { page: 'login' }
  | { page: 'invite' }
  | { page: 'reset-password' }
  | { page: 'sites' }
  | { page: 'add-site' }
  | { page: 'site'; siteId: string; tab: SiteTab }
  | { page: 'company'; siteId: string; companyId: string }
  | { page: 'report'; siteId: string }
  | { page: 'team' }
  | { page: 'api-keys' }
  | { page: 'audit-log' }
  | { page: 'not-found' };

const SITE_TABS: readonly SiteTab[] = ['realtime', 'leads', 'funnels', 'destinations', 'settings'];

const PUBLIC_PAGES: ReadonlySet<Route['page']> = new Set(['login', 'invite', 'reset-password']);

export function isPublic(route: Route): boolean {
  return PUBLIC_PAGES.has(route.page);
}

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

export function matchRoute(pathname: string): Route {
  const parts = pathname.split('/').filter((part) => part !== '');
  const [first, second, third, fourth] = parts;
  if (parts.length === 0) return { page: 'sites' };
  if (parts.length === 1) {
    switch (first) {
      case 'login':
        return { page: 'login' };
      case 'invite':
        return { page: 'invite' };
      case 'reset-password':
        return { page: 'reset-password' };
      case 'sites':
        return { page: 'sites' };
      case 'team':
        return { page: 'team' };
      case 'api-keys':
        return { page: 'api-keys' };
      case 'audit-log':
        return { page: 'audit-log' };
    }
    return { page: 'not-found' };
  }
  if (first !== 'sites' || second === undefined) return { page: 'not-found' };
  if (parts.length === 2 && second === 'new') return { page: 'add-site' };
  const siteId = decode(second);
  if (siteId === undefined || siteId === '') return { page: 'not-found' };
  if (parts.length === 2) return { page: 'site', siteId, tab: 'overview' };
  if (parts.length === 3 && third === 'report') return { page: 'report', siteId };
  if (parts.length === 3 && SITE_TABS.includes(third as SiteTab)) {
    return { page: 'site', siteId, tab: third as SiteTab };
  }
  if (parts.length === 4 && third === 'leads') {
    const companyId = decode(fourth!);
    if (companyId !== undefined && companyId !== '') return { page: 'company', siteId, companyId };
  }
  return { page: 'not-found' };
}

/** The path of a site's tab: the overview is the site's own path. */
export function sitePath(siteId: string, tab: SiteTab = 'overview'): string {
  const base = `/sites/${encodeURIComponent(siteId)}`;
  return tab === 'overview' ? base : `${base}/${tab}`;
}

export function companyPath(siteId: string, companyId: string): string {
  return `${sitePath(siteId, 'leads')}/${encodeURIComponent(companyId)}`;
}

/**
 * Where to go after signing in, from the `next` the sign-in page was sent with: a path of this
 * dashboard only, never another origin (`//elsewhere.example`, `https://…`, `/\\elsewhere`), and
 * never back to the sign-in page itself.
 */
export function returnPath(next: string | null): string {
  if (next === null || !next.startsWith('/') || next.startsWith('//') || next.includes('\\')) return '/';
  return isPublic(matchRoute(next.split(/[?#]/)[0]!)) ? '/' : next;
}
