import { useRef, useState } from 'preact/hooks';
import type { Api, Breakdown, Overview as OverviewReport, Site, Timeseries } from './api.ts';
import { TrafficChart } from './chart.tsx';
import { changeAgainst, formatChange, formatMetric, HEADLINE_METRICS } from './format.ts';
import { Link } from './link.tsx';
import { navigate } from './navigation.ts';
import { Panel } from './panel.tsx';
import { RangePicker } from './range-picker.tsx';
import { sitePath } from './routes.ts';
import { TrackingSetup } from './sites/tracking-setup.tsx';
import { managesSites } from './view-props.ts';
import { useRequest } from './use-request.ts';
import {
  parseViewState,
  rangeDates,
  serializeViewState,
  todayIn,
  withFilter,
  withoutFilter,
  type Filter,
  type ViewState,
} from './view-state.ts';
import './overview.css';

interface Card {
  /** The breakdown API's dimension (src/analytics/dimensions.ts, and `goal`). */
  dimension: string;
  title: string;
  /** The count beside each value. */
  metric: { key: 'visitors' | 'conversions'; label: string };
  /** Whether a click on a value filters the page (`goal` is no filter dimension). */
  filters: boolean;
  /** Rows without a value are left out (visits of no identified company are not a company). */
  valuesOnly?: boolean;
}

const VISITORS = { key: 'visitors', label: 'Visitors' } as const;

const CARDS: Card[] = [
  { dimension: 'page', title: 'Pages', metric: VISITORS, filters: true },
  { dimension: 'channel', title: 'Channels', metric: VISITORS, filters: true },
  { dimension: 'referrer_host', title: 'Sources', metric: VISITORS, filters: true },
  { dimension: 'utm_source', title: 'UTM sources', metric: VISITORS, filters: true },
  { dimension: 'company', title: 'Companies', metric: VISITORS, filters: true, valuesOnly: true },
  {
    dimension: 'goal',
    title: 'Goals',
    metric: { key: 'conversions', label: 'Conversions' },
    filters: false,
  },
  { dimension: 'country', title: 'Countries', metric: VISITORS, filters: true },
  { dimension: 'device', title: 'Devices', metric: VISITORS, filters: true },
  { dimension: 'browser', title: 'Browsers', metric: VISITORS, filters: true },
  { dimension: 'os', title: 'Operating systems', metric: VISITORS, filters: true },
];

/** What reports call a missing value, in rows and in filters (src/analytics/dimensions.ts). */
const NO_VALUE = '(none)';

/** Rows a card shows at first, and how many more each "Show more" adds. */
const CARD_ROWS = 10;
const MORE_ROWS = 40;

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
        compare={view.compare}
        onFilter={(dimension, value) =>
          setView({ ...view, filters: withFilter(view.filters, dimension, value) })
        }
      />
    </div>
  );
}

