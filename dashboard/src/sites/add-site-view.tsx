import { useMemo, useState } from 'preact/hooks';
import type { Site } from '../api.ts';
import { Link } from '../link.tsx';
import { navigate } from '../navigation.ts';
import { useRequest } from '../use-request.ts';
import { managesSites, type PageProps } from '../view-props.ts';
import { browserTimeZone, timeZoneChoices } from './site-setup.ts';
import { CopyableText, TrackingSetup, type SetupSite } from './tracking-setup.tsx';
import './sites.css';

/** POST /api/sites answers with the site and its secret write key, shown this once. */
interface CreatedSite extends SetupSite {
  writeKey: string;
}

/**
 * /sites/new: the form to add a site (owners and admins), then, at /sites/new?site=<id>, its setup:
 * the snippet and the wait for its first event. The site's id is in the URL so that a reload shows
 * the setup again instead of the form (which would add the site twice); the write key only the
 * answer to the creation carries, so it is gone after a reload, as the API promises.
 */
export function AddSiteView(props: PageProps) {
  const [created, setCreated] = useState<CreatedSite | undefined>(undefined);
  const siteId = new URLSearchParams(props.search).get('site');
  if (!managesSites(props.user)) {
    return (
      <section class="add-site">
        <h1>Add a site</h1>
        <p class="error" role="alert">
          Only the agency's owners and admins add sites: ask one of them.{' '}
          <Link href="/">Back to your sites</Link>
        </p>
      </section>
    );
  }
  if (siteId === null || siteId === '') {
    return (
      <AddSiteForm
        {...props}
        onCreated={(site) => {
          setCreated(site);
          navigate(`/sites/new?site=${encodeURIComponent(site.id)}`, { replace: true });
        }}
      />
    );
  }
  if (created?.id === siteId) return <SiteSetup {...props} site={created} writeKey={created.writeKey} />;
  return <StoredSiteSetup {...props} siteId={siteId} />;
}

function AddSiteForm(props: PageProps & { onCreated: (site: CreatedSite) => void }) {
  const zones = useMemo(
    () =>
      timeZoneChoices(
        browserTimeZone(),
        // Browsers from before 2022 lack it: then the browser's zone and UTC are the choices.
        typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [],
      ),
    [],
  );
  const [form, setForm] = useState({ name: '', domain: '', timezone: browserTimeZone() });
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      props.onCreated(await props.api.post<CreatedSite>('/api/sites', form));
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
      setBusy(false);
    }
  };

  return (
    <section class="add-site">
      <h1>Add a site</h1>
      <form class="add-site-form" onSubmit={submit}>
        {error !== undefined && (
          <p class="error" role="alert">
            The site could not be added: {error}
          </p>
        )}
        <div class="field">
          <label for="site-name">Name</label>
          <input
            id="site-name"
            name="name"
            required
            maxLength={200}
            autocomplete="off"
            placeholder="Acme Corp website"
            value={form.name}
            onInput={(event) => setForm({ ...form, name: event.currentTarget.value })}
          />
        </div>
        <div class="field">
          <label for="site-domain">Domain</label>
          <input
            id="site-domain"
            name="domain"
            required
            maxLength={253}
            inputMode="url"
            autocomplete="off"
            spellcheck={false}
            placeholder="www.acme.example"
            aria-describedby="domain-hint"
            value={form.domain}
            onInput={(event) => setForm({ ...form, domain: event.currentTarget.value })}
          />
          <span id="domain-hint" class="hint muted">
            The host the site's pages are on; Beacon accepts events from it (more hosts later in Settings).
          </span>
        </div>
        <div class="field">
          <label for="site-timezone">Time zone</label>
          <select
            id="site-timezone"
            name="timezone"
            aria-describedby="timezone-hint"
            value={form.timezone}
            onChange={(event) => setForm({ ...form, timezone: event.currentTarget.value })}
          >
            {zones.map((zone) => (
              <option key={zone} value={zone}>
                {zone}
              </option>
            ))}
          </select>
          <span id="timezone-hint" class="hint muted">
            Reports count days in this zone; yours is preselected.
          </span>
        </div>
        <div class="form-actions">
          <button type="submit" disabled={busy}>
            {busy ? 'Adding…' : 'Add the site'}
          </button>
          <Link href="/">Cancel</Link>
        </div>
      </form>
    </section>
  );
}

function StoredSiteSetup(props: PageProps & { siteId: string }) {
  const site = useRequest(`site ${props.siteId}`, () =>
    props.api.get<Site & { trackerAlias: string | null }>(`/api/sites/${encodeURIComponent(props.siteId)}`),
  );
  if (site.state === 'loading') return <p class="loading">Loading…</p>;
  if (site.state === 'failed') {
    return (
      <p class="error" role="alert">
        The site could not be loaded: {site.message} <Link href="/sites/new">Add a site</Link>
      </p>
    );
  }
  return <SiteSetup {...props} site={site.value} />;
}

function SiteSetup(props: PageProps & { site: SetupSite; writeKey?: string }) {
  const { site } = props;
  return (
    <section class="add-site">
      <h1>Set up {site.name}</h1>
      <TrackingSetup api={props.api} site={site} manages={managesSites(props.user)} />
      {props.writeKey !== undefined && (
        <details class="panel write-key">
          <summary>Sending events from a server? The write key (shown only now)</summary>
          <p>
            Server-side callers (the Segment-compatible API, <code>/v1/track</code>) authenticate with this
            secret key. Beacon keeps only a hash of it: copy it now if you need it, it is not shown again.
          </p>
          <CopyableText label="Copy the write key" text={props.writeKey} name="write-key" />
        </details>
      )}
    </section>
  );
}
