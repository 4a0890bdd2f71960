import { AppError } from '../errors.ts';
import { isStorableText } from '../ingest/storable-text.ts';
import { dimensionOf, NONE, propKeyOf, type Dimension } from './dimensions.ts';
import type { SqlParams } from './sql-params.ts';

export const FILTER_OPERATORS = ['is', 'is_not', 'contains', 'matches'] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

export interface Filter {
  operator: FilterOperator;
  dimension: Dimension;
  values: string[];
}

const MAX_FILTERS = 20;
const MAX_VALUES = 100;
const MAX_VALUE_LENGTH = 500;

const refuse = (field: string, message: string): never => {
  throw new AppError('validation_failed', `${field} ${message}`, { field });
};

/**
 * `filters` as Plausible takes them: a JSON array of `[operator, dimension, [values…]]`, e.g.
 * `[["is","country",["DE","AT"]],["contains","page",["/blog"]]]`. Values of one filter are
 * alternatives; filters all hold together. Every problem is a 400 naming its place, `filters.1.2`.
 */
export function parseFilters(raw: string | undefined): Filter[] {
  if (raw === undefined || raw.trim() === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return refuse('filters', 'must be a JSON array such as [["is","country",["DE"]]]');
  }
  if (!Array.isArray(parsed))
    return refuse('filters', 'must be a JSON array such as [["is","country",["DE"]]]');
  if (parsed.length > MAX_FILTERS) return refuse('filters', `may hold at most ${MAX_FILTERS} filters`);
  return parsed.map((entry: unknown, index): Filter => {
    const at = `filters.${index}`;
    if (!Array.isArray(entry) || entry.length !== 3) {
      return refuse(at, 'must be [operator, dimension, [values…]]');
    }
    const [operator, name, values] = entry as [unknown, unknown, unknown];
    if (typeof operator !== 'string' || !(FILTER_OPERATORS as readonly string[]).includes(operator)) {
      return refuse(`${at}.0`, `must be one of ${FILTER_OPERATORS.join(', ')}`);
    }
    const dimension = typeof name === 'string' ? dimensionOf(name) : undefined;
    if (dimension === undefined) return refuse(`${at}.1`, 'is not a dimension reports know');
    if (!Array.isArray(values) || values.length === 0 || values.length > MAX_VALUES) {
      return refuse(`${at}.2`, `must be a list of 1 to ${MAX_VALUES} values`);
    }
    values.forEach((value: unknown, position) => {
      if (typeof value !== 'string' || value.length === 0 || value.length > MAX_VALUE_LENGTH) {
        refuse(`${at}.2.${position}`, `must be a string of 1 to ${MAX_VALUE_LENGTH} characters`);
      }
      // No stored value holds these, and PostgreSQL would fail the report on a NUL.
      if (!isStorableText(value as string)) {
        refuse(`${at}.2.${position}`, 'must not contain a NUL character or an unpaired surrogate');
      }
    });
    return { operator: operator as FilterOperator, dimension, values: values as string[] };
  });
}

/** `*` of a `matches` pattern is any run of characters; LIKE's own wildcards are taken literally. */
function likePattern(value: string, kind: 'contains' | 'matches'): string {
  const escaped = value.replace(/[\\%_]/g, (char) => `\\${char}`);
  return kind === 'contains' ? `%${escaped}%` : escaped.replaceAll('*', '%');
}

/** The SQL of a dimension, its `prop:` key bound as a parameter. */
export function dimensionSql(dimension: Dimension, params: SqlParams): string {
  const key = propKeyOf(dimension);
  return key === undefined ? dimension.sql : dimension.sql.replace('$key', params.add(key));
}

/**
 * A filter as an SQL condition over `s`/`e`. `is` and `is_not` take `(none)` for a missing value;
 * `contains` ignores case, `matches` is the whole value with `*` wildcards.
 */
export function filterCondition(filter: Filter, params: SqlParams): string {
  const column = dimensionSql(filter.dimension, params);
  if (filter.operator === 'contains' || filter.operator === 'matches') {
    const patterns = filter.values.map((value) =>
      likePattern(value, filter.operator as 'contains' | 'matches'),
    );
    return `${column} ${filter.operator === 'contains' ? 'ILIKE' : 'LIKE'} ANY(${params.add(patterns)}::text[])`;
  }
  const present = filter.values.filter((value) => value !== NONE);
  const alternatives = [
    ...(present.length > 0 ? [`${column} = ANY(${params.add(present)}::text[])`] : []),
    ...(present.length < filter.values.length ? [`${column} IS NULL`] : []),
  ];
  const is = `(${alternatives.join(' OR ')})`;
  return filter.operator === 'is' ? is : `NOT coalesce(${is}, false)`;
}
