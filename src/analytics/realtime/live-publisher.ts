import { liveChannel } from '../../companies/hot-lead-notification.ts';
import type { EventRow } from '../../ingest/event-row.ts';
import type { PubSub } from '../../state/interface.ts';
import type { ListenedSites } from './listened-sites.ts';
import { liveEventMessage } from './live-message.ts';

/** Publishes still unanswered at once beyond which further ones are dropped (Redis stalled). */
export const MAX_PUBLISHES_IN_FLIGHT = 1_000;
const ERROR_LOG_EVERY_MS = 60_000;

export interface LivePublisher {
  /** The writer's onCommitted listener: takes the rows and returns at once. */
  committed(rows: readonly EventRow[]): void;
}

/**
 * Publishes committed events on their site's live channel (`site:<siteId>`), for the live feed
 * of every instance. It never slows or fails ingestion: on the commit path it only picks the rows
 * of sites that some instance has live clients for (none, most of the time: one Map lookup per
 * batch) and keeps references to them; building the messages and publishing wait for the next
 * turn of the event loop (setImmediate), where one message per site carries all the site's events
 * of the commits of that turn, one JSON message per line. Failures are logged at most once a minute.
 */
export function createLivePublisher(options: {
  pubsub: PubSub;
  listened: ListenedSites;
  log: { warn(object: object, message: string): void };
  /** Called with the number of messages (a site's events of one turn each) not published. */
  onDropped?: (count: number) => void;
  now?: () => number;
  maxInFlight?: number;
}): LivePublisher {
  const now = options.now ?? Date.now;
  const maxInFlight = options.maxInFlight ?? MAX_PUBLISHES_IN_FLIGHT;
  let pending = new Map<string, EventRow[]>();
  let scheduled = false;
  let inFlight = 0;
  let failuresSinceLog = 0;
  let lastLogAt = -Infinity;

  const failed = (error: unknown, count: number) => {
    options.onDropped?.(count);
    failuresSinceLog += count;
    const time = now();
    if (time - lastLogAt < ERROR_LOG_EVERY_MS) return;
    lastLogAt = time;
    options.log.warn(
      { err: error, droppedSinceLastLine: failuresSinceLog },
      'live feed: committed events could not be published; open dashboards miss them',
    );
    failuresSinceLog = 0;
  };

  const flush = () => {
    scheduled = false;
    const bySite = pending;
    pending = new Map();
    for (const [siteId, rows] of bySite) {
      if (inFlight >= maxInFlight) {
        failed(new Error(`${maxInFlight} publishes are still unanswered`), 1);
        continue;
      }
      const lines: string[] = [];
      for (const row of rows) {
        const message = liveEventMessage(row);
        if (message !== undefined) lines.push(message);
      }
      if (lines.length === 0) continue;
      inFlight += 1;
      options.pubsub
        .publish(liveChannel(siteId), lines.join('\n'))
        .catch((error: unknown) => failed(error, 1))
        .finally(() => {
          inFlight -= 1;
        });
    }
  };

  return {
    committed(rows) {
      if (options.listened.none()) return;
      let siteId: string | undefined;
      let listened = false;
      for (const row of rows) {
        if (row.site_id !== siteId) {
          siteId = row.site_id;
          listened = options.listened.has(siteId);
        }
        if (!listened) continue;
        const siteRows = pending.get(siteId);
        if (siteRows === undefined) pending.set(siteId, [row]);
        else siteRows.push(row);
      }
      if (!scheduled && pending.size > 0) {
        scheduled = true;
        setImmediate(flush);
      }
    },
  };
}
