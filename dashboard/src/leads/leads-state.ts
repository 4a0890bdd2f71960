/**
 * What the Leads list shows, kept in its URL so a filtered list can be shared or bookmarked:
 * `?lead=hot&q=acme&country=DE&industry=Software&minScore=40&seen=30d&hidden=1&sort=visits&order=asc`,
 * and `cursor` for a page after the first. Parsing is lenient: a value the API would refuse falls
 * back to its default instead of failing the page. The API's query parameters come from here too, so
 * the list and its CSV export always ask for the same companies.
 */

export const LEAD_STATUSES = ['hot', 'warm', 'cold'] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];

export const SORTS = ['score', 'lastSeen', 'visits'] as const;
export type LeadsSort = (typeof SORTS)[number];
export type SortOrder = 'asc' | 'desc';

/** "Last seen within": days back from now. */
export const SEEN_WITHIN = { '7d': 7, '30d': 30, '90d': 90 } as const;
export type SeenWithin = keyof typeof SEEN_WITHIN;

export interface LeadsState {
  lead?: LeadStatus;
  /** Part of the name or domain. */
  q?: string;
  /** ISO 3166-1 alpha-2, upper case. */
  country?: string;
  industry?: string;
  minScore?: number;
  seen?: SeenWithin;
  includeHidden: boolean;
  sort: LeadsSort;
  order: SortOrder;
  /** The API's nextCursor of the previous page; absent on the first page. */
  cursor?: string;
}

export const DEFAULT_LEADS: LeadsState = { includeHidden: false, sort: 'score', order: 'desc' };

/** Rows per page. */
export const PAGE_SIZE = 50;

/** The API's limits (src/companies/list-companies.ts): longer text is refused, so it is not kept. */
const MAX_TEXT = 100;
const MAX_CURSOR = 300;
const COUNTRY = /^[A-Za-z]{2}$/;

function text(value: string | null): string | undefined {
  const trimmed = value?.trim() ?? '';
  return trimmed === '' || trimmed.length > MAX_TEXT ? undefined : trimmed;
}

function oneOf<T extends string>(choices: readonly T[], value: string | null): T | undefined {
  return choices.find((choice) => choice === value);
}

function score(value: string | null): number | undefined {
  if (value === null || !/^\d{1,3}$/.test(value)) return undefined;
  const number = Number(value);
  return number <= 100 ? number : undefined;
}

export function parseLeadsState(search: string): LeadsState {
  const params = new URLSearchParams(search);
  const country = params.get('country') ?? '';
  const cursor = params.get('cursor') ?? '';
  const state: LeadsState = {
    lead: oneOf(LEAD_STATUSES, params.get('lead')),
    q: text(params.get('q')),
    country: COUNTRY.test(country) ? country.toUpperCase() : undefined,
    industry: text(params.get('industry')),
    minScore: score(params.get('minScore')),
    seen: oneOf(Object.keys(SEEN_WITHIN) as SeenWithin[], params.get('seen')),
    includeHidden: params.get('hidden') === '1',
    sort: oneOf(SORTS, params.get('sort')) ?? DEFAULT_LEADS.sort,
    order: params.get('order') === 'asc' ? 'asc' : 'desc',
    cursor: cursor !== '' && cursor.length <= MAX_CURSOR ? cursor : undefined,
  };
  return withoutUndefined(state);
}

function withoutUndefined(state: LeadsState): LeadsState {
  return Object.fromEntries(
    Object.entries(state).filter(([, value]) => value !== undefined),
  ) as unknown as LeadsState;
}

/** The query string of a list, `?…`; defaults are left out. */
export function serializeLeadsState(state: LeadsState): string {
  const params = new URLSearchParams();
  if (state.lead) params.set('lead', state.lead);
  if (state.q) params.set('q', state.q);
  if (state.country) params.set('country', state.country);
  if (state.industry) params.set('industry', state.industry);
  if (state.minScore !== undefined && state.minScore > 0) params.set('minScore', String(state.minScore));
  if (state.seen) params.set('seen', state.seen);
  if (state.includeHidden) params.set('hidden', '1');
  if (state.sort !== DEFAULT_LEADS.sort) params.set('sort', state.sort);
  if (state.order !== DEFAULT_LEADS.order) params.set('order', state.order);
  if (state.cursor) params.set('cursor', state.cursor);
  const query = params.toString();
  return query === '' ? '' : `?${query}`;
}

/** Whether the list is narrowed by anything (sorting and paging do not narrow it). */
export function isFiltered(state: LeadsState): boolean {
  return (
    state.lead !== undefined ||
    state.q !== undefined ||
    state.country !== undefined ||
    state.industry !== undefined ||
    (state.minScore ?? 0) > 0 ||
    state.seen !== undefined ||
    state.includeHidden
  );
}

/** The same sort and order, no filters, first page. */
export function withoutFilters(state: LeadsState): LeadsState {
  return { ...DEFAULT_LEADS, sort: state.sort, order: state.order };
}

/**
 * The list sorted by `sort`: a second click on the current column turns its order round; a new
 * column starts with the most (highest score, latest, most visits) first. Back to the first page.
 */
export function sortedBy(state: LeadsState, sort: LeadsSort): LeadsState {
  const order: SortOrder = state.sort === sort && state.order === 'desc' ? 'asc' : 'desc';
  return { ...state, sort, order, cursor: undefined };
}

/**
 * The filters and sort as the API's query parameters (the list's and the CSV export's): `seen`
 * becomes an instant relative to `now`.
 */
export function filterQuery(state: LeadsState, now: Date): Record<string, string> {
  const query: Record<string, string> = { sort: state.sort, order: state.order };
  if (state.lead) query.lead = state.lead;
  if (state.q) query.q = state.q;
  if (state.country) query.country = state.country;
  if (state.industry) query.industry = state.industry;
  if (state.minScore !== undefined && state.minScore > 0) query.minScore = String(state.minScore);
  if (state.seen) {
    query.lastSeenAfter = new Date(now.getTime() - SEEN_WITHIN[state.seen] * 86_400_000).toISOString();
  }
  if (state.includeHidden) query.includeHidden = 'true';
  return query;
}

/** A page of the list: the filters, the page size and the cursor. */
export function listQuery(state: LeadsState, now: Date): Record<string, string> {
  const query: Record<string, string> = { ...filterQuery(state, now), limit: String(PAGE_SIZE) };
  if (state.cursor) query.cursor = state.cursor;
  return query;
}
