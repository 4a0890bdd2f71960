import { useState } from 'preact/hooks';
import type { Api, Breakdown, Metrics, Overview as OverviewReport, Site, Timeseries } from './api.ts';
import { TrafficChart } from './chart.tsx';
import { changeAgainst, formatChange, formatMetric, type MetricKind } from './format.ts';
import { navigate } from './navigation.ts';
import { sitePath } from './routes.ts';
import { useRequest, type Loaded } from './use-request.ts';
import {
  parseViewState,
  rangeDates,
  serializeViewState,
  todayIn,
  withFilter,
  withoutFilter,
  type RangeKey,
  type ViewState,
} from './view-state.ts';

const HEADLINES: Array<{ key: keyof Metrics; label: string; kind: MetricKind }> = [
  { key: 'visitors', label: 'Visitors', kind: 'count' },
  { key: 'pageviews', label: 'Page views', kind: 'count' },
  { key: 'sessions', label: 'Visits', kind: 'count' },
  { key: 'bounceRate', label: 'Bounce rate', kind: 'percent' },
  { key: 'avgSessionSeconds', label: 'Visit duration', kind: 'seconds' },
  { key: 'conversions', label: 'Conversions', kind: 'count' },
];

const CARDS: Array<{ dimension: string; title: string }> = [
  { dimension: 'page', title: 'Pages' },
  { dimension: 'channel', title: 'Channels' },
  { dimension: 'referrer_host', title: 'Sources' },
  { dimension: 'utm_source', title: 'UTM sources' },
  { dimension: 'country', title: 'Countries' },
  { dimension: 'device', title: 'Devices' },
];

const RANGE_LABELS: Record<RangeKey, string> = {
  today: 'Today',
  '7d': 'Last 7 days',
  '30d': 'Last 30 days',
  custom: 'Custom',
};

