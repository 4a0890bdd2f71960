import { useEffect } from 'preact/hooks';
import type { Api, Site } from './api.ts';
import { navigate } from './navigation.ts';
import { useRequest } from './use-request.ts';

/** The sites of the agency; with exactly one, its overview straight away. */
export function SiteList(props: { api: Api }) {
  const sites = useRequest('sites', () => props.api.get<{ sites: Site[] }>('/api/sites'));
  const only = sites.state === 'done' && sites.value.sites.length === 1 ? sites.value.sites[0] : undefined;
  useEffect(() => {
    if (only) navigate(`/sites/${encodeURIComponent(only.id)}`, { replace: true });
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
        <p>
          Create a site with <code>POST /api/sites</code> (see the README), then put its snippet on your
          pages; its traffic shows here.
        </p>
      </section>
    );
  }
  return (
    <section>
      <h1>Sites</h1>
      <ul class="sites">
        {sites.value.sites.map((site) => (
          <li key={site.id}>
            <a
              href={`/sites/${encodeURIComponent(site.id)}`}
              onClick={(event) => {
                event.preventDefault();
                navigate(`/sites/${encodeURIComponent(site.id)}`);
              }}
            >
              {site.name}
            </a>{' '}
            <span class="muted">{site.domain}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
