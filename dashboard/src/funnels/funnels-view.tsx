import { useState } from 'preact/hooks';
import type { Api, Site } from '../api.ts';
import { Link } from '../link.tsx';
import { navigate } from '../navigation.ts';
import { Panel } from '../panel.tsx';
import { RangePicker } from '../range-picker.tsx';
import { sitePath } from '../routes.ts';
import { useRequest } from '../use-request.ts';
import { canWrite, type SiteViewProps } from '../view-props.ts';
import { parseViewState, rangeDates, todayIn, type ViewState } from '../view-state.ts';
import { FunnelBuilder } from './funnel-builder.tsx';
import { FunnelChart } from './funnel-chart.tsx';
import { formErrorOf } from './form-error.tsx';
import { funnelsSearch, openedFunnel, WINDOWS, type Funnel, type FunnelReport } from './funnel-model.ts';
import { GoalsPanel } from './goals-panel.tsx';
import './funnels.css';

/**
 * Funnels and goals of a site: the saved funnels and the report of the one opened (`?funnel=`),
 * a builder with a live preview, and the goals reports count as conversions. The range is the
 * overview's, in the URL the same way.
 */
export function FunnelsView(props: SiteViewProps) {
  const { api, site } = props;
  const view = parseViewState(props.search);
  const opened = openedFunnel(props.search);
  const range = rangeDates(view, todayIn(site.timezone, new Date()));
  const writable = canWrite(props.user);
  const [version, setVersion] = useState(0);
  // A saved funnel copied into the builder; the builder starts afresh from each copy.
  const [copied, setCopied] = useState<{ funnel: Funnel; count: number } | undefined>();
  const go = (next: ViewState, funnelId: string | undefined) =>
    navigate(`${sitePath(site.id, 'funnels')}${funnelsSearch(next, funnelId)}`);
  const hrefOf = (funnelId: string) => `${sitePath(site.id, 'funnels')}${funnelsSearch(view, funnelId)}`;

  return (
    <div class="funnels">
      <div class="toolbar">
        <RangePicker view={view} from={range.from} to={range.to} onChange={(next) => go(next, opened)} />
      </div>
      {opened !== undefined && (
        <SavedFunnelReport
          api={api}
          site={site}
          funnelId={opened}
          range={range}
          compare={view.compare}
          version={version}
          onClose={() => go(view, undefined)}
          onCopy={(funnel) => {
            setCopied({ funnel, count: (copied?.count ?? 0) + 1 });
            document.getElementById('funnel-builder-title')?.scrollIntoView();
          }}
        />
      )}
      <SavedFunnels
        api={api}
        site={site}
        version={version}
        opened={opened}
        writable={writable}
        hrefOf={hrefOf}
        onRemoved={(funnel) => {
          setVersion(version + 1);
          if (funnel.id === opened) go(view, undefined);
        }}
      />
      <FunnelBuilder
        key={copied?.count ?? 0}
        {...(copied ? { start: copied.funnel } : {})}
        api={api}
        site={site}
        range={range}
        compare={view.compare}
        writable={writable}
        onSaved={(funnel) => {
          setVersion(version + 1);
          go(view, funnel.id);
          // Its report opens at the top of the tab, above the builder the user is at.
          window.scrollTo({ top: 0 });
        }}
      />
      <GoalsPanel api={api} site={site} range={range} writable={writable} />
    </div>
  );
}

const windowLabel = (minutes: number) =>
  WINDOWS.find((option) => option.minutes === minutes)?.label ?? `${minutes} minutes`;

function SavedFunnels(props: {
  api: Api;
  site: Site;
  version: number;
  opened: string | undefined;
  writable: boolean;
  hrefOf: (funnelId: string) => string;
  onRemoved: (funnel: Funnel) => void;
}) {
  const base = `/api/sites/${encodeURIComponent(props.site.id)}/funnels`;
  const funnels = useRequest(`funnels ${props.site.id} ${props.version}`, () =>
    props.api.get<Funnel[]>(base),
  );
  const [removeError, setRemoveError] = useState<string | undefined>();
  const remove = async (funnel: Funnel) => {
    if (!window.confirm(`Remove the funnel “${funnel.name}”?`)) return;
    setRemoveError(undefined);
    try {
      await props.api.delete(`${base}/${encodeURIComponent(funnel.id)}`);
      props.onRemoved(funnel);
    } catch (error) {
      setRemoveError(`“${funnel.name}” could not be removed: ${formErrorOf(error).message}`);
    }
  };
  return (
    <Panel title="Saved funnels" loaded={funnels} card="saved-funnels">
      {(list) => (
        <>
          {list.length === 0 ? (
            <p class="empty">
              No saved funnels yet.{' '}
              {props.writable
                ? 'Build one below, then save it to read it again over any range.'
                : 'Build one below to see how visitors move through your pages and events.'}
            </p>
          ) : (
            <ul class="funnel-list" aria-label="Saved funnels">
              {list.map((funnel) => (
                <li key={funnel.id}>
                  <span>
                    <Link href={props.hrefOf(funnel.id)}>
                      <span aria-current={funnel.id === props.opened ? 'true' : undefined}>
                        {funnel.name}
                      </span>
                    </Link>{' '}
                    <span class="muted">
                      {funnel.steps.length} steps within {windowLabel(funnel.window)}
                    </span>
                  </span>
                  {props.writable && (
                    <button
                      type="button"
                      class="link"
                      aria-label={`Remove funnel ${funnel.name}`}
                      onClick={() => remove(funnel)}
                    >
                      Remove
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
          {removeError !== undefined && (
            <p class="error" role="alert">
              {removeError}
            </p>
          )}
        </>
      )}
    </Panel>
  );
}

function SavedFunnelReport(props: {
  api: Api;
  site: Site;
  funnelId: string;
  range: { from: string; to: string };
  compare: boolean;
  version: number;
  onClose: () => void;
  onCopy: (funnel: Funnel) => void;
}) {
  const base = `/api/sites/${encodeURIComponent(props.site.id)}/funnels/${encodeURIComponent(props.funnelId)}`;
  const key = `${props.funnelId} ${props.range.from} ${props.range.to} ${props.compare} ${props.version}`;
  const loaded = useRequest(`funnel report ${key}`, async () => {
    const [funnel, report] = await Promise.all([
      props.api.get<Funnel>(base),
      props.api.get<FunnelReport>(`${base}/report`, {
        ...props.range,
        ...(props.compare ? { compare: 'previous' } : {}),
      }),
    ]);
    return { funnel, report };
  });
  const title = loaded.state === 'done' ? loaded.value.funnel.name : 'Funnel';
  return (
    <Panel title={title} loaded={loaded} card="funnel-report">
      {({ funnel, report }) => (
        <>
          <p class="hint">
            Within {windowLabel(funnel.window)} of the first step, {props.range.from} to {props.range.to}
            .{' '}
          </p>
          <p class="actions">
            <button type="button" class="link" onClick={() => props.onCopy(funnel)}>
              Copy into the builder
            </button>
            <button type="button" class="link" onClick={props.onClose}>
              Close
            </button>
          </p>
          <FunnelChart report={report} name={funnel.name} />
        </>
      )}
    </Panel>
  );
}
