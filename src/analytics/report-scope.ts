import { filterCondition, type Filter } from './filters.ts';
import type { SqlParams } from './sql-params.ts';

/**
 * What a report counts, as two CTEs over the raw tables, for one site and window:
 *
 * - `scoped_events` (alias `e`): events that happened in the window (by `occurred_at`, so a late or
 *   backdated event lands on its own day), no bots, matching every event filter, in a session that
 *   matches every session filter;
 * - `scoped_sessions` (alias `s`): sessions that started in the window, no bots, matching every
 *   session filter and, when there are event filters, holding at least one matching event.
 *
 * Visitors and page views are counted on events, sessions, bounces and durations on sessions: a
 * session that crosses midnight counts once, on the day it started, while its page views count on
 * the days they happened.
 */
export interface ReportScope {
  siteId: string;
  from: Date;
  to: Date;
  filters: readonly Filter[];
}

export function scopeSql(scope: ReportScope, params: SqlParams): string {
  const site = params.add(scope.siteId);
  const from = params.add(scope.from);
  const to = params.add(scope.to);
  const sessionFilters = scope.filters.filter((filter) => filter.dimension.level === 'session');
  const eventFilters = scope.filters.filter((filter) => filter.dimension.level === 'event');
  const eventConditions = eventFilters.map((filter) => filterCondition(filter, params));
  const sessionConditions = sessionFilters.map((filter) => filterCondition(filter, params));
  const withSessionFilters = sessionConditions.length > 0;
  return `scoped_events AS (
    SELECT e.site_id, e.id, e.type, e.name, e.path, e.visitor_id, e.session_id, e.occurred_at, e.value,
           e.currency, e.props, e.hostname, e.country, e.region, e.city, e.device_type, e.browser_name,
           e.browser_version, e.os_name, e.os_version, e.screen_width, e.screen_height, e.language,
           e.visitor_class
    FROM events e
    ${withSessionFilters ? 'JOIN sessions s ON s.site_id = e.site_id AND s.id = e.session_id' : ''}
    WHERE e.site_id = ${site} AND e.occurred_at >= ${from} AND e.occurred_at < ${to} AND NOT e.is_bot
      ${[...eventConditions, ...sessionConditions].map((condition) => `AND ${condition}`).join('\n      ')}
  ),
  scoped_sessions AS (
    SELECT s.* FROM sessions s
    WHERE s.site_id = ${site} AND s.started_at >= ${from} AND s.started_at < ${to} AND NOT s.is_bot
      ${sessionConditions.map((condition) => `AND ${condition}`).join('\n      ')}
      ${
        eventConditions.length === 0
          ? ''
          : `AND EXISTS (SELECT 1 FROM events e WHERE e.site_id = s.site_id AND e.session_id = s.id AND NOT e.is_bot
               ${eventConditions.map((condition) => `AND ${condition}`).join(' ')})`
      }
  )`;
}
