import type { PubSub, Unsubscribe } from '../../state/interface.ts';

/** Instances tell each other here which sites have live clients (see createListenedSites). */
export const LISTENERS_CHANNEL = 'live:listeners';

/** An instance with live clients says so again this often... */
export const ANNOUNCE_EVERY_MS = 20_000;
/** ...and every instance forgets a site this long after it last heard of a client for it. */
export const LISTENED_FOR_MS = 60_000;

type Announcement = { sites: string[] } | { ask: true };

export interface ListenedSites {
  /** Whether some instance had a live client for the site lately: the publisher asks this per event. */
  has(siteId: string): boolean;
  /** Whether no site is listened to anywhere: most of the time, so the publisher asks this first. */
  none(): boolean;
  /** Tells every instance, this one at once, that this instance has clients for these sites. */
  announce(siteIds: readonly string[]): void;
  close(): Promise<void>;
}

function parseAnnouncement(message: string): Announcement | undefined {
  try {
    const value = JSON.parse(message) as unknown;
    if (typeof value !== 'object' || value === null) return undefined;
    if ((value as { ask?: unknown }).ask === true) return { ask: true };
    const sites = (value as { sites?: unknown }).sites;
    if (Array.isArray(sites) && sites.every((site) => typeof site === 'string')) return { sites };
  } catch {
    // Not ours: ignored below.
  }
  return undefined;
}

/**
 * Which sites have a live client on some instance, so that events of the others are never
 * published: with Redis, publishing every event would cost a round of work and traffic per event
 * with no dashboard open. Each instance keeps the answer in memory (the publisher reads it on the
 * commit path, which must not wait on Redis) and hears of changes on LISTENERS_CHANNEL: an instance
 * announces a site when its first client for it connects and every ANNOUNCE_EVERY_MS while it has
 * clients; a site no one announced for LISTENED_FOR_MS is forgotten. An instance that starts asks
 * the others to announce at once. While Redis is away, announcements reach only this instance: the
 * others stop publishing for its sites within LISTENED_FOR_MS and start again at the next
 * announcement after Redis is back.
 */
export async function createListenedSites(options: {
  pubsub: PubSub;
  /** The sites this instance has clients for now. */
  ownSites: () => readonly string[];
  log: { warn(object: object, message: string): void };
  now?: () => number;
  announceEveryMs?: number;
  listenedForMs?: number;
}): Promise<ListenedSites> {
  const now = options.now ?? Date.now;
  const listenedForMs = options.listenedForMs ?? LISTENED_FOR_MS;
  /** Site → until when it counts as listened to. */
  const until = new Map<string, number>();

  const mark = (siteIds: readonly string[]) => {
    const expiry = now() + listenedForMs;
    for (const siteId of siteIds) until.set(siteId, expiry);
  };
  const publish = (announcement: Announcement) =>
    options.pubsub.publish(LISTENERS_CHANNEL, JSON.stringify(announcement)).catch((error: unknown) => {
      options.log.warn({ err: error }, 'could not tell other instances which sites have live clients');
    });
  const announceOwn = () => {
    const own = options.ownSites();
    if (own.length > 0) void publish({ sites: [...own] });
  };

  const unsubscribe: Unsubscribe = await options.pubsub.subscribe(LISTENERS_CHANNEL, (message) => {
    const announcement = parseAnnouncement(message);
    if (announcement === undefined) return;
    if ('ask' in announcement) announceOwn();
    else mark(announcement.sites);
  });
  const timer = setInterval(() => {
    const time = now();
    for (const [siteId, expiry] of until) if (expiry <= time) until.delete(siteId);
    announceOwn();
  }, options.announceEveryMs ?? ANNOUNCE_EVERY_MS);
  timer.unref();
  // Awaited: the app is ready once it has asked, with no call to Redis left out (a reply read late,
  // behind a busy start-up, would count as Redis lost).
  await publish({ ask: true });

  return {
    has(siteId) {
      const expiry = until.get(siteId);
      return expiry !== undefined && expiry > now();
    },
    none: () => until.size === 0,
    announce(siteIds) {
      if (siteIds.length === 0) return;
      mark(siteIds);
      void publish({ sites: [...siteIds] });
    },
    async close() {
      clearInterval(timer);
      await unsubscribe();
    },
  };
}