/** One site's overview: headline numbers, the chart and breakdowns, for the range and filters in the URL. */
export function Overview(props: { api: Api; site: Site; search: string }) {
  const { site } = props;
  const view = parseViewState(props.search);
  const setView = (next: ViewState) => navigate(`${sitePath(site.id)}${serializeViewState(next)}`);
  const { from, to } = rangeDates(view, todayIn(site.timezone, new Date()));
  const query: Record<string, string> = { from, to };
  if (view.filters.length > 0) query.filters = JSON.stringify(view.filters);

  return (
    <div class="overview">
      <div class="toolbar">
        <RangePicker view={view} from={from} to={to} onChange={setView} />
      </div>
      {view.filters.length > 0 && (
        <ul class="filters" aria-label="Filters">
          {view.filters.map(([operator, dimension, values], index) => (
            <li key={`${dimension}-${index}`}>
              <span>
                {dimension} {operator === 'is' ? 'is' : operator.replace('_', ' ')} {values.join(', ')}
              </span>
              <button
                type="button"
                aria-label={`Remove filter ${dimension}`}
                onClick={() => setView({ ...view, filters: withoutFilter(view.filters, index) })}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <Report
        api={props.api}
        site={site}
        query={query}
        onFilter={(dimension, value) =>
          setView({ ...view, filters: withFilter(view.filters, dimension, value) })
        }
      />
    </div>
  );
}

function RangePicker(props: {
  view: ViewState;
  from: string;
  to: string;
  onChange: (view: ViewState) => void;
}) {
  const [custom, setCustom] = useState({ from: props.from, to: props.to });
  return (
    <div class="range-picker" role="group" aria-label="Date range">
      {(['today', '7d', '30d'] as const).map((range) => (
        <button
          type="button"
          key={range}
          aria-pressed={props.view.range === range}
          onClick={() => props.onChange({ range, filters: props.view.filters })}
        >
          {RANGE_LABELS[range]}
        </button>
      ))}
      <form
        class="custom-range"
        onSubmit={(event) => {
          event.preventDefault();
          if (custom.from && custom.to && custom.from <= custom.to) {
            props.onChange({
              range: 'custom',
              from: custom.from,
              to: custom.to,
              filters: props.view.filters,
            });
          }
        }}
      >
        <label>
          From{' '}
          <input
            type="date"
            value={custom.from}
            onInput={(event) => setCustom({ ...custom, from: event.currentTarget.value })}
          />
        </label>
        <label>
          to{' '}
          <input
            type="date"
            value={custom.to}
            onInput={(event) => setCustom({ ...custom, to: event.currentTarget.value })}
          />
        </label>
        <button type="submit" aria-pressed={props.view.range === 'custom'}>
          Apply
        </button>
      </form>
    </div>
  );
}

function Report(props: {
  api: Api;
  site: Site;
  query: Record<string, string>;
  onFilter: (dimension: string, value: string) => void;
}) {
  const base = `/api/sites/${encodeURIComponent(props.site.id)}/stats`;
  const key = `${props.site.id}?${new URLSearchParams(props.query).toString()}`;
  const overview = useRequest(`overview ${key}`, () =>
    props.api.get<OverviewReport>(`${base}/overview`, { ...props.query, compare: 'previous' }),
  );
  const timeseries = useRequest(`timeseries ${key}`, () =>
    props.api.get<Timeseries>(`${base}/timeseries`, { ...props.query, metrics: 'visitors,pageviews' }),
  );
  return (
    <>
      <Panel title="Headline numbers" loaded={overview}>
        {(report) =>
          report.visitors === 0 && report.pageviews === 0 ? (
            <p class="empty">
              No visits in this range. Pick a longer range, remove a filter, or check that the snippet with{' '}
              <code>data-site="{props.site.siteKey}"</code> is on {props.site.domain}'s pages.
            </p>
          ) : (
            <dl class="headlines">
              {HEADLINES.map(({ key: metric, label, kind }) => {
                const change = changeAgainst(report[metric], report.previous?.[metric]);
                return (
                  <div key={metric} data-metric={metric}>
                    <dt>{label}</dt>
                    <dd>
                      <span class="value">{formatMetric(report[metric], kind)}</span>
                      {change !== undefined && (
                        <span
                          class={change >= 0 ? 'change up' : 'change down'}
                          title="Against the previous period"
                        >
                          {formatChange(change)}
                        </span>
                      )}
                    </dd>
                  </div>
                );
              })}
            </dl>
          )
        }
      </Panel>
      <Panel title="Traffic" loaded={timeseries}>
        {(series) => <TrafficChart points={series.points} interval={series.interval} />}
      </Panel>
      <div class="cards">
        {CARDS.map((card) => (
          <BreakdownCard key={card.dimension} {...props} base={base} cacheKey={key} {...card} />
        ))}
      </div>
    </>
  );
}

function BreakdownCard(props: {
  api: Api;
  base: string;
  cacheKey: string;
  query: Record<string, string>;
  dimension: string;
  title: string;
  onFilter: (dimension: string, value: string) => void;
}) {
  const breakdown = useRequest(`${props.dimension} ${props.cacheKey}`, () =>
    props.api.get<Breakdown>(`${props.base}/breakdown`, {
      ...props.query,
      dimension: props.dimension,
      limit: '10',
    }),
  );
  return (
    <Panel title={props.title} loaded={breakdown} card={props.dimension}>
      {(report) =>
        report.rows.length === 0 ? (
          <p class="empty">Nothing to show for this range and these filters.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">{props.title}</th>
                <th scope="col" class="number">
                  Visitors
                </th>
              </tr>
            </thead>
            <tbody>
              {report.rows.map((row) => (
                <tr key={row.value}>
                  <td>
                    <button
                      type="button"
                      class="link"
                      title={`Filter by ${props.dimension} ${row.value}`}
                      onClick={() => props.onFilter(props.dimension, row.value)}
                    >
                      {row.value}
                    </button>
                  </td>
                  <td class="number">{formatMetric(row.visitors, 'count')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      }
    </Panel>
  );
}

/** A titled panel that says it is loading, shows the failure as a message, or renders the answer. */
function Panel<T>(props: {
  title: string;
  loaded: Loaded<T>;
  card?: string;
  children: (value: T) => preact.ComponentChildren;
}) {
  return (
    <section class="panel" data-card={props.card} aria-busy={props.loaded.state === 'loading'}>
      <h2>{props.title}</h2>
      {props.loaded.state === 'loading' && <p class="loading">Loading…</p>}
      {props.loaded.state === 'failed' && (
        <p class="error" role="alert">
          This could not be loaded: {props.loaded.message}
        </p>
      )}
      {props.loaded.state === 'done' && props.children(props.loaded.value)}
    </section>
  );
}
