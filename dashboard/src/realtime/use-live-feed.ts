import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type Api } from '../api.ts';
import { parseLiveMessage, type LiveMessage } from './live-message.ts';
import { afterClose, reconnectDelay } from './reconnect.ts';

export type LiveStatus =
  | { state: 'connecting' }
  | { state: 'live' }
  /** Disconnected; the next attempt starts at `retryAt` (epoch ms). */
  | { state: 'reconnecting'; message: string; retryAt: number }
  /** Disconnected for good (access ended, site gone): a reload or another page is the way on. */
  | { state: 'ended'; message: string };

export interface LiveFeed {
  status: LiveStatus;
  /** Skips the wait of a reconnect in progress. */
  reconnectNow(): void;
}

function liveUrl(siteId: string, ticket: string): string {
  const url = new URL(`/api/sites/${encodeURIComponent(siteId)}/live`, window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set('ticket', ticket);
  return url.toString();
}

/**
 * The site's live feed over a WebSocket, for as long as the component is mounted. A browser cannot
 * send the access token on a WebSocket, so each connection first gets a single-use ticket
 * (POST …/live/ticket, through the API client, which refreshes the session when needed). A dropped
 * connection is opened again with backoff (`reconnect.ts`), at once when the browser comes back
 * online. `onMessage` gets every message, `subscribed` included: from then on everything committed
 * arrives, so that is when a view catches up on what it missed while disconnected.
 */
export function useLiveFeed(api: Api, siteId: string, onMessage: (message: LiveMessage) => void): LiveFeed {
  const [status, setStatus] = useState<LiveStatus>({ state: 'connecting' });
  const handler = useRef(onMessage);
  handler.current = onMessage;
  const skipWait = useRef<() => void>(() => undefined);

  useEffect(() => {
    let stopped = false;
    let socket: WebSocket | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let attempt = 0;

    const retry = (message: string, minDelayMs = 0) => {
      if (stopped) return;
      const delay = Math.max(minDelayMs, reconnectDelay(attempt, Math.random()));
      attempt += 1;
      setStatus({ state: 'reconnecting', message, retryAt: Date.now() + delay });
      timer = setTimeout(connect, delay);
    };

    const end = (message: string) => {
      if (!stopped) setStatus({ state: 'ended', message });
    };

    async function connect() {
      timer = undefined;
      setStatus({ state: 'connecting' });
      let ticket: string;
      try {
        ticket = (await api.post<{ ticket: string }>(`/api/sites/${encodeURIComponent(siteId)}/live/ticket`))
          .ticket;
      } catch (error) {
        if (
          error instanceof ApiError &&
          (error.status === 401 || error.status === 403 || error.status === 404)
        ) {
          end(error.message);
        } else retry(error instanceof Error ? error.message : String(error));
        return;
      }
      if (stopped) return;
      const opened = new WebSocket(liveUrl(siteId, ticket));
      socket = opened;
      opened.onmessage = (event) => {
        const message = parseLiveMessage(event.data);
        if (message === undefined || stopped) return;
        if (message.type === 'subscribed') {
          attempt = 0;
          setStatus({ state: 'live' });
        }
        handler.current(message);
      };
      opened.onclose = (event) => {
        if (socket !== opened) return;
        socket = undefined;
        const next = afterClose(event.code);
        if (next.reconnect) retry(next.message, next.minDelayMs);
        else end(next.message);
      };
    }

    const now = () => {
      if (stopped || timer === undefined) return;
      clearTimeout(timer);
      void connect();
    };
    skipWait.current = now;
    window.addEventListener('online', now);
    void connect();
    return () => {
      stopped = true;
      window.removeEventListener('online', now);
      if (timer !== undefined) clearTimeout(timer);
      const open = socket;
      socket = undefined;
      open?.close(1000, 'page left');
    };
  }, [api, siteId]);

  return { status, reconnectNow: () => skipWait.current() };
}
