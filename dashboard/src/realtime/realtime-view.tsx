import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { formatMetric } from '../format.ts';
import { Link } from '../link.tsx';
import { companyPath } from '../routes.ts';
import type { SiteViewProps } from '../view-props.ts';
import {
  eventDetails,
  eventItem,
  eventLabel,
  fromStoredEvent,
  hotLeadItem,
  mergeFeed,
  type FeedItem,
  type LiveEvent,
  type LiveMessage,
} from './live-message.ts';
import { LiveStatusLine } from './live-status.tsx';
import { useLiveFeed } from './use-live-feed.ts';
import './realtime.css';

/** GET /api/sites/:siteId/stats/realtime: the last five minutes. */
interface RealtimeStats {
  visitors: number;
  pageviews: number;
  topPages: Array<{ page: string; visitors: number }>;
  topSources: Array<{ source: string; visitors: number }>;
  topCountries: Array<{ country: string; visitors: number }>;
}

/** How many stored events the feed starts with, and catches up on after a reconnect. */
const CATCH_UP = 50;
/** Visitors leave the five-minute window without an event telling: the count is asked for again this often. */
const STATS_EVERY_MS = 30_000;
/** A burst of events asks for the count once, this long after its first event. */
const STATS_AFTER_EVENT_MS = 1_000;

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** The Realtime tab: who is on the site now, and its events as they arrive. */
export function RealtimeView(props: SiteViewProps) {
  // Keyed by site: switching sites starts a new feed with nothing of the old one's.
  return <Realtime key={props.site.id} {...props} />;
}

function Realtime(props: SiteViewProps) {
  const { api, site } = props;
  const base = `/api/sites/${encodeURIComponent(site.id)}`;
  const [stats, setStats] = useState<{ value?: RealtimeStats; error?: string }>({});
  const [feed, setFeed] = useState<FeedItem[]>([]);
  const [caughtUp, setCaughtUp] = useState<{ done: boolean; error?: string }>({ done: false });
  const statsTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const refreshStats = useCallback(() => {
    statsTimer.current = undefined;
    api.get<RealtimeStats>(`${base}/stats/realtime`).then(
      (value) => setStats({ value }),
      (error: unknown) => setStats((previous) => ({ ...previous, error: messageOf(error) })),
    );
  }, [api, base]);

  const catchUp = useCallback(() => {
    api.get<{ events: unknown[] }>(`${base}/events`, { limit: String(CATCH_UP) }).then(
      (page) => {
        const stored = page.events.map(fromStoredEvent).filter((event): event is LiveEvent => !!event);
        setFeed((current) =>
          mergeFeed(
            current,
            stored.map((event) => eventItem(event, false)),
          ),
        );
        setCaughtUp({ done: true });
      },
      (error: unknown) => setCaughtUp({ done: true, error: messageOf(error) }),
    );
  }, [api, base]);

  const onMessage = (message: LiveMessage) => {
    switch (message.type) {
      case 'subscribed':
        // Everything from now on arrives live; what came while disconnected is in the API.
        catchUp();
        refreshStats();
        break;
      case 'dropped':
        // The server left events out for this page; they are stored, so read them back.
        catchUp();
        break;
      case 'event':
        setFeed((current) => mergeFeed(current, [eventItem(message.event, true)]));
        statsTimer.current ??= setTimeout(refreshStats, STATS_AFTER_EVENT_MS);
        break;
      case 'hot-lead':
        setFeed((current) => mergeFeed(current, [hotLeadItem(message.lead)]));
        break;
    }
  };
  const live = useLiveFeed(api, site.id, onMessage);

  useEffect(() => {
    // Not only once the feed is open: where a proxy blocks WebSockets, the page still shows this much.
    catchUp();
    refreshStats();
    const every = setInterval(refreshStats, STATS_EVERY_MS);
    return () => {
      clearInterval(every);
      if (statsTimer.current !== undefined) clearTimeout(statsTimer.current);
    };
  }, [catchUp, refreshStats]);

  return (
    <div class="realtime">
      <LiveStatusLine feed={live} />
      <section class="panel realtime-now" aria-labelledby="realtime-now-title">
        <h2 id="realtime-now-title">Visitors now</h2>
        {stats.error !== undefined && (
          <p class="error" role="alert">
            The visitor count could not be loaded: {stats.error}
          </p>
        )}
        {stats.value === undefined ? (
          stats.error === undefined && <p class="loading">Loading…</p>
        ) : (
          <NowPanel stats={stats.value} />
        )}
      </section>
      <section class="panel" aria-labelledby="live-feed-title">
        <h2 id="live-feed-title">Live events</h2>
        {caughtUp.error !== undefined && (
          <p class="error" role="alert">
            Recent events could not be loaded: {caughtUp.error}
          </p>
        )}
        {feed.length === 0 ? (
          caughtUp.done ? (
            <p class="empty">
              No events yet. They appear here the moment they arrive; if none ever do, check that the snippet
              with <code>data-site="{site.siteKey}"</code> is on {site.domain}'s pages.
            </p>
          ) : (
            <p class="loading">Loading recent events…</p>
          )
        ) : (
          <ol class="live-feed" aria-label="Events, newest first">
            {feed.map((item) => (
              <FeedLine key={item.key} item={item} siteId={site.id} />
            ))}
          </ol>
        )}
      </section>
    </div>
  );
}

