import { useState } from 'preact/hooks';
import type { Api, Site } from '../api.ts';
import { formatMetric } from '../format.ts';
import { Link } from '../link.tsx';
import { navigate } from '../navigation.ts';
import { companyPath, sitePath } from '../routes.ts';
import { useRequest } from '../use-request.ts';
import type { SiteViewProps } from '../view-props.ts';
import { companiesPath, companyLabel, type CompanyPage, type CompanySummary } from './companies-api.ts';
import { LeadBadge, leadLabel } from './lead-badge.tsx';
import { formatDateTime } from '../format.ts';
import { countryName, formatAgo } from './lead-format.ts';
import {
  filterQuery,
  isFiltered,
  LEAD_STATUSES,
  listQuery,
  parseLeadsState,
  SEEN_WITHIN,
  serializeLeadsState,
  sortedBy,
  withoutFilters,
  type LeadsSort,
  type LeadsState,
  type SeenWithin,
} from './leads-state.ts';
import './leads.css';

const SEEN_LABELS: Record<SeenWithin, string> = {
  '7d': 'Last 7 days',
  '30d': 'Last 30 days',
  '90d': 'Last 90 days',
};

/** The site's companies, Leadfeeder-style: status, score, who they are, how much and how lately they visit. */
export function LeadsView(props: SiteViewProps) {
  const { site } = props;
  const state = parseLeadsState(props.search);
  const show = (next: LeadsState) => navigate(`${sitePath(site.id, 'leads')}${serializeLeadsState(next)}`);
  const filtersKey = serializeLeadsState({ ...state, cursor: undefined });

  return (
    <div class="leads">
      <div class="toolbar">
        <div class="lead-picker" role="group" aria-label="Lead status">
          <button
            type="button"
            aria-pressed={state.lead === undefined}
            onClick={() => show({ ...state, lead: undefined, cursor: undefined })}
          >
            All
          </button>
          {LEAD_STATUSES.map((status) => (
            <button
              type="button"
              key={status}
              aria-pressed={state.lead === status}
              onClick={() => show({ ...state, lead: status, cursor: undefined })}
            >
              {leadLabel(status)}
            </button>
          ))}
        </div>
        <ExportButton api={props.api} site={site} state={state} />
      </div>
      <FilterForm key={filtersKey} state={state} onApply={show} />
      <CompanyList api={props.api} site={site} state={state} show={show} />
    </div>
  );
}

/** Filters typed in apply together, on submit; the form starts again from the URL when it changes. */
function FilterForm(props: { state: LeadsState; onApply: (state: LeadsState) => void }) {
  const { state } = props;
  const [draft, setDraft] = useState({
    q: state.q ?? '',
    country: state.country ?? '',
    industry: state.industry ?? '',
    minScore: state.minScore === undefined ? '' : String(state.minScore),
    seen: state.seen ?? '',
    includeHidden: state.includeHidden,
  });
  const [invalid, setInvalid] = useState<string | undefined>();
  const set = (change: Partial<typeof draft>) => setDraft({ ...draft, ...change });

  return (
    <form
      class="lead-filters"
      aria-label="Filters"
      onSubmit={(event) => {
        event.preventDefault();
        const country = draft.country.trim();
        if (country !== '' && !/^[A-Za-z]{2}$/.test(country)) {
          setInvalid('Country is a two-letter code, such as DE or US.');
          return;
        }
        setInvalid(undefined);
        const minScore = draft.minScore === '' ? undefined : Number(draft.minScore);
        props.onApply({
          ...state,
          q: draft.q.trim() || undefined,
          country: country === '' ? undefined : country.toUpperCase(),
          industry: draft.industry.trim() || undefined,
          minScore: minScore !== undefined && minScore > 0 ? minScore : undefined,
          seen: draft.seen === '' ? undefined : (draft.seen as SeenWithin),
          includeHidden: draft.includeHidden,
          cursor: undefined,
        });
      }}
    >
      <label class="search">
        Search
        <input
          type="search"
          maxLength={100}
          placeholder="Name or domain"
          value={draft.q}
          onInput={(event) => set({ q: event.currentTarget.value })}
        />
      </label>
      <label>
        Country
        <input
          type="text"
          maxLength={2}
          size={3}
          placeholder="DE"
          autoComplete="off"
          value={draft.country}
          aria-invalid={invalid !== undefined}
          onInput={(event) => set({ country: event.currentTarget.value })}
        />
      </label>
      <label>
        Industry
        <input
          type="text"
          maxLength={100}
          value={draft.industry}
          onInput={(event) => set({ industry: event.currentTarget.value })}
        />
      </label>
      <label>
        Score at least
        <input
          type="number"
          min={0}
          max={100}
          step={1}
          value={draft.minScore}
          onInput={(event) => set({ minScore: event.currentTarget.value })}
        />
      </label>
      <label>
        Last seen
        <select value={draft.seen} onChange={(event) => set({ seen: event.currentTarget.value })}>
          <option value="">Any time</option>
          {(Object.keys(SEEN_WITHIN) as SeenWithin[]).map((seen) => (
            <option key={seen} value={seen}>
              {SEEN_LABELS[seen]}
            </option>
          ))}
        </select>
      </label>
      <label class="check">
        <input
          type="checkbox"
          checked={draft.includeHidden}
          onChange={(event) => set({ includeHidden: event.currentTarget.checked })}
        />
        Show hidden companies
      </label>
      <div class="actions">
        <button type="submit">Apply filters</button>
        {isFiltered(state) && (
          <button type="button" class="link" onClick={() => props.onApply(withoutFilters(state))}>
            Clear filters
          </button>
        )}
      </div>
      {invalid !== undefined && (
        <p class="error" role="alert">
          {invalid}
        </p>
      )}
    </form>
  );
}

