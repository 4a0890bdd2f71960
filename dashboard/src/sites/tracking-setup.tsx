import { useEffect, useRef, useState } from 'preact/hooks';
import type { Api } from '../api.ts';
import { Link } from '../link.tsx';
import { eventLabel, toLiveEvent, type LiveEvent, type LiveMessage } from '../realtime/live-message.ts';
import { LiveStatusLine } from '../realtime/live-status.tsx';
import { useLiveFeed } from '../realtime/use-live-feed.ts';
import { sitePath } from '../routes.ts';
import { trackingSnippet } from './site-setup.ts';
import './sites.css';

/** What the setup of a site shows of it (GET /api/sites/:siteId has more). */
export interface SetupSite {
  id: string;
  name: string;
  domain: string;
  siteKey: string;
  trackerAlias?: string | null;
}

/**
 * Getting a site's first event: the snippet to copy, and a "waiting for the first event" line that
 * turns green, over the live feed, the moment one is stored. Usable wherever a site has no events
 * yet (the overview of an empty site could show it too).
 */
export function TrackingSetup(props: { api: Api; site: SetupSite; manages: boolean }) {
  const { site } = props;
  const snippet = trackingSnippet(window.location.origin, site.siteKey, site.trackerAlias ?? null);
  const [first, setFirst] = useState<{ event: LiveEvent | undefined } | undefined>(undefined);
  return (
    <>
      <section class="panel" aria-labelledby="snippet-title">
        <h2 id="snippet-title">1. Put the snippet on every page</h2>
        <p>
          Paste it into the <code>&lt;head&gt;</code> of each page of {site.domain} (or your site's template).
        </p>
        <CopyableText label="Copy the snippet" text={snippet} name="snippet" />
        <p class="muted">
          Beacon accepts events only from {site.domain}
          {props.manages ? (
            <>
              {' '}
              and the hosts you add in <Link href={sitePath(site.id, 'settings')}>Settings</Link>
            </>
          ) : null}
          : a page on another host (localhost, a staging server) is refused until it is added there.
        </p>
      </section>
      <section class="panel" aria-labelledby="first-event-title">
        <h2 id="first-event-title">2. Open a page of {site.domain}</h2>
        {first === undefined ? (
          <WaitForFirstEvent
            api={props.api}
            siteId={site.id}
            domain={site.domain}
            onFirst={(event) => setFirst((known) => known ?? { event })}
          />
        ) : (
          <div class="first-event received" role="status">
            <span class="first-event-mark" aria-hidden="true">
              ✓
            </span>
            <div>
              <p>
                <strong>The first event has arrived</strong>
                {first.event && (
                  <>
                    : {eventLabel(first.event)}
                    {first.event.path !== null && <> of {first.event.path}</>}
                  </>
                )}
                . {site.name} is set up.
              </p>
              <p>
                <Link href={sitePath(site.id)}>Go to the overview</Link>
              </p>
            </div>
          </div>
        )}
      </section>
    </>
  );
}

/**
 * Listens on the site's live feed until an event arrives. Each time the feed is (re)subscribed, it
 * also asks whether one is stored already: an event may have come before the feed was open, or
 * while it was disconnected. Unmounted once one is there, which closes the feed.
 */
function WaitForFirstEvent(props: {
  api: Api;
  siteId: string;
  domain: string;
  onFirst: (event: LiveEvent | undefined) => void;
}) {
  const [checkFailed, setCheckFailed] = useState<string | undefined>(undefined);
  const onMessage = (message: LiveMessage) => {
    if (message.type === 'event') props.onFirst(message.event);
    if (message.type !== 'subscribed') return;
    props.api
      .get<{ events: unknown[] }>(`/api/sites/${encodeURIComponent(props.siteId)}/events`, { limit: '1' })
      .then(
        (page) => {
          setCheckFailed(undefined);
          if (page.events.length > 0) props.onFirst(toLiveEvent(page.events[0]));
        },
        (error: unknown) => setCheckFailed(error instanceof Error ? error.message : String(error)),
      );
  };
  const feed = useLiveFeed(props.api, props.siteId, onMessage);
  return (
    <>
      {feed.status.state !== 'live' && <LiveStatusLine feed={feed} />}
      {checkFailed !== undefined && (
        <p class="error" role="alert">
          Could not check for events stored already: {checkFailed}
        </p>
      )}
      <div class="first-event waiting" role="status" data-feed={feed.status.state}>
        <span class="live-dot" aria-hidden="true" />
        <p>
          <strong>Waiting for the first event…</strong> Open a page of {props.domain} with the snippet in
          place: this turns green the moment its page view arrives.
        </p>
      </div>
    </>
  );
}

/** A block of text to copy, with a button; where the clipboard is refused, the text is selected instead. */
export function CopyableText(props: { label: string; text: string; name: string }) {
  const block = useRef<HTMLPreElement>(null);
  const [outcome, setOutcome] = useState<'copied' | 'selected' | undefined>(undefined);
  useEffect(() => setOutcome(undefined), [props.text]);
  const select = () => {
    const range = document.createRange();
    if (block.current === null) return;
    range.selectNodeContents(block.current);
    window.getSelection()?.removeAllRanges();
    window.getSelection()?.addRange(range);
  };
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.text);
      setOutcome('copied');
    } catch {
      select();
      setOutcome('selected');
    }
  };
  return (
    <div class="copyable" data-copyable={props.name}>
      <pre ref={block} tabIndex={0}>
        <code>{props.text}</code>
      </pre>
      <div class="copy-row">
        <button type="button" onClick={copy}>
          {props.label}
        </button>
        <span role="status" class="muted">
          {outcome === 'copied' && 'Copied.'}
          {outcome === 'selected' &&
            'The browser did not allow copying: the text is selected, press Ctrl+C (⌘C).'}
        </span>
      </div>
    </div>
  );
}
