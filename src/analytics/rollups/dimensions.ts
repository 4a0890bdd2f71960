import { dimensionOf, type Dimension } from '../dimensions.ts';

/**
 * The dimensions roll-ups keep, each counted as the raw reports count it (src/analytics/
 * grouped-metrics.ts), from the same SQL (src/analytics/dimensions.ts):
 *
 * - event dimensions key each event of the day by the event's own value (`page` page views only,
 *   `event` custom events only); sessions are the day's sessions that hold such an event;
 * - session dimensions key each event of the day by the value of its session (which may have started
 *   the day before), and the sessions that started that day by theirs;
 * - `goal` keys each event of the day by every goal it completes.
 *
 * Not rolled up: `lead_status` and `visitor_type` (they change after the fact), `prop:<key>`
 * (open-ended). Reports by them take the raw path.
 */
export const EVENT_DIMENSIONS = [
  'page',
  'hostname',
  'country',
  'region',
  'city',
  'device',
  'browser',
  'browser_version',
  'os',
  'os_version',
  'screen',
  'language',
  'visitor_class',
  'event',
] as const;
export type EventDimension = (typeof EVENT_DIMENSIONS)[number];

export const SESSION_DIMENSIONS = [
  'entry_page',
  'exit_page',
  'referrer',
  'referrer_host',
  'channel',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_term',
  'utm_content',
  'company',
] as const;
export type SessionDimension = (typeof SESSION_DIMENSIONS)[number];

export type RollupDimension = EventDimension | SessionDimension | 'goal';
export const ROLLUP_DIMENSIONS: readonly RollupDimension[] = [
  ...EVENT_DIMENSIONS,
  ...SESSION_DIMENSIONS,
  'goal',
];

export function isRollupDimension(name: string): name is RollupDimension {
  return (ROLLUP_DIMENSIONS as readonly string[]).includes(name);
}

/** The report dimension a rolled-up one stands for: its SQL and which events it counts. */
export function reportDimension(name: EventDimension | SessionDimension): Dimension {
  const dimension = dimensionOf(name);
  if (dimension === undefined) throw new Error(`${name} is no report dimension`);
  return dimension;
}

/** How a missing value (SQL NULL) is stored: rows of a dimension are keyed by text. */
export const NONE = '';
