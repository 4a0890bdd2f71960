import { Type, type Static } from 'typebox';
import type { Queryable } from '../db/pool.ts';
import { AppError } from '../errors.ts';
import type { Actor } from '../tenancy/auth/access-tokens.ts';
import { getSite } from '../tenancy/sites/get-site.ts';
import {
  COMPANY_COLUMNS,
  CompanySummary,
  LeadStatusSchema,
  toCompanySummary,
  type CompanyRow,
} from './company-record.ts';

/** Filters shared by the list and the CSV export. Each maps to one fixed SQL condition below. */
export const CompanyFilters = Type.Object({
  lead: Type.Optional(LeadStatusSchema),
  minScore: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
  maxScore: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
  country: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2}$', description: 'ISO 3166-1 alpha-2' })),
  industry: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  lastSeenAfter: Type.Optional(
    Type.String({ maxLength: 40, description: 'A date (2026-11-01) or date-time (2026-11-01T09:00:00Z)' }),
  ),
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Part of the name or domain' })),
  includeHidden: Type.Boolean({ default: false }),
  sort: Type.Union([Type.Literal('score'), Type.Literal('lastSeen'), Type.Literal('visits')], {
    default: 'score',
  }),
  order: Type.Union([Type.Literal('asc'), Type.Literal('desc')], { default: 'desc' }),
});
export type CompanyFilters = Static<typeof CompanyFilters>;

export const ListCompaniesQuery = Type.Object(
  {
    ...CompanyFilters.properties,
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    cursor: Type.Optional(Type.String({ maxLength: 300, description: 'nextCursor of the previous page' })),
  },
  { additionalProperties: false },
);
export type ListCompaniesQuery = Static<typeof ListCompaniesQuery>;

