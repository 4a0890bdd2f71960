/**
 * The dimensions roll-ups keep, by where their value comes from.
 *
 * Event dimensions count the events of a day that carry the value: `page` and `hostname` the page
 * views, `event` the custom events (type `event`, by name). Session dimensions count the sessions
 * that started that day, by a value of the session: its row in `sessions`, or its landing event
 * (the session's earliest event on the day it started, ties by id) for what `sessions` does not keep.
 */
export const EVENT_DIMENSIONS = ['page', 'hostname', 'event'] as const;
export type EventDimension = (typeof EVENT_DIMENSIONS)[number];

/**
 * Each session dimension and its SQL over `s` (sessions) and `l` (the landing event). Code, never
 * input: these are spliced into the job's query.
 */
export const SESSION_DIMENSION_SQL = {
  entry_page: 's.entry_path',
  exit_page: 's.exit_path',
  referrer: 'l.referrer',
  referrer_host: 's.referrer_host',
  channel: 's.referrer_type',
  utm_source: 's.utm_source',
  utm_medium: 's.utm_medium',
  utm_campaign: 's.utm_campaign',
  utm_term: 'l.utm_term',
  utm_content: 'l.utm_content',
  country: 's.country',
  region: 'l.region',
  city: 'l.city',
  device: 's.device_type',
  browser: 's.browser_name',
  browser_version: 'l.browser_version',
  os: 's.os_name',
  os_version: 'l.os_version',
  screen: "l.screen_width || 'x' || l.screen_height",
  language: 'l.language',
  visitor_class: 'l.visitor_class',
  company: 's.company_domain',
} as const;
export type SessionDimension = keyof typeof SESSION_DIMENSION_SQL;
export const SESSION_DIMENSIONS = Object.keys(SESSION_DIMENSION_SQL) as SessionDimension[];

export type RollupDimension = EventDimension | SessionDimension;
export const ROLLUP_DIMENSIONS: readonly RollupDimension[] = [...EVENT_DIMENSIONS, ...SESSION_DIMENSIONS];

export function isRollupDimension(name: string): name is RollupDimension {
  return (ROLLUP_DIMENSIONS as readonly string[]).includes(name);
}

/** How a missing value (SQL NULL) is stored: rows of a dimension are keyed by text. */
export const NONE = '';
