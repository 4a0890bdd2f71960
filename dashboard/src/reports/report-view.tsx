import { useState } from 'preact/hooks';
import { changeAgainst, formatChange, formatDateTime, formatMetric, HEADLINE_METRICS } from '../format.ts';
import { Link } from '../link.tsx';
import { navigate } from '../navigation.ts';
import { companyPath, sitePath } from '../routes.ts';
import { useRequest } from '../use-request.ts';
import { todayIn } from '../view-state.ts';
import { canWrite, managesSites, type SiteViewProps } from '../view-props.ts';
import { BrandingPanel } from './branding-panel.tsx';
import type { ClientReport, TopRow } from './report-data.ts';
import { periodFromSearch, periodSearch, type ReportPeriod } from './report-period.ts';
import { ReportSettingsPanel } from './report-settings-panel.tsx';
import './report.css';

const days = new Intl.DateTimeFormat(undefined, {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  timeZone: 'UTC',
});
const dayLabel = (date: string) => days.format(new Date(`${date}T00:00:00Z`));

/**
 * A site's client report, laid out for paper: the agency's name and logo, the headline numbers
 * against the period before, top pages and sources, conversions and new hot leads. The period is
 * in the URL (default: the last full week in the site's time zone); printing hides everything but
 * the report (report.css). Owners and admins also set the mail schedule and the branding here.
 */
export function ReportView(props: SiteViewProps) {
  const { api, site } = props;
  const period = periodFromSearch(props.search, todayIn(site.timezone, new Date()));
  const report = useRequest(`${site.id} ${period.from} ${period.to}`, () =>
    api.get<ClientReport>(`/api/sites/${encodeURIComponent(site.id)}/report`, { ...period }),
  );
  return (
    <div class="report-page">
      <div class="report-toolbar no-print">
        <PeriodForm
          // A new period in the URL (the browser's back button too) starts the form afresh.
          key={`${period.from} ${period.to}`}
          period={period}
          onChange={(next) => navigate(`${location.pathname}${periodSearch(next)}`)}
        />
        <button type="button" class="report-print" onClick={() => window.print()}>
          Print / Save as PDF
        </button>
      </div>
      {report.state === 'loading' && <p class="loading">Loading the report…</p>}
      {report.state === 'failed' && (
        <p class="error" role="alert">
          The report could not be loaded: {report.message}
        </p>
      )}
      {report.state === 'done' && <ReportSheet report={report.value} canSetUpGoals={canWrite(props.user)} />}
      {managesSites(props.user) && (
        <div class="no-print report-admin">
          <ReportSettingsPanel api={api} site={site} />
          <BrandingPanel api={api} />
        </div>
      )}
    </div>
  );
}