function Report(props: {
  api: Api;
  site: Site;
  query: Record<string, string>;
  compare: boolean;
  onFilter: (dimension: string, value: string) => void;
}) {
  const base = `/api/sites/${encodeURIComponent(props.site.id)}/stats`;
  const key = `${props.site.id}?${new URLSearchParams(props.query).toString()}`;
  const compared: Record<string, string> = props.compare
    ? { ...props.query, compare: 'previous' }
    : props.query;
  const overview = useRequest(`overview ${key} ${props.compare}`, () =>
    props.api.get<OverviewReport>(`${base}/overview`, compared),
  );
  const timeseries = useRequest(`timeseries ${key} ${props.compare}`, () =>
    props.api.get<Timeseries>(`${base}/timeseries`, { ...compared, metrics: 'visitors,pageviews' }),
  );
  return (
    <>
      <Panel title="Headline numbers" loaded={overview}>
        {(report) =>
          report.visitors === 0 && report.pageviews === 0 ? (
            <NoVisits api={props.api} site={props.site} />
          ) : (
            <dl class="headlines">
              {HEADLINE_METRICS.map(({ key: metric, label, kind }) => {
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
        {(series) => (
          <TrafficChart
            points={series.points}
            interval={series.interval}
            {...(series.previous ? { previous: series.previous.points } : {})}
          />
        )}
      </Panel>
      <div class="cards">
        {CARDS.map((card) => (
          <BreakdownCard
            key={card.dimension}
            api={props.api}
            site={props.site}
            base={base}
            cacheKey={key}
            query={props.query}
            card={card}
            onFilter={props.onFilter}
          />
        ))}
      </div>
    </>
  );
}

function BreakdownCard(props: {
  api: Api;
  site: Site;
  base: string;
  cacheKey: string;
  query: Record<string, string>;
  card: Card;
  onFilter: (dimension: string, value: string) => void;
}) {
  const { card } = props;
  const [rows, setRows] = useState({ cacheKey: props.cacheKey, limit: CARD_ROWS });
  // Another range or filter starts the card at its first rows again.
  const limit = rows.cacheKey === props.cacheKey ? rows.limit : CARD_ROWS;
  const breakdown = useRequest(`${card.dimension} ${props.cacheKey} ${limit}`, () =>
    props.api.get<Breakdown>(`${props.base}/breakdown`, {
      ...props.query,
      ...(card.valuesOnly ? { filters: JSON.stringify(withValue(props.query, card.dimension)) } : {}),
      dimension: card.dimension,
      limit: String(limit),
      ...(card.metric.key === 'conversions' ? { sort: 'conversions:desc' } : {}),
    }),
  );
  // While more rows load, the card keeps the rows it has (and the focus on its button).
  const shown = useRef<{ cacheKey: string; report: Breakdown } | undefined>(undefined);
  if (breakdown.state === 'done') shown.current = { cacheKey: props.cacheKey, report: breakdown.value };
  const kept = shown.current?.cacheKey === props.cacheKey ? shown.current.report : undefined;
  const loaded = breakdown.state === 'loading' && kept ? { state: 'done' as const, value: kept } : breakdown;
  return (
    <Panel title={card.title} loaded={loaded} card={card.dimension}>
      {(report) =>
        report.rows.length === 0 ? (
          <EmptyCard card={card} site={props.site} />
        ) : (
          <>
            <table>
              <thead>
                <tr>
                  <th scope="col">{card.title}</th>
                  <th scope="col" class="number">
                    {card.metric.label}
                  </th>
                </tr>
              </thead>
              <tbody>
                {report.rows.map((row) => (
                  <tr key={row.value}>
                    <td>
                      {card.filters ? (
                        <button
                          type="button"
                          class="link"
                          title={`Filter by ${card.dimension} ${row.value}`}
                          onClick={() => props.onFilter(card.dimension, row.value)}
                        >
                          {row.value}
                        </button>
                      ) : (
                        row.value
                      )}
                    </td>
                    <td class="number">{formatMetric(row[card.metric.key], 'count')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {report.total > report.rows.length && (
              <button
                type="button"
                class="link show-more"
                onClick={() => setRows({ cacheKey: props.cacheKey, limit: limit + MORE_ROWS })}
              >
                Show more ({formatMetric(report.total - report.rows.length, 'count')} more)
              </button>
            )}
          </>
        )
      }
    </Panel>
  );
}

/** The page's filters and one that keeps only rows with a value of `dimension`. */
function withValue(query: Record<string, string>, dimension: string): Filter[] {
  const filters = query.filters === undefined ? [] : (JSON.parse(query.filters) as Filter[]);
  return [...filters, ['is_not', dimension, [NO_VALUE]]];
}

function EmptyCard(props: { card: Card; site: Site }) {
  if (props.card.dimension === 'goal') {
    return (
      <p class="empty">
        No conversions in this range.{' '}
        <Link href={sitePath(props.site.id, 'funnels')}>Add a goal under Funnels & goals</Link> to count
        sign-ups, purchases or thank-you pages.
      </p>
    );
  }
  if (props.card.dimension === 'company') {
    return (
      <p class="empty">
        No identified companies in this range: visits from business networks show here once IP enrichment
        names them.
      </p>
    );
  }
  return <p class="empty">Nothing to show for this range and these filters.</p>;
}

/**
 * No visits in the range: a site that has never had an event gets its snippet and the live "waiting
 * for the first event" line; one that has had events is told how to widen the view.
 */
function NoVisits(props: { api: Api; site: Site }) {
  const stored = useRequest(`any events ${props.site.id}`, () =>
    props.api.get<{ events: unknown[] }>(`/api/sites/${encodeURIComponent(props.site.id)}/events`, {
      limit: '1',
    }),
  );
  if (stored.state === 'done' && stored.value.events.length === 0) {
    const user = props.api.session()?.user;
    return (
      <TrackingSetup api={props.api} site={props.site} manages={user !== undefined && managesSites(user)} />
    );
  }
  return (
    <p class="empty">
      No visits in this range. Pick a longer range, remove a filter, or check that the snippet with{' '}
      <code>data-site="{props.site.siteKey}"</code> is on {props.site.domain}'s pages.
    </p>
  );
}
