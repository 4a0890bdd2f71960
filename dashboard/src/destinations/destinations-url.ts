/**
 * Which part of the Destinations tab is open, kept in the URL so a link or a reload lands on the same
 * destination, form or delivery filter: `?add=meta`, `?destination=dst_…&edit=1`,
 * `?destination=dst_…&log=dead`. Lenient: anything it does not know falls back to the list.
 */
import type { DestinationTypeName } from './destination-forms.ts';

export const LOG_FILTERS = ['all', 'pending', 'retrying', 'delivered', 'dead', 'skipped'] as const;
export type LogFilter = (typeof LOG_FILTERS)[number];

export type DestinationsPage =
  | { view: 'list' }
  | { view: 'add'; type: DestinationTypeName | undefined }
  | { view: 'destination'; id: string; edit: boolean; log: LogFilter };

const TYPES: readonly string[] = ['ga4', 'meta', 'google_ads', 'webhook'];

export function parsePage(search: string): DestinationsPage {
  const params = new URLSearchParams(search);
  const add = params.get('add');
  if (add !== null) {
    return { view: 'add', type: TYPES.includes(add) ? (add as DestinationTypeName) : undefined };
  }
  const id = params.get('destination');
  if (id !== null && id !== '') {
    const log = params.get('log');
    return {
      view: 'destination',
      id,
      edit: params.get('edit') === '1',
      log: (LOG_FILTERS as readonly string[]).includes(log ?? '') ? (log as LogFilter) : 'all',
    };
  }
  return { view: 'list' };
}

/** The query string of a page (`?…`, or empty for the list); defaults are left out. */
export function pageSearch(page: DestinationsPage): string {
  const params = new URLSearchParams();
  if (page.view === 'add') params.set('add', page.type ?? '');
  if (page.view === 'destination') {
    params.set('destination', page.id);
    if (page.edit) params.set('edit', '1');
    if (page.log !== 'all') params.set('log', page.log);
  }
  const query = params.toString();
  return query === '' ? '' : `?${query}`;
}
