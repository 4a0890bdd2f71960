import { useEffect } from 'preact/hooks';
import type { Api, Site } from './api.ts';
import { Link } from './link.tsx';
import { navigate } from './navigation.ts';
import { sitePath } from './routes.ts';
import './sites/sites.css';
import { useRequest } from './use-request.ts';
import { managesSites } from './view-props.ts';

/**
 * The sites of the agency; with exactly one, its overview straight away. Owners and admins get
 * "Add a site" (with one site, in the site switcher), and with none, the way to add the first.
 */
export function SiteList(props: { api: Api }) {
  const user = props.api.session()?.user;
  const manages = user !== undefined && managesSites(user);
  const sites = useRequest('sites', () => props.api.get<{ sites: Site[] }>('/api/sites'));
  const only = sites.state === 'done' && sites.value.sites.length === 1 ? sites.value.sites[0] : undefined;
  useEffect(() => {
    if (only) navigate(sitePath(only.id), { replace: true });
  }, [only]);

  if (sites.state === 'loading') return <p class="loading">Loading your sites…</p>;
  if (sites.state === 'failed')
    return (
      <p class="error" role="alert">
        The sites could not be loaded: {sites.message}
      </p>
    );
  if (sites.value.sites.length === 0) {
    return (
      <section class="empty">
        <h1>No sites yet</h1>
        {manages ? (
          <>
            <p>
              Add your first site: you get a snippet to put on its pages, and its visitors, leads and
              conversions show here from the first page view on.
            </p>
            <Link class="button-link" href="/sites/new">
              Add a site
            </Link>
          </>
        ) : (
          <p>
            No site is shared with you yet: ask your agency's owner or an admin to add you to one. Its traffic
            shows here then.
          </p>
        )}
      </section>
    );
  }
  return (
    <section>
      <div class="site-list-header">
        <h1>Sites</h1>
        {manages && (
          <Link class="button-link" href="/sites/new">
            Add a site
          </Link>
        )}
      </div>
      <ul class="sites">
        {sites.value.sites.map((site) => (
          <li key={site.id}>
            <Link href={sitePath(site.id)}>{site.name}</Link> <span class="muted">{site.domain}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