function NowPanel(props: { stats: RealtimeStats }) {
  const { stats } = props;
  return (
    <>
      <p class="realtime-count">
        <span class="value" data-realtime="visitors">
          {formatMetric(stats.visitors, 'count')}
        </span>{' '}
        {stats.visitors === 1 ? 'visitor' : 'visitors'} in the last 5 minutes,{' '}
        <span data-realtime="pageviews">{formatMetric(stats.pageviews, 'count')}</span>{' '}
        {stats.pageviews === 1 ? 'page view' : 'page views'}
      </p>
      {stats.visitors === 0 ? (
        <p class="empty">Nobody is on the site right now. Visitors show here as soon as one arrives.</p>
      ) : (
        <div class="realtime-tops">
          <TopList title="Pages" rows={stats.topPages.map((row) => [row.page, row.visitors])} />
          <TopList title="Sources" rows={stats.topSources.map((row) => [row.source, row.visitors])} />
          <TopList title="Countries" rows={stats.topCountries.map((row) => [row.country, row.visitors])} />
        </div>
      )}
    </>
  );
}

function TopList(props: { title: string; rows: Array<[string, number]> }) {
  return (
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
        {props.rows.length === 0 ? (
          <tr>
            <td colSpan={2} class="muted">
              Not known
            </td>
          </tr>
        ) : (
          props.rows.map(([value, visitors]) => (
            <tr key={value}>
              <td>{value}</td>
              <td class="number">{formatMetric(visitors, 'count')}</td>
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}

function FeedLine(props: { item: FeedItem; siteId: string }) {
  const { item } = props;
  const time = (
    <time dateTime={item.at} class="muted">
      {clock.format(new Date(item.at))}
    </time>
  );
  if (item.kind === 'hot-lead') {
    const { company } = item.lead;
    return (
      <li class="hot-lead arrived" data-kind="hot-lead">
        {time}
        <span class="what">Hot lead</span>
        <span class="where">
          <Link href={companyPath(props.siteId, company.id)}>{company.name ?? company.domain}</Link>
        </span>
        <span class="details muted">
          {[company.domain, company.country, `score ${formatMetric(company.score, 'count')}/100`]
            .filter((part) => part !== null)
            .join(' · ')}
        </span>
      </li>
    );
  }
  const { event } = item;
  return (
    <li class={item.live ? 'arrived' : undefined} data-kind="event" data-event-id={event.id}>
      {time}
      <span class="what">{eventLabel(event)}</span>
      <span class="where">{event.path ?? ''}</span>
      <span class="details muted">{eventDetails(event).join(' · ')}</span>
    </li>
  );
}
