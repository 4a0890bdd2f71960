import { isStorableText } from '../ingest/storable-text.ts';
import { VISITOR_TYPE_SQL } from './visitor-type.ts';

/**
 * The dimensions reports break down and filter by: a closed whitelist, each an SQL expression over
 * the report's `s` (sessions) or `e` (events) rows. Nothing from a request is ever spliced into SQL
 * but a name that maps to an entry here; values, and a `prop:` key, are always parameters.
 *
 * A session dimension is where the visit came from or how it went (its landing source, its entry and
 * exit page, its company): filtering by it keeps whole sessions. An event dimension describes each
 * event (the page, the event name, the device it came from): filtering by it keeps the events that
 * match, and the sessions that have one.
 */
export type DimensionLevel = 'session' | 'event';

export interface Dimension {
  name: string;
  level: DimensionLevel;
  /** SQL over `s` (sessions) or `e` (events); `$key` stands for a prop key's parameter. */
  sql: string;
  /** Which events a breakdown by it counts: page views only for pages, custom events for event names. */
  events?: 'pageview' | 'event';
}

const SESSION_DIMENSIONS: Record<string, string> = {
  entry_page: 's.entry_path',
  exit_page: 's.exit_path',
  referrer: 's.referrer',
  referrer_host: 's.referrer_host',
  channel: 's.referrer_type',
  utm_source: 's.utm_source',
  utm_medium: 's.utm_medium',
  utm_campaign: 's.utm_campaign',
  utm_term: 's.utm_term',
  utm_content: 's.utm_content',
  company: 's.company_domain',
  lead_status: `(SELECT c.lead_status FROM companies c WHERE c.site_id = s.site_id AND c.domain = s.company_domain)`,
  visitor_type: VISITOR_TYPE_SQL,
};

const EVENT_DIMENSIONS: Record<string, string> = {
  page: 'e.path',
  hostname: 'e.hostname',
  country: 'e.country',
  region: 'e.region',
  city: 'e.city',
  device: 'e.device_type',
  browser: 'e.browser_name',
  browser_version: 'e.browser_version',
  os: 'e.os_name',
  os_version: 'e.os_version',
  screen: `CASE WHEN e.screen_width IS NULL THEN NULL ELSE e.screen_width || 'x' || e.screen_height END`,
  language: 'e.language',
  visitor_class: 'e.visitor_class',
  event: 'e.name',
};

export const DIMENSION_NAMES = [
  ...Object.keys(EVENT_DIMENSIONS),
  ...Object.keys(SESSION_DIMENSIONS),
  'prop:<key>',
] as const;

/**
 * A custom property key: what the tracker can send (props keys are checked at ingestion too), and
 * nothing PostgreSQL cannot take as text (a NUL would fail the query).
 */
const PROP_KEY = /^prop:([^\s]{1,100})$/;

/** The dimension a name stands for, or undefined when it is none of the whitelist. */
export function dimensionOf(name: string): Dimension | undefined {
  // Own keys only: every object has `constructor` and `toString`, whose text would end up in the SQL.
  if (Object.hasOwn(SESSION_DIMENSIONS, name)) {
    return { name, level: 'session', sql: SESSION_DIMENSIONS[name]! };
  }
  if (Object.hasOwn(EVENT_DIMENSIONS, name)) {
    return {
      name,
      level: 'event',
      sql: EVENT_DIMENSIONS[name]!,
      ...(name === 'page'
        ? { events: 'pageview' as const }
        : name === 'event'
          ? { events: 'event' as const }
          : {}),
    };
  }
  const prop = PROP_KEY.exec(name);
  if (prop !== null && isStorableText(prop[1]!)) {
    return { name, level: 'event', sql: `(e.props ->> $key)`, events: 'event' };
  }
  return undefined;
}

/** The prop key of a `prop:<key>` dimension. */
export function propKeyOf(dimension: Dimension): string | undefined {
  return PROP_KEY.exec(dimension.name)?.[1];
}

/** What reports call a missing value, in rows and in filters. */
export const NONE = '(none)';
