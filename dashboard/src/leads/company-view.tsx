import { useState } from 'preact/hooks';
import type { Api, Site } from '../api.ts';
import { formatMetric } from '../format.ts';
import { Link } from '../link.tsx';
import { sitePath } from '../routes.ts';
import { useRequest } from '../use-request.ts';
import { canWrite, type SiteViewProps } from '../view-props.ts';
import {
  companyApiPath,
  companyLabel,
  type CompanyDetail,
  type CompanyVisitPage,
  type CompanySummary,
  type ScoreLine,
  type StatusChange,
  type Visit,
} from './companies-api.ts';
import { LeadBadge } from './lead-badge.tsx';
import { formatDateTime } from '../format.ts';
import { countryName, describeSource, formatAgo, formatPlace } from './lead-format.ts';
import './leads.css';

type CompanyProps = SiteViewProps & { companyId: string };

const VISITS_PER_PAGE = 20;

const FACTOR_LABELS: Record<ScoreLine['factor'], string> = {
  recency: 'Recency',
  frequency: 'Frequency',
  depth: 'Depth',
  intent: 'Intent',
  conversions: 'Conversions',
};

/** One company: who it is, why it scores what it does, how its status moved, and every visit. */
export function CompanyView(props: CompanyProps) {
  const { site, companyId } = props;
  // What hiding or showing answered: the company as it is now, without loading it all again.
  const [updated, setUpdated] = useState<CompanySummary | undefined>();
  const company = useRequest(`company ${site.id} ${companyId}`, () =>
    props.api.get<CompanyDetail>(companyApiPath(site.id, companyId)),
  );
  const back = (
    <p class="back">
      <Link href={sitePath(site.id, 'leads')}>← All companies</Link>
    </p>
  );
  if (company.state !== 'done') {
    return (
      <>
        {back}
        {company.state === 'loading' ? (
          <p class="loading">Loading…</p>
        ) : (
          <p class="error" role="alert">
            This company could not be loaded: {company.message}
          </p>
        )}
      </>
    );
  }
  const detail: CompanyDetail =
    updated?.id === company.value.id ? { ...company.value, ...updated } : company.value;
  return (
    <div class="company-page">
      {back}
      <header class="company-header">
        <h1>{companyLabel(detail)}</h1>
        <LeadBadge status={detail.leadStatus} />
        <span class="company-score">
          Score <strong>{formatMetric(detail.score, 'count')}</strong>
        </span>
        {detail.hidden && <span class="tag">Hidden</span>}
      </header>
      {canWrite(props.user) && (
        <HideButton api={props.api} site={site} company={detail} onChanged={setUpdated} />
      )}
      <div class="company-grid">
        <Facts company={detail} />
        <ScoreBreakdown company={detail} />
      </div>
      <StatusHistory changes={detail.statusChanges} />
      <VisitTimeline api={props.api} site={site} companyId={detail.id} />
    </div>
  );
}

function HideButton(props: {
  api: Api;
  site: Site;
  company: CompanySummary;
  onChanged: (company: CompanySummary) => void;
}) {
  const { company } = props;
  const [state, setState] = useState<{ busy: boolean; error?: string }>({ busy: false });
  const action = company.hidden ? 'unhide' : 'hide';
  const toggle = async () => {
    setState({ busy: true });
    try {
      const changed = await props.api.post<CompanySummary>(
        `${companyApiPath(props.site.id, company.id)}/${action}`,
      );
      setState({ busy: false });
      props.onChanged(changed);
    } catch (error) {
      setState({ busy: false, error: error instanceof Error ? error.message : String(error) });
    }
  };
  return (
    <div class="hide-company">
      <button type="button" onClick={toggle} disabled={state.busy}>
        {company.hidden ? 'Show this company again' : 'Hide this company'}
      </button>
      <span class="muted">
        {company.hidden
          ? 'Hidden: left out of the list, exports and hot-lead notifications, still counted and scored.'
          : 'For the client’s own company or a partner: it leaves the list, exports and notifications.'}
      </span>
      {state.error !== undefined && (
        <p class="error" role="alert">
          {company.hidden ? 'It could not be shown again' : 'It could not be hidden'}: {state.error}
        </p>
      )}
    </div>
  );
}

