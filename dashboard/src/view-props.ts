import type { Api, Site, User } from './api.ts';

/** What every page of a signed-in user gets. */
export interface PageProps {
  api: Api;
  user: User;
  /** The URL's query string (`?…` or empty): a view keeps its state there. */
  search: string;
}

/** What a site's tab gets: the site it shows, and the sites of the switcher. */
export interface SiteViewProps extends PageProps {
  site: Site;
}

/** Owners and admins change sites and see their settings; others (members, client viewers) do not. */
export function managesSites(user: User): boolean {
  return user.role === 'owner' || user.role === 'admin';
}

/** Viewers (an agency's clients) only read. */
export function canWrite(user: User): boolean {
  return user.role !== 'viewer';
}