/**
 * Downloads the companies the filters select (all pages, up to the API's 50,000 rows) as CSV, and
 * says so when the file stops short of them.
 */
function ExportButton(props: { api: Api; site: Site; state: LeadsState }) {
  const [status, setStatus] = useState<{ busy: boolean; error?: string; cutAt?: number }>({ busy: false });
  const exportCsv = async () => {
    setStatus({ busy: true });
    try {
      const file = await props.api.download(
        `${companiesPath(props.site.id)}.csv`,
        filterQuery(props.state, new Date()),
      );
      const day = new Date().toISOString().slice(0, 10);
      saveBlob(file.blob, `leads-${props.site.domain}-${day}.csv`);
      setStatus(file.truncated ? { busy: false, cutAt: file.rows } : { busy: false });
    } catch (error) {
      setStatus({ busy: false, error: error instanceof Error ? error.message : String(error) });
    }
  };
  return (
    <div class="export">
      <button type="button" onClick={exportCsv} disabled={status.busy}>
        {status.busy ? 'Exporting…' : 'Export CSV'}
      </button>
      {status.error !== undefined && (
        <p class="error" role="alert">
          The export failed: {status.error}
        </p>
      )}
      {status.cutAt !== undefined && (
        <p class="notice" role="status">
          The file holds the first {formatMetric(status.cutAt, 'count')} companies only, the most an export
          takes: narrow the filters to export the rest.
        </p>
      )}
    </div>
  );
}

