/**
 * What an overview shows, kept in the page's URL so that a view can be shared or bookmarked:
 * `?range=7d`, `?range=last-month`, `?range=custom&from=2026-11-01&to=2026-11-30`, `compare=off`
 * when the previous period is not compared, and `filters` in the shape the report API takes
 * (`[["is","country",["DE"]]]`). Parsing is lenient: a hand-edited or stale URL falls back to the
 * defaults instead of failing the page.
 */

export const RANGES = ['today', '7d', '30d', 'month', 'last-month', 'custom'] as const;
export type RangeKey = (typeof RANGES)[number];

export type FilterOperator = 'is' | 'is_not' | 'contains' | 'matches';
export type Filter = [operator: FilterOperator, dimension: string, values: string[]];

export interface ViewState {
  range: RangeKey;
  /** Only for `custom`: first and last day, YYYY-MM-DD in the site's time zone. */
  from?: string;
  to?: string;
  filters: Filter[];
  /** Whether reports also show the period of equal length just before (the API's compare=previous). */
  compare: boolean;
}

export const DEFAULT_VIEW: ViewState = { range: '7d', filters: [], compare: true };

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const OPERATORS: readonly string[] = ['is', 'is_not', 'contains', 'matches'];

function isFilter(value: unknown): value is Filter {
  if (!Array.isArray(value) || value.length !== 3) return false;
  const [operator, dimension, values] = value as unknown[];
  return (
    typeof operator === 'string' &&
    OPERATORS.includes(operator) &&
    typeof dimension === 'string' &&
    dimension !== '' &&
    Array.isArray(values) &&
    values.length > 0 &&
    values.every((item) => typeof item === 'string')
  );
}

function parseFilters(raw: string | null): Filter[] {
  if (raw === null || raw === '') return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? parsed.filter(isFilter) : [];
  } catch {
    return [];
  }
}

export function parseViewState(search: string): ViewState {
  const params = new URLSearchParams(search);
  const filters = parseFilters(params.get('filters'));
  const compare = params.get('compare') !== 'off';
  const range = params.get('range');
  if (range === 'custom') {
    const from = params.get('from') ?? '';
    const to = params.get('to') ?? '';
    if (DATE.test(from) && DATE.test(to) && from <= to) return { range, from, to, filters, compare };
    return { ...DEFAULT_VIEW, filters, compare };
  }
  if (range !== null && (RANGES as readonly string[]).includes(range)) {
    return { range: range as RangeKey, filters, compare };
  }
  return { ...DEFAULT_VIEW, filters, compare };
}

/** The query string of a view, `?…`; the default range is left out. */
export function serializeViewState(state: ViewState): string {
  const params = new URLSearchParams();
  if (state.range !== DEFAULT_VIEW.range) params.set('range', state.range);
  if (state.range === 'custom' && state.from && state.to) {
    params.set('from', state.from);
    params.set('to', state.to);
  }
  if (!state.compare) params.set('compare', 'off');
  if (state.filters.length > 0) params.set('filters', JSON.stringify(state.filters));
  const query = params.toString();
  return query === '' ? '' : `?${query}`;
}

/** YYYY-MM-DD moved by whole days (calendar arithmetic, no time zone involved). */
export function shiftDate(date: string, days: number): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

/** Today's date in a time zone, YYYY-MM-DD: reports count days in the site's zone, not the browser's. */
export function todayIn(timezone: string, now: Date): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
}

/** The report API's `from` and `to` (both days included) for a view, given today in the site's zone. */
export function rangeDates(state: ViewState, today: string): { from: string; to: string } {
  switch (state.range) {
    case 'today':
      return { from: today, to: today };
    case '30d':
      return { from: shiftDate(today, -29), to: today };
    case 'month':
      return { from: `${today.slice(0, 8)}01`, to: today };
    case 'last-month': {
      const lastDay = shiftDate(`${today.slice(0, 8)}01`, -1);
      return { from: `${lastDay.slice(0, 8)}01`, to: lastDay };
    }
    case 'custom':
      if (state.from && state.to) return { from: state.from, to: state.to };
      return { from: shiftDate(today, -6), to: today };
    case '7d':
      return { from: shiftDate(today, -6), to: today };
  }
}

/** A view on another range: a preset's own dates, so a custom range's are dropped. */
export function withRange(state: ViewState, range: Exclude<RangeKey, 'custom'>): ViewState {
  return { range, filters: state.filters, compare: state.compare };
}

/**
 * Filters after clicking `value` of `dimension`: an `is` filter on that dimension, replacing an
 * earlier `is` on it (a second click narrows to the new value instead of asking for both at once).
 */
export function withFilter(filters: Filter[], dimension: string, value: string): Filter[] {
  const others = filters.filter(([operator, name]) => !(operator === 'is' && name === dimension));
  return [...others, ['is', dimension, [value]]];
}

export function withoutFilter(filters: Filter[], index: number): Filter[] {
  return filters.filter((_, position) => position !== index);
}