function Facts(props: { company: CompanyDetail }) {
  const { company } = props;
  const now = new Date();
  const place = formatPlace(company.city, company.country);
  const facts: Array<[string, preact.ComponentChildren]> = [
    [
      'Domain',
      // Always https: a stored domain can never become a javascript: or relative link.
      <a href={`https://${company.domain}`} rel="noopener noreferrer" target="_blank">
        {company.domain}
      </a>,
    ],
    ['Industry', company.industry],
    ['Size', company.employeeRange === null ? null : `${company.employeeRange} employees`],
    ['Location', place ?? null],
    ['Visits', formatMetric(company.visits, 'count')],
    ['Page views', formatMetric(company.pageviews, 'count')],
    ['Time on site', formatMetric(company.timeOnSiteSeconds, 'seconds')],
    ['Visitors (30 days)', formatMetric(company.visitors, 'count')],
    ['Days with visits (30 days)', formatMetric(company.activeDays, 'count')],
    ['First seen', <When iso={company.firstSeenAt} now={now} />],
    ['Last seen', <When iso={company.lastSeenAt} now={now} />],
  ];
  return (
    <section class="panel" aria-labelledby="facts-title">
      <h2 id="facts-title">Company</h2>
      <dl class="facts">
        {facts.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value ?? <span class="muted">Not known</span>}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

function When(props: { iso: string; now: Date }) {
  return (
    <time dateTime={props.iso} title={formatDateTime(props.iso)}>
      {formatAgo(props.iso, props.now)}
    </time>
  );
}

function ScoreBreakdown(props: { company: CompanyDetail }) {
  const { company } = props;
  return (
    <section class="panel" aria-labelledby="breakdown-title">
      <h2 id="breakdown-title">Why it scores {formatMetric(company.score, 'count')}</h2>
      {company.scoreBreakdown.length === 0 ? (
        <p class="empty">
          Not scored yet: Beacon scores new companies within a minute of their visit. Reload the page in a
          moment.
        </p>
      ) : (
        <table class="breakdown">
          <thead>
            <tr>
              <th scope="col">Signal</th>
              <th scope="col" class="number">
                Points
              </th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {company.scoreBreakdown.map((line) => (
              <tr key={line.factor} data-factor={line.factor}>
                <th scope="row">{FACTOR_LABELS[line.factor]}</th>
                <td class="number">
                  <span class="points">{formatMetric(line.points, 'count')}</span>
                  <span class="muted"> / {formatMetric(line.max, 'count')}</span>
                  <meter
                    min={0}
                    max={line.max}
                    value={line.points}
                    aria-label={`${FACTOR_LABELS[line.factor]}: ${line.points} of ${line.max} points`}
                  />
                </td>
                <td class="why">{line.why}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">Score</th>
              <td class="number">
                <strong>{formatMetric(company.score, 'count')}</strong>
                <span class="muted"> / 100</span>
              </td>
              <td class="why">
                {company.scoredAt === null ? '' : `as of ${formatDateTime(company.scoredAt)}; `}
                warm at 40, hot at 70
              </td>
            </tr>
          </tfoot>
        </table>
      )}
    </section>
  );
}

function StatusHistory(props: { changes: StatusChange[] }) {
  return (
    <section class="panel" aria-labelledby="status-title">
      <h2 id="status-title">Lead status history</h2>
      {props.changes.length === 0 ? (
        <p class="empty">No status yet: it is set when the company is first scored.</p>
      ) : (
        <ol class="status-history">
          {props.changes.map((change, index) => (
            <li key={`${change.changedAt}-${index}`}>
              <time dateTime={change.changedAt}>{formatDateTime(change.changedAt)}</time>{' '}
              {change.from === null ? (
                <>
                  first scored <LeadBadge status={change.to} />
                </>
              ) : (
                <>
                  <LeadBadge status={change.from} /> → <LeadBadge status={change.to} />
                </>
              )}{' '}
              <span class="muted">at score {formatMetric(change.score, 'count')}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

/** Visits a page at a time from the visits API, older ones appended on request. */
function VisitTimeline(props: { api: Api; site: Site; companyId: string }) {
  const path = `${companyApiPath(props.site.id, props.companyId)}/visits`;
  const first = useRequest(`visits ${path}`, () =>
    props.api.get<CompanyVisitPage>(path, { limit: String(VISITS_PER_PAGE) }),
  );
  const [older, setOlder] = useState<{
    visits: Visit[];
    nextCursor?: string | null;
    busy: boolean;
    error?: string;
  }>({ visits: [], busy: false });
  const nextCursor =
    older.nextCursor !== undefined
      ? older.nextCursor
      : first.state === 'done'
        ? first.value.nextCursor
        : null;
  const showOlder = async () => {
    if (nextCursor === null) return;
    setOlder({ ...older, busy: true, error: undefined });
    try {
      const page = await props.api.get<CompanyVisitPage>(path, {
        limit: String(VISITS_PER_PAGE),
        cursor: nextCursor,
      });
      setOlder({ visits: [...older.visits, ...page.visits], nextCursor: page.nextCursor, busy: false });
    } catch (error) {
      setOlder({ ...older, busy: false, error: error instanceof Error ? error.message : String(error) });
    }
  };

  return (
    <section class="panel" aria-labelledby="visits-title" aria-busy={first.state === 'loading'}>
      <h2 id="visits-title">Visits</h2>
      {first.state === 'loading' && <p class="loading">Loading…</p>}
      {first.state === 'failed' && (
        <p class="error" role="alert">
          The visits could not be loaded: {first.message}
        </p>
      )}
      {first.state === 'done' &&
        (first.value.visits.length === 0 ? (
          <p class="empty">
            No visits to show: those of bots are left out, and events past the site's retention are deleted.
          </p>
        ) : (
          <>
            <p class="muted">Newest first, with up to 100 pages each.</p>
            <ol class="visits">
              {[...first.value.visits, ...older.visits].map((visit, index) => (
                <VisitItem key={visit.id} visit={visit} open={index < 3} />
              ))}
            </ol>
            {nextCursor !== null && (
              <button type="button" onClick={showOlder} disabled={older.busy}>
                {older.busy ? 'Loading…' : 'Show older visits'}
              </button>
            )}
            {older.error !== undefined && (
              <p class="error" role="alert">
                The older visits could not be loaded: {older.error}
              </p>
            )}
          </>
        ))}
    </section>
  );
}

function VisitItem(props: { visit: Visit; open: boolean }) {
  const { visit } = props;
  const device = [visit.deviceType, visit.browserName, visit.country && countryName(visit.country)].filter(
    (part): part is string => part !== null && part !== '',
  );
  return (
    <li class="visit" data-visit={visit.id}>
      <details open={props.open}>
        <summary>
          <time dateTime={visit.startedAt}>{formatDateTime(visit.startedAt)}</time>
          <span>
            {formatMetric(visit.pageviews, 'count')} {visit.pageviews === 1 ? 'page' : 'pages'}
          </span>
          <span>{formatMetric(visit.durationSeconds, 'seconds')} on site</span>
          <span class="source">from {describeSource(visit.source)}</span>
        </summary>
        {device.length > 0 && <p class="muted">{device.join(' · ')}</p>}
        {visit.pages.length === 0 ? (
          <p class="muted">No page views in this visit, only other events.</p>
        ) : (
          <ol class="visit-pages">
            {visit.pages.map((page, index) => (
              <li key={`${page.at}-${index}`}>
                <time dateTime={page.at}>
                  {new Date(page.at).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })}
                </time>
                <span class="path">{page.path ?? '–'}</span>
                {page.title !== null && page.title !== '' && <span class="title">{page.title}</span>}
              </li>
            ))}
          </ol>
        )}
        {visit.events > 0 && (
          <p class="muted">
            {formatMetric(visit.events, 'count')} other {visit.events === 1 ? 'event' : 'events'} in this
            visit
          </p>
        )}
      </details>
    </li>
  );
}
