import { useMemo, useRef, useState } from 'preact/hooks';
import { Link } from '../link.tsx';
import { navigate } from '../navigation.ts';
import { sitePath } from '../routes.ts';
import { useRequest } from '../use-request.ts';
import { managesSites, type SiteViewProps } from '../view-props.ts';
import { destinationsApi, type DestinationHealth, type DestinationsApi } from './destination-api.ts';
import { DestinationDetail } from './destination-detail.tsx';
import { DestinationForm } from './destination-form.tsx';
import {
  typeSpec,
  TYPE_SPECS,
  withSaved,
  type Destination,
  type DestinationTypeName,
} from './destination-forms.ts';
import { pageSearch, parsePage, type DestinationsPage } from './destinations-url.ts';
import { HealthSummary } from './health-summary.tsx';
import './destinations.css';

/**
 * The Destinations tab: the site's server-side destinations with their delivery health; add, edit,
 * test, enable, delete; dead letters and their replay. Owners and admins (the frame hides the tab
 * from others, and the API refuses client viewers).
 */
export function DestinationsView(props: SiteViewProps) {
  const { site } = props;
  const calls = useMemo(() => destinationsApi(props.api, site.id), [props.api, site.id]);
  const page = parsePage(props.search);
  const go = (next: DestinationsPage, options?: { replace?: boolean }) =>
    navigate(`${sitePath(site.id, 'destinations')}${pageSearch(next)}`, options);
  const [version, setVersion] = useState(0);
  const reload = () => setVersion((current) => current + 1);
  const canManage = managesSites(props.user);

  const loaded = useRequest(`${site.id}:${version}`, async () => {
    const [list, health] = await Promise.all([calls.list(), calls.health()]);
    return { destinations: list.destinations, health: health.destinations };
  });
  /** What the last save answered: shown at once, while the reload after it still shows the list from before. */
  const [justSaved, setJustSaved] = useState<Destination | undefined>();

  if (page.view === 'add') {
    return (
      <div class="destinations">
        <BackLink siteId={site.id} />
        {page.type === undefined ? (
          <TypeChooser onChoose={(type) => go({ view: 'add', type })} />
        ) : (
          <DestinationForm
            key={page.type}
            spec={typeSpec(page.type)!}
            calls={calls}
            onSaved={(saved) => {
              setJustSaved(saved);
              reload();
              go({ view: 'destination', id: saved.id, edit: false, log: 'all' }, { replace: true });
            }}
            onCancel={() => go({ view: 'add', type: undefined })}
          />
        )}
      </div>
    );
  }

  // A reload after a change keeps showing what was there, so an open panel keeps its state (a
  // replay's outcome, a test's answer) instead of flashing back to "Loading".
  const lastLoaded = useRef<typeof loaded>();
  if (loaded.state === 'done') lastLoaded.current = loaded;
  const shown = loaded.state === 'loading' && lastLoaded.current !== undefined ? lastLoaded.current : loaded;

  if (shown.state === 'loading') return <p class="loading">Loading the destinations…</p>;
  if (shown.state === 'failed') {
    return (
      <div class="destinations">
        <p class="error" role="alert">
          The destinations could not be loaded: {shown.message}
        </p>
        <button type="button" onClick={reload}>
          Try again
        </button>
      </div>
    );
  }
  const destinations = withSaved(shown.value.destinations, justSaved);
  const { health } = shown.value;
  const healthOf = (id: string) => health.find((entry) => entry.destinationId === id);

  if (page.view === 'destination') {
    const destination = destinations.find((candidate) => candidate.id === page.id);
    if (destination === undefined) {
      return (
        <div class="destinations">
          <BackLink siteId={site.id} />
          <p class="error" role="alert">
            This destination does not exist (any more). Choose one from the list.
          </p>
        </div>
      );
    }
    const spec = typeSpec(destination.type);
    return (
      <div class="destinations">
        <BackLink siteId={site.id} />
        {page.edit && spec !== undefined && canManage ? (
          <DestinationForm
            key={`${destination.id}:${destination.updatedAt}`}
            spec={spec}
            calls={calls}
            existing={destination}
            onSaved={(saved) => {
              setJustSaved(saved);
              reload();
              go({ ...page, edit: false }, { replace: true });
            }}
            onCancel={() => go({ ...page, edit: false })}
          />
        ) : (
          <DestinationDetail
            key={destination.id}
            destination={destination}
            health={healthOf(destination.id)}
            calls={calls}
            canManage={canManage}
            log={page.log}
            version={version}
            onEdit={() => go({ ...page, edit: true })}
            onChanged={reload}
            onDeleted={() => {
              setJustSaved(undefined);
              reload();
              go({ view: 'list' }, { replace: true });
            }}
            onLogFilter={(log) => go({ ...page, log }, { replace: true })}
          />
        )}
      </div>
    );
  }

  return (
    <DestinationList
      siteId={site.id}
      destinations={destinations}
      healthOf={healthOf}
      calls={calls}
      canManage={canManage}
      onAdd={(type) => go({ view: 'add', type })}
      onRefresh={reload}
    />
  );
}