function PeriodForm(props: { period: ReportPeriod; onChange: (period: ReportPeriod) => void }) {
  const [from, setFrom] = useState(props.period.from);
  const [to, setTo] = useState(props.period.to);
  const [problem, setProblem] = useState<string>();
  return (
    <form
      class="report-period"
      onSubmit={(event) => {
        event.preventDefault();
        if (from === '' || to === '' || from > to) {
          setProblem('Choose a first day on or before the last day.');
          return;
        }
        setProblem(undefined);
        props.onChange({ from, to });
      }}
    >
      <label>
        From{' '}
        <input type="date" value={from} required onInput={(event) => setFrom(event.currentTarget.value)} />
      </label>
      <label>
        To <input type="date" value={to} required onInput={(event) => setTo(event.currentTarget.value)} />
      </label>
      <button type="submit">Show</button>
      {problem !== undefined && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
    </form>
  );
}

function ReportSheet({ report, canSetUpGoals }: { report: ClientReport; canSetUpGoals: boolean }) {
  const { overview } = report;
  return (
    <article class="report-sheet" aria-label="Report">
      <header class="report-header">
        {report.agency.logoUrl !== null && (
          <img class="report-logo" src={report.agency.logoUrl} alt={`${report.agency.name} logo`} />
        )}
        <p class="report-agency">{report.agency.name}</p>
        <h1>{report.site.name}</h1>
        <p class="muted">
          {report.site.domain} · {dayLabel(report.from)} – {dayLabel(report.to)}
        </p>
      </header>
      <section class="report-section" aria-labelledby="report-numbers">
        <h2 id="report-numbers">The period in numbers</h2>
        <dl class="headlines">
          {HEADLINE_METRICS.map(({ key, label, kind }) => {
            const value = overview[key] as number;
            const change = changeAgainst(value, overview.previous[key] as number);
            return (
              <div key={key} data-metric={key}>
                <dt>{label}</dt>
                <dd>
                  <span class="value">{formatMetric(value, kind)}</span>
                  {change !== undefined && (
                    <span class={change >= 0 ? 'change up' : 'change down'} title="Against the period before">
                      {formatChange(change)}
                    </span>
                  )}
                </dd>
              </div>
            );
          })}
        </dl>
        <p class="muted report-note">Changes are against the period of equal length just before.</p>
      </section>
      <div class="report-columns">
        <TopTable
          id="report-pages"
          title="Top pages"
          header="Page"
          rows={report.topPages}
          empty="No page views in this period."
        />
        <TopTable
          id="report-sources"
          title="Top sources"
          header="Source"
          rows={report.topSources.map((row) =>
            row.value === '(none)' ? { ...row, value: 'Direct / none' } : row,
          )}
          empty="No visits in this period."
        />
      </div>
      <section class="report-section report-break" aria-labelledby="report-conversions">
        <h2 id="report-conversions">Conversions</h2>
        {report.conversions.length === 0 ? (
          <p class="empty">
            No goal was completed in this period.{' '}
            {canSetUpGoals && (
              <Link class="no-print" href={sitePath(report.site.id, 'funnels')}>
                Set up goals
              </Link>
            )}
          </p>
        ) : (
          <table class="report-table">
            <thead>
              <tr>
                <th scope="col">Goal</th>
                <th scope="col" class="number">
                  Conversions
                </th>
              </tr>
            </thead>
            <tbody>
              {report.conversions.map((row) => (
                <tr key={row.goal}>
                  <td>{row.goal}</td>
                  <td class="number">{formatMetric(row.conversions, 'count')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section class="report-section" aria-labelledby="report-leads">
        <h2 id="report-leads">New hot leads ({formatMetric(report.newHotLeadCount, 'count')})</h2>
        {report.newHotLeads.length === 0 ? (
          <p class="empty">No company turned hot in this period.</p>
        ) : (
          <table class="report-table">
            <thead>
              <tr>
                <th scope="col">Company</th>
                <th scope="col">Hot since</th>
                <th scope="col" class="number">
                  Score
                </th>
              </tr>
            </thead>
            <tbody>
              {report.newHotLeads.map((lead) => (
                <tr key={lead.id}>
                  <td>
                    <Link href={companyPath(report.site.id, lead.id)}>{lead.name}</Link>
                    <span class="muted"> {lead.domain}</span>
                  </td>
                  <td>{formatDateTime(lead.becameHotAt)}</td>
                  <td class="number">{formatMetric(lead.score, 'count')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {report.newHotLeadCount > report.newHotLeads.length && (
          <p class="muted">
            {formatMetric(report.newHotLeadCount - report.newHotLeads.length, 'count')} more in the Leads
            list.
          </p>
        )}
      </section>
    </article>
  );
}

function TopTable(props: { id: string; title: string; header: string; rows: TopRow[]; empty: string }) {
  return (
    <section class="report-section" aria-labelledby={props.id}>
      <h2 id={props.id}>{props.title}</h2>
      {props.rows.length === 0 ? (
        <p class="empty">{props.empty}</p>
      ) : (
        <table class="report-table">
          <thead>
            <tr>
              <th scope="col">{props.header}</th>
              <th scope="col" class="number">
                Visitors
              </th>
              <th scope="col" class="number">
                Page views
              </th>
            </tr>
          </thead>
          <tbody>
            {props.rows.map((row) => (
              <tr key={row.value}>
                <td class="report-label">{row.value}</td>
                <td class="number">{formatMetric(row.visitors, 'count')}</td>
                <td class="number">{formatMetric(row.pageviews, 'count')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