function saveBlob(blob: Blob, filename: string) {
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = filename;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  // The download has its own reference by then; the delay only covers browsers that read it late.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const SORT_LABELS: Record<LeadsSort, string> = { score: 'Score', visits: 'Visits', lastSeen: 'Last seen' };

function CompanyList(props: { api: Api; site: Site; state: LeadsState; show: (state: LeadsState) => void }) {
  const { site, state, show } = props;
  const page = useRequest(`leads ${site.id} ${serializeLeadsState(state)}`, () =>
    props.api.get<CompanyPage>(companiesPath(site.id), listQuery(state, new Date())),
  );

  const sortHeader = (sort: LeadsSort, className?: string) => {
    const current = state.sort === sort;
    const direction = state.order === 'asc' ? 'ascending' : 'descending';
    return (
      <th scope="col" class={className} aria-sort={current ? direction : undefined}>
        <button
          type="button"
          class="sort"
          title={`Sort by ${SORT_LABELS[sort].toLowerCase()}`}
          onClick={() => show(sortedBy(state, sort))}
        >
          {SORT_LABELS[sort]}
          {current && <span aria-hidden="true">{state.order === 'asc' ? ' ↑' : ' ↓'}</span>}
        </button>
      </th>
    );
  };

  return (
    <section class="panel" aria-busy={page.state === 'loading'} aria-labelledby="leads-title">
      <h2 id="leads-title">Companies</h2>
      {page.state === 'loading' && <p class="loading">Loading…</p>}
      {page.state === 'failed' && (
        <p class="error" role="alert">
          The companies could not be loaded: {page.message}
        </p>
      )}
      {page.state === 'done' &&
        (page.value.companies.length === 0 ? (
          <EmptyList site={site} state={state} show={show} />
        ) : (
          <>
            <div class="table-scroll">
              <table class="lead-table">
                <thead>
                  <tr>
                    <th scope="col">Status</th>
                    {sortHeader('score', 'number')}
                    <th scope="col">Company</th>
                    <th scope="col" class="optional">
                      Industry
                    </th>
                    <th scope="col" class="optional">
                      Size
                    </th>
                    <th scope="col" class="optional">
                      Country
                    </th>
                    {sortHeader('visits', 'number')}
                    {sortHeader('lastSeen')}
                  </tr>
                </thead>
                <tbody>
                  {page.value.companies.map((company) => (
                    <CompanyRow key={company.id} site={site} company={company} />
                  ))}
                </tbody>
              </table>
            </div>
            <nav class="pager" aria-label="Pages">
              {state.cursor !== undefined && (
                <button type="button" onClick={() => show({ ...state, cursor: undefined })}>
                  First page
                </button>
              )}
              {page.value.nextCursor !== null && (
                <button
                  type="button"
                  onClick={() => show({ ...state, cursor: page.value.nextCursor ?? undefined })}
                >
                  Next page
                </button>
              )}
            </nav>
          </>
        ))}
    </section>
  );
}

function CompanyRow(props: { site: Site; company: CompanySummary }) {
  const { company } = props;
  const now = new Date();
  return (
    <tr data-company={company.id} class={company.hidden ? 'hidden-company' : undefined}>
      <td>
        <LeadBadge status={company.leadStatus} />
      </td>
      <td class="number score">{formatMetric(company.score, 'count')}</td>
      <td class="company">
        <Link href={companyPath(props.site.id, company.id)}>{companyLabel(company)}</Link>
        <span class="domain">{company.domain}</span>
        {company.hidden && <span class="tag">Hidden</span>}
      </td>
      <td class="optional">{company.industry ?? <Unknown />}</td>
      <td class="optional">{company.employeeRange ?? <Unknown />}</td>
      <td class="optional">{company.country === null ? <Unknown /> : countryName(company.country)}</td>
      <td class="number">{formatMetric(company.visits, 'count')}</td>
      <td>
        <time dateTime={company.lastSeenAt} title={formatDateTime(company.lastSeenAt)}>
          {formatAgo(company.lastSeenAt, now)}
        </time>
      </td>
    </tr>
  );
}

function Unknown() {
  return (
    <span class="muted" title="Not known">
      –
    </span>
  );
}

function EmptyList(props: { site: Site; state: LeadsState; show: (state: LeadsState) => void }) {
  if (isFiltered(props.state) || props.state.cursor !== undefined) {
    return (
      <div class="empty">
        <p>No companies match these filters.</p>
        <button type="button" onClick={() => props.show(withoutFilters(props.state))}>
          Show all companies
        </button>
      </div>
    );
  }
  return (
    <div class="empty">
      <p>
        <strong>No companies have visited {props.site.domain} yet.</strong>
      </p>
      <p>
        Beacon names a company when a visit comes from its business network (the visitor's IP address belongs
        to the company, not to a home provider, a VPN or a data centre) or when a visitor identifies with a
        work email. Each company is scored on its visits, and turns warm at 40 and hot at 70.
      </p>
      <ul>
        <li>
          Check that the snippet with <code>data-site="{props.site.siteKey}"</code> is on the pages of{' '}
          {props.site.domain}.
        </li>
        <li>
          Give Beacon IP data: an <code>IPINFO_TOKEN</code> or a <code>GEOIP_DB</code> file (see the README's
          configuration).
        </li>
        <li>
          Only visitors who consented to analytics are looked up, unless the site identifies companies under
          legitimate interest (<code>companyIdentificationWithoutConsent</code> in its settings).
        </li>
        <li>
          Visits from business networks show up here within a minute, scored every 15 seconds; a webhook
          destination hears of every company that turns hot.
        </li>
      </ul>
    </div>
  );
}
