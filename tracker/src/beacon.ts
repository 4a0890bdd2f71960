/// <reference lib="dom" />
// The browser tracker served as /beacon.js (built by ../build.ts). The budget is 1.5 KB gzipped, hence
// short local names. Everything the host page can reach (the API, listeners, the history patches) runs
// through `safe`: a failure here must never surface in the host page.

type Props = Record<string, unknown>;
type Api = (command: string, ...args: unknown[]) => void;
type Money = { value?: number; currency?: string; transactionId?: string };
type Identity = { userId?: string; email?: string; phone?: string; traits?: Props };
type Consent = { analytics?: boolean; ads?: boolean };

const w = window as Window & { beacon?: Api & { q?: IArguments[] } };
const d = document;
const n = navigator as Navigator & { globalPrivacyControl?: boolean };
const l = location;
const VID = 'beacon_vid';
const CONSENT = 'beacon_consent';
const now = Date.now;

const safe =
  <A extends unknown[]>(f: (...a: A) => void) =>
  (...a: A) => {
    try {
      f(...a);
    } catch {
      // swallowed on purpose: analytics must not break the page
    }
  };

// randomUUID only exists in secure contexts; the server only needs ids unique per site (the fallback,
// digits and dots, fits the track API's eventId pattern).
const id = () => {
  try {
    return crypto.randomUUID();
  } catch {
    return now() + '' + Math.random();
  }
};

// Reads with one argument, writes with two; an empty value deletes. Blocked storage reads as empty, so
// the tracker falls back to cookieless events.
const store = (k: string, v?: string) => {
  try {
    const s = localStorage;
    return v == null ? s.getItem(k) : v ? s.setItem(k, v) : s.removeItem(k);
  } catch {
    // undefined: read as empty
  }
};

// `k` is the cookie's name, `=` and a pattern of its value whose first group is returned, e.g.
// `_fbp=([^;]*)`; the name must start the cookie string or follow `; `, so `x_fbp` is not `_fbp`.
const cookie = (k: string) => (d.cookie.match('(?:^|; )' + k) || [])[1];

