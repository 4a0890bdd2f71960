import { useEffect, useState } from 'preact/hooks';
import { formatMetric } from '../format.ts';
import type { LiveFeed } from './use-live-feed.ts';
import './realtime.css';

/** Whether the live feed is connected, and while it is not, that it is not and when it tries again. */
export function LiveStatusLine(props: { feed: LiveFeed }) {
  const { status } = props.feed;
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (status.state !== 'reconnecting') return;
    setNow(Date.now());
    const ticking = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(ticking);
  }, [status]);

  switch (status.state) {
    case 'live':
      return (
        <p class="live-status live" role="status">
          <span class="live-dot" aria-hidden="true" />
          <span>Live: new events appear as they arrive.</span>
        </p>
      );
    case 'connecting':
      return (
        <p class="live-status connecting" role="status">
          <span class="live-dot" aria-hidden="true" />
          <span>Connecting to the live feed…</span>
        </p>
      );
    case 'reconnecting': {
      const seconds = Math.max(0, Math.ceil((status.retryAt - now) / 1_000));
      return (
        <div class="live-status disconnected" role="alert">
          <span class="live-dot" aria-hidden="true" />
          <span>
            Disconnected: {status.message} Reconnecting in {formatMetric(seconds, 'count')} s; events of the
            meantime are caught up then.
          </span>
          <button type="button" onClick={props.feed.reconnectNow}>
            Reconnect now
          </button>
        </div>
      );
    }
    case 'ended':
      return (
        <p class="live-status disconnected" role="alert">
          <span class="live-dot" aria-hidden="true" />
          <span>The live feed has stopped: {status.message} Reload the page to try again.</span>
        </p>
      );
  }
}
