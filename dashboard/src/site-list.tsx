import { useEffect, useRef, useState } from 'preact/hooks';
import type { Api, Site } from './api.ts';
import { Link } from './link.tsx';
import { navigate } from './navigation.ts';
import { sitePath } from './routes.ts';
import './sites/sites.css';
import { formatDateTime } from './format.ts';
import { invalidate, useRequest, type Loaded } from './use-request.ts';
import { managesSites } from './view-props.ts';

/**
 * The sites of the agency; with exactly one, its overview straight away. Owners and admins get
 * "Add a site" (with one site, in the site switcher), and with none, the way to add the first.
 */
export function SiteList(props: { api: Api }) {
  const user = props.api.session()?.user;
  const manages = user !== undefined && managesSites(user);
  const sites = useRequest('sites', () => props.api.get<{ sites: Site[] }>('/api/sites'));
  const deleted: Loaded<{ sites: DeletedSite[] }> = useRequest(`deleted sites ${manages}`, () =>
    manages ? props.api.get<{ sites: DeletedSite[] }>('/api/sites/deleted') : Promise.resolve({ sites: [] }),
  );
  // Straight to the only site, unless there is a deleted one to restore: this list is where that is.
  const restorable = deleted.state === 'done' ? deleted.value.sites : [];
  const only =
    sites.state === 'done' &&
    deleted.state !== 'loading' &&
    sites.value.sites.length === 1 &&
    restorable.length === 0
      ? sites.value.sites[0]
      : undefined;
  // Only on arrival: after a restore the two lists reload separately, and for a moment they can
  // read as "one site, nothing to restore", which must not carry the user off to that site.
  const arrived = useRef(false);
  useEffect(() => {
    if (sites.state === 'loading' || deleted.state === 'loading' || arrived.current) return;
    arrived.current = true;
    if (only) navigate(sitePath(only.id), { replace: true });
  }, [sites.state, deleted.state]);

  if (sites.state === 'loading' || deleted.state === 'loading')
    return <p class="loading">Loading your sites…</p>;
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
        <DeletedSites api={props.api} sites={restorable} />
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
      <DeletedSites api={props.api} sites={restorable} />
    </section>
  );
}

interface DeletedSite extends Site {
  deletedAt: string;
  purgeAfter: string;
}

/** Deleted sites an owner or admin can still restore, with the day they go for good. */
function DeletedSites(props: { api: Api; sites: DeletedSite[] }) {
  const [failure, setFailure] = useState<string | undefined>();
  if (props.sites.length === 0) return null;
  const restore = async (site: DeletedSite) => {
    setFailure(undefined);
    try {
      await props.api.post(`/api/sites/${encodeURIComponent(site.id)}/restore`);
      invalidate('sites');
      invalidate('deleted sites true');
    } catch (error) {
      setFailure(error instanceof Error ? error.message : String(error));
    }
  };
  return (
    <section class="deleted-sites" aria-labelledby="deleted-sites-title">
      <h2 id="deleted-sites-title">Deleted sites</h2>
      <p class="muted">
        Restored within 30 days, a site comes back with its data and keys; after that it is gone.
      </p>
      {failure && (
        <p class="error" role="alert">
          {failure}
        </p>
      )}
      <ul class="sites">
        {props.sites.map((site) => (
          <li key={site.id}>
            {site.name} <span class="muted">{site.domain}</span>{' '}
            <span class="muted">deleted for good on {formatDateTime(site.purgeAfter)}</span>{' '}
            <button type="button" onClick={() => restore(site)}>
              Restore {site.name}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