export const CompanyPage = Type.Object({
  companies: Type.Array(CompanySummary),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor`; null at the end' }),
});
export type CompanyPage = Static<typeof CompanyPage>;

/** The only columns a list may sort by. */
const SORT_COLUMNS = {
  score: { column: 'c.score', type: 'integer' },
  lastSeen: { column: 'c.last_seen_at', type: 'timestamptz' },
  visits: { column: 'c.visits', type: 'integer' },
} as const;

const DATE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2}))?$/;

/** `%`, `_` and `\` are literal in a search: `50%` finds "50%", not everything starting with 50. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

/**
 * WHERE conditions for the filters, each from a fixed template; values go to `params` and are
 * referenced by position, never spliced into the SQL. Throws a validation error naming the field
 * for values the schema cannot judge alone.
 */
export function companyConditions(
  siteId: string,
  filters: Partial<CompanyFilters>,
  params: unknown[],
): string[] {
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const conditions = [`c.site_id = ${param(siteId)}`];
  if (
    filters.minScore !== undefined &&
    filters.maxScore !== undefined &&
    filters.minScore > filters.maxScore
  ) {
    throw new AppError('validation_failed', 'maxScore must not be below minScore', { field: 'maxScore' });
  }
  if (filters.lead !== undefined) conditions.push(`c.lead_status = ${param(filters.lead)}`);
  if (filters.minScore !== undefined) conditions.push(`c.score >= ${param(filters.minScore)}`);
  if (filters.maxScore !== undefined) conditions.push(`c.score <= ${param(filters.maxScore)}`);
  if (filters.country !== undefined) conditions.push(`c.country = ${param(filters.country.toUpperCase())}`);
  if (filters.industry !== undefined) {
    conditions.push(`lower(c.industry) = lower(${param(filters.industry.trim())})`);
  }
  if (filters.lastSeenAfter !== undefined) {
    const after = new Date(filters.lastSeenAfter);
    if (!DATE.test(filters.lastSeenAfter) || Number.isNaN(after.getTime())) {
      throw new AppError(
        'validation_failed',
        'lastSeenAfter must be a date such as 2026-11-01 or a date-time',
        {
          field: 'lastSeenAfter',
        },
      );
    }
    conditions.push(`c.last_seen_at > ${param(after)}`);
  }
  if (filters.q !== undefined && filters.q.trim() !== '') {
    const pattern = param(likePattern(filters.q.trim()));
    conditions.push(`(c.name ILIKE ${pattern} ESCAPE '\\' OR c.domain ILIKE ${pattern} ESCAPE '\\')`);
  }
  if (filters.includeHidden !== true) conditions.push('NOT c.hidden');
  return conditions;
}

/** ORDER BY for a whitelisted sort; the id breaks ties, so keyset pages never skip or repeat. */
export function companyOrder(sort: CompanyFilters['sort'], order: CompanyFilters['order']): string {
  const direction = order === 'asc' ? 'ASC' : 'DESC';
  return `${SORT_COLUMNS[sort].column} ${direction}, c.id ${direction}`;
}

type Cursor = {
  sort: CompanyFilters['sort'];
  order: CompanyFilters['order'];
  value: number | string;
  id: string;
};

function sortValue(row: CompanyRow, sort: CompanyFilters['sort']): number | string {
  if (sort === 'score') return row.score;
  if (sort === 'visits') return row.visits;
  return row.last_seen_at.toISOString();
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.sort, cursor.order, cursor.value, cursor.id])).toString(
    'base64url',
  );
}

/** What sortValue writes for lastSeen: Date.toISOString of a year PostgreSQL stores (1 to 9999). */
const ISO_INSTANT = /^(\d{4})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** Company ids are prefixed base32 (newId). */
const COMPANY_ID = /^[0-9a-z_]{1,64}$/;
const INT4_MIN = -(2 ** 31);
const INT4_MAX = 2 ** 31 - 1;

/** Whether `value` is a sort value this sort's column can take, as a previous page wrote it. */
function isSortValue(sort: CompanyFilters['sort'], value: unknown): boolean {
  if (sort !== 'lastSeen') {
    return typeof value === 'number' && Number.isInteger(value) && value >= INT4_MIN && value <= INT4_MAX;
  }
  // JavaScript's Date also reads "2022", "Tue Mar 01 2022" or "+275760-09-13T00:00:00.000Z", which
  // PostgreSQL refuses or reads otherwise: only the exact form sortValue writes, of a real instant.
  if (typeof value !== 'string') return false;
  const match = ISO_INSTANT.exec(value);
  if (match === null || Number(match[1]) < 1) return false;
  const instant = new Date(value);
  return !Number.isNaN(instant.getTime()) && instant.toISOString() === value;
}

/**
 * The cursor of a previous page; it must have been made for the same sort and order. Everything
 * in it is checked as strictly as PostgreSQL will read it, so a forged cursor is a 400 naming
 * `cursor`, never a failed query.
 */
export function decodeCursor(
  text: string,
  sort: CompanyFilters['sort'],
  order: CompanyFilters['order'],
): Cursor {
  const invalid = (message: string) => new AppError('validation_failed', message, { field: 'cursor' });
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalid('cursor is not a nextCursor from a previous page');
  }
  if (!Array.isArray(parsed) || parsed.length !== 4)
    throw invalid('cursor is not a nextCursor from a previous page');
  const [cursorSort, cursorOrder, value, id] = parsed as unknown[];
  if (cursorSort !== sort || cursorOrder !== order) {
    throw invalid('cursor belongs to another sort or order; start again without it');
  }
  if (!isSortValue(sort, value) || typeof id !== 'string' || !COMPANY_ID.test(id)) {
    throw invalid('cursor is not a nextCursor from a previous page');
  }
  return { sort, order, value: value as number | string, id };
}

/** A page of the site's companies, filtered and sorted; hidden ones only when asked for. */
export async function listCompanies({
  db,
  actor,
  siteId,
  input,
}: {
  db: Queryable;
  actor: Actor;
  siteId: string;
  input: ListCompaniesQuery;
}): Promise<CompanyPage> {
  await getSite({ db, actor, siteId });
  const params: unknown[] = [];
  const conditions = companyConditions(siteId, input, params);
  if (input.cursor !== undefined) {
    const cursor = decodeCursor(input.cursor, input.sort, input.order);
    const { column, type } = SORT_COLUMNS[input.sort];
    params.push(cursor.value, cursor.id);
    const comparison = input.order === 'asc' ? '>' : '<';
    conditions.push(`(${column}, c.id) ${comparison} ($${params.length - 1}::${type}, $${params.length})`);
  }
  params.push(input.limit + 1);
  const { rows } = await db.query<CompanyRow>(
    `SELECT ${COMPANY_COLUMNS} FROM companies c
     WHERE ${conditions.join(' AND ')}
     ORDER BY ${companyOrder(input.sort, input.order)}
     LIMIT $${params.length}`,
    params,
  );
  const page = rows.slice(0, input.limit);
  const last = page[page.length - 1];
  return {
    companies: page.map(toCompanySummary),
    nextCursor:
      rows.length > input.limit && last !== undefined
        ? encodeCursor({
            sort: input.sort,
            order: input.order,
            value: sortValue(last, input.sort),
            id: last.id,
          })
        : null,
  };
}