function BackLink(props: { siteId: string }) {
  return (
    <p class="back">
      <Link href={sitePath(props.siteId, 'destinations')}>← All destinations</Link>
    </p>
  );
}

function TypeChooser(props: { onChoose: (type: DestinationTypeName) => void }) {
  return (
    <section class="panel">
      <h2>Add a destination</h2>
      <p class="muted">Where should this site’s events go, server to server?</p>
      <TypeChoices onChoose={props.onChoose} />
    </section>
  );
}

/** A button per destination type, with what it is for. */
function TypeChoices(props: { onChoose: (type: DestinationTypeName) => void }) {
  return (
    <ul class="type-choices">
      {TYPE_SPECS.map((spec) => (
        <li key={spec.type}>
          <button type="button" onClick={() => props.onChoose(spec.type)}>
            <strong>{spec.label}</strong>
            <span class="muted">{spec.summary}</span>
          </button>
        </li>
      ))}
    </ul>
  );
}

function DestinationList(props: {
  siteId: string;
  destinations: Destination[];
  healthOf: (id: string) => DestinationHealth | undefined;
  calls: DestinationsApi;
  canManage: boolean;
  onAdd: (type: DestinationTypeName | undefined) => void;
  onRefresh: () => void;
}) {
  const [toggleError, setToggleError] = useState<string | undefined>();
  const toggle = async (destination: Destination) => {
    setToggleError(undefined);
    try {
      await props.calls.update(destination.id, { enabled: !destination.enabled });
      props.onRefresh();
    } catch (error) {
      setToggleError(error instanceof Error ? error.message : String(error));
    }
  };
  const detailPath = (id: string) =>
    `${sitePath(props.siteId, 'destinations')}${pageSearch({ view: 'destination', id, edit: false, log: 'all' })}`;

  return (
    <div class="destinations">
      <div class="toolbar">
        <h1>Destinations</h1>
        <div class="actions">
          <button type="button" onClick={props.onRefresh}>
            Refresh
          </button>
          {props.canManage && (
            <button type="button" class="primary" onClick={() => props.onAdd(undefined)}>
              Add a destination
            </button>
          )}
        </div>
      </div>
      {toggleError !== undefined && (
        <p class="error" role="alert">
          {toggleError}
        </p>
      )}
      {props.destinations.length === 0 ? (
        <section class="panel empty">
          <h2>No destinations yet</h2>
          <p>
            Forward this site’s page views and conversions server-side to Google Analytics 4, Meta or Google
            Ads (they arrive even when ad blockers stop the platforms’ own tags), or get a message when a
            company becomes a hot lead. Choose one to start:
          </p>
          {props.canManage && <TypeChoices onChoose={props.onAdd} />}
        </section>
      ) : (
        <ul class="destination-cards">
          {props.destinations.map((destination) => (
            <li key={destination.id} class="panel" data-destination={destination.id}>
              <div class="destination-head">
                <div>
                  <h2>
                    <Link href={detailPath(destination.id)}>{destination.name}</Link>
                  </h2>
                  <p class="muted">
                    {typeSpec(destination.type)?.label ?? destination.type} ·{' '}
                    <span class={destination.enabled ? 'badge on' : 'badge off'}>
                      {destination.enabled ? 'Enabled' : 'Disabled'}
                    </span>
                  </p>
                </div>
                {props.canManage && (
                  <button
                    type="button"
                    aria-label={`${destination.enabled ? 'Disable' : 'Enable'} ${destination.name}`}
                    onClick={() => toggle(destination)}
                  >
                    {destination.enabled ? 'Disable' : 'Enable'}
                  </button>
                )}
              </div>
              <HealthSummary health={props.healthOf(destination.id)} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