safe(() => {
  const s = d.currentScript as HTMLScriptElement;
  const cfg = s.dataset;
  const site = cfg.site;
  if (!site) return;
  const endpoint = (cfg.api || new URL(s.src).origin).replace(/\/?$/, '/api/track/event');
  // Global Privacy Control is a legally binding opt-out in some states: it beats any site setting.
  const gpc = n.globalPrivacyControl;
  let analytics = cfg.consent == 'granted';
  let ads = analytics;
  // A stored choice (the widest purpose granted: "analytics" or "ads") only exists when analytics was
  // granted, and it beats data-consent.
  const saved = store(CONSENT);
  if (saved) {
    analytics = true;
    ads = saved == 'ads';
  }
  let page = ''; // URL of the last page view
  let path = ''; // its path + search, to tell a real SPA navigation from a state update
  let visibleSince = d.hidden ? 0 : now();
  let engagedMs = 0;
  let depth = 0;

  const send = (type: string, extra: Props) => {
    const a = analytics && !gpc;
    const ad = ads && !gpc;
    const b: Props = {
      site,
      type,
      url: l.href,
      title: d.title,
      eventId: id(),
      ts: now(),
      screen: { w: screen.width, h: screen.height },
      viewport: { w: innerWidth, h: innerHeight },
      lang: n.language,
      tz: Intl.DateTimeFormat().resolvedOptions().timeZone,
      consent: { analytics: a, ads: ad },
      ...extra,
    };
    if (a) {
      if (!store(VID)) store(VID, id());
      // Read back rather than trust the write: an id that cannot persist would count as a new visitor.
      b.visitorId = store(VID) || undefined;
      // Google's client id is the last two fields of the _ga cookie (GA1.<domain depth>.<random>.<time>).
      b.gaClientId = cookie('_ga=GA1\\.\\d+\\.(\\d+\\.\\d+)(;|$)');
    } else store(VID, '');
    if (ad) {
      b.fbp = cookie('_fbp=([^;]*)');
      b.fbc = cookie('_fbc=([^;]*)');
    }
    b.webdriver = n.webdriver || undefined;
    // A string body goes as text/plain;charset=UTF-8, which needs no CORS preflight. A keepalive
    // fetch outlives the page as sendBeacon does, and its answer can be read: a refusal's reason (a
    // host the site does not allow, an unknown key) reaches the console.
    fetch(endpoint, { method: 'POST', body: JSON.stringify(b), keepalive: true, credentials: 'omit' })
      // Returned, so that an answer that is not JSON (a proxy's error page) ends in the catch too.
      .then((r): unknown => r.ok || r.json().then((j) => console.warn('Beacon', j.error)))
      .catch(() => 0);
  };

  const scroll = () => {
    depth = Math.max(
      depth,
      Math.min(100, Math.round(((scrollY + innerHeight) * 100) / (d.documentElement.scrollHeight || 1))),
    );
  };

  // engagedMs adds up over the $engagement events of one page view; scrollDepth is the page's maximum so
  // far. Under a second of attention is not worth an event, so it carries over to the next flush.
  const flush = () => {
    const t = now();
    if (visibleSince) {
      engagedMs += t - visibleSince;
      visibleSince = t;
    }
    scroll();
    if (page && engagedMs >= 1000) {
      send('event', { name: '$engagement', url: page, props: { engagedMs, scrollDepth: depth } });
      engagedMs = 0;
    }
  };

  const pageview = (props?: Props) => {
    flush();
    send('pageview', { referrer: page || d.referrer, props });
    page = l.href;
    path = l.pathname + l.search;
    engagedMs = depth = 0;
  };

  const event = (name: string, props?: Props, { value, currency, transactionId }: Money = {}) =>
    send('event', { name, props, value, currency, transactionId });

  const commands: Record<string, (...a: never[]) => void> = {
    pageview,
    event,
    identify: ({ userId, email, phone, traits }: Identity) =>
      send('identify', { userId, user: { email, phone }, props: traits }),
    // The choice is sent to be recorded, with the id in use until now (send() deletes it only after
    // reading it here): a withdrawal then joins that visitor's history.
    consent: (c: Consent) => {
      if ('analytics' in c) analytics = !!c.analytics;
      if ('ads' in c) ads = !!c.ads;
      store(CONSENT, analytics && !gpc ? (ads ? 'ads' : 'analytics') : '');
      send('consent', { visitorId: store(VID) || undefined });
    },
  };

  const api = safe((c: string, ...a: unknown[]) => (commands[c] as (...a: unknown[]) => void)(...a));
  const queued = (w.beacon && w.beacon.q) || [];
  w.beacon = api;
  // Replayed before the automatic page view so that a queued consent call already applies to it.
  for (const args of queued) api(...(args as unknown as [string]));

  const on = (
    t: EventTarget,
    type: string,
    f: (e: MouseEvent) => void,
    o?: boolean | AddEventListenerOptions,
  ) => t.addEventListener(type, safe(f) as EventListener, o);

  const auto = cfg.auto != 'false';
  if (auto) {
    const nav = safe(() => {
      if (l.pathname + l.search != path) pageview();
    });
    for (const k of ['pushState', 'replaceState'] as const) {
      const original = history[k];
      history[k] = (...a: Parameters<History['pushState']>) => {
        original.apply(history, a);
        nav();
      };
    }
    addEventListener('popstate', nav);
  }

  const click = (e: MouseEvent) => {
    const a = (e.target as Element).closest('a[href]') as HTMLAnchorElement | null;
    // Button 2 opens the context menu; mailto:, tel: and javascript: links have no host.
    if (!a || e.button > 1 || !a.host) return;
    // A file on a CDN is still the site's download, so the extension wins over the host.
    const name = /\.(pdf|zip|rar|gz|dmg|exe|msi|csv|(xls|doc|ppt)x?|mp[34])$/i.test(a.pathname)
      ? '$download'
      : a.host != l.host && '$outbound';
    if (name) event(name, { url: a.href });
  };
  on(d, 'click', click, true);
  on(d, 'auxclick', click, true);
  on(d, 'visibilitychange', () => {
    if (d.hidden) flush();
    visibleSince = d.hidden ? 0 : now();
  });
  on(w, 'pagehide', flush);
  on(w, 'scroll', scroll, { passive: true });
  // Last, so that a failure to send cannot leave the page without the listeners above.
  if (auto) pageview();
})();
