import type { Pool } from '../../db/pool.ts';
import { blankEventRow, type EventRow } from '../../ingest/event-row.ts';
import { createEventWriter } from '../../ingest/event-writer.ts';
import { newId } from '../../lib/ids.ts';

/**
 * Test fixtures for roll-ups: a site, and visits written through the real ingest writer (which
 * makes the sessions and the dirty marks), built from a seeded generator so every run writes the
 * same traffic.
 */

export async function createRollupSite(db: Pool, timezone: string): Promise<string> {
  const agencyId = newId('agency');
  const siteId = newId('site');
  await db.query('INSERT INTO agencies (id, name) VALUES ($1, $2)', [agencyId, 'Roll-up test']);
  await db.query(
    `INSERT INTO sites (id, agency_id, name, domain, site_key, write_key_prefix, write_key_hash, timezone)
     VALUES ($1, $2, 'Shop', 'shop.example', $1, 'wk_', $1, $3)`,
    [siteId, agencyId, timezone],
  );
  return siteId;
}

/** splitmix32 */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return ((z ^ (z >>> 16)) >>> 0) / 2 ** 32;
  };
}

const MINUTE = 60_000;

/**
 * `visits` visits spread over [from, to): each a request's worth of events of one visitor, in
 * time order, with what a dimension can hold and lack (nulls), bots, custom events, events
 * without a visitor, and duplicates of an eventId (the writer keeps the first).
 */
export function syntheticVisits({
  siteId,
  from,
  to,
  visits,
  seed,
}: {
  siteId: string;
  from: Date;
  to: Date;
  visits: number;
  seed: number;
}): EventRow[][] {
  const random = seeded(seed);
  const pick = <T>(options: readonly T[]) => options[Math.floor(random() * options.length)]!;
  const visitors = Array.from({ length: Math.max(1, Math.floor(visits / 3)) }, (_, at) => `v${seed}-${at}`);
  const pages = ['/', '/pricing', '/blog/a', '/blog/b', '/docs', '/contact', '/signup'];
  const sources: Array<[string | null, string, string | null]> = [
    [null, 'direct', null],
    ['www.google.com', 'search', null],
    ['news.example', 'referral', null],
    ['t.co', 'social', 'twitter'],
    ['www.google.com', 'paid', 'google'],
  ];
  const geos: Array<[string | null, string | null, string | null]> = [
    ['DE', 'BE', 'Berlin'],
    ['DE', 'BY', 'Munich'],
    ['US', 'CA', 'San Francisco'],
    ['FR', null, null],
    [null, null, null],
  ];
  const devices: Array<[string | null, string, string, string, string]> = [
    ['desktop', 'Chrome', '126.0', 'Windows', '10'],
    ['mobile', 'Safari', '17.5', 'iOS', '17.5'],
    ['desktop', 'Firefox', '127.0', 'Linux', 'x86_64'],
    [null, 'Edge', '126.0', 'Windows', '11'],
  ];
  const span = to.getTime() - from.getTime();
  const result: EventRow[][] = [];
  for (let visit = 0; visit < visits; visit++) {
    const visitor = pick(visitors);
    const [referrerHost, channel, utmSource] = pick(sources);
    const [country, region, city] = pick(geos);
    const [device, browser, browserVersion, os, osVersion] = pick(devices);
    const isBot = random() < 0.05;
    const company = random() < 0.3 ? pick(['acme.example', 'globex.example', null]) : null;
    const start = from.getTime() + Math.floor(random() * span);
    const base: Partial<EventRow> = {
      site_id: siteId,
      visitor_id: random() < 0.03 ? null : visitor,
      hostname: random() < 0.9 ? 'shop.example' : 'blog.shop.example',
      referrer: referrerHost === null ? null : `https://${referrerHost}/q`,
      referrer_host: referrerHost,
      referrer_type: channel,
      utm_source: utmSource,
      utm_medium: utmSource === null ? null : 'cpc',
      utm_campaign: utmSource === null ? null : pick(['spring', 'autumn']),
      utm_term: utmSource === null ? null : pick(['shoes', null]),
      utm_content: utmSource === null ? null : pick(['a', 'b']),
      screen_width: random() < 0.9 ? pick([1920, 390]) : null,
      screen_height: 1080,
      language: pick(['de-DE', 'en-US', null]),
      browser_name: browser,
      browser_version: browserVersion,
      os_name: os,
      os_version: osVersion,
      device_type: device,
      is_bot: isBot,
      country,
      region,
      city,
      visitor_class: isBot ? 'bot' : pick(['consumer', 'business', null]),
      company_domain: company,
    };
    const events: EventRow[] = [];
    let at = start;
    const pageviews = 1 + Math.floor(random() * random() * 5);
    for (let view = 0; view < pageviews; view++) {
      const path = pick(pages);
      const row = (fields: Partial<EventRow>) =>
        blankEventRow({
          id: newId('evt'),
          type: 'pageview',
          received_at: new Date(),
          ...base,
          site_id: siteId,
          occurred_at: new Date(at),
          path,
          url: `https://shop.example${path}`,
          ...fields,
        });
      events.push(row({}));
      if (random() < 0.4) events.push(row({ type: 'event', name: '$engagement', path }));
      if (random() < 0.1)
        events.push(row({ type: 'event', name: pick(['signup', 'purchase', '$outbound']), path }));
      if (random() < 0.05) {
        const eventId = `e-${visit}-${view}`;
        events.push(row({ event_id: eventId }), row({ event_id: eventId, path: '/never-stored' }));
      }
      at += Math.floor(random() * 8 * MINUTE);
    }
    result.push(events);
  }
  return result;
}

/** Writes visits through a group-commit writer of its own, many at a time, as ingestion would. */
export async function writeVisits(db: Pool, visits: readonly EventRow[][]): Promise<void> {
  const writer = createEventWriter({ db });
  try {
    await Promise.all(visits.map((events) => writer.write(events)));
  } finally {
    await writer.close();
  }
}
