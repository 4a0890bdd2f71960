import type { SqlParams } from './sql-params.ts';

/** A goal as reports match it (src/analytics/goals/): an event name or a page pattern. */
export interface GoalDefinition {
  id: string;
  name: string;
  eventName: string | null;
  /** A path with `*` wildcards: page views of a matching page convert. */
  pagePattern: string | null;
  /** A custom property holding the conversion's amount; the event's `value` when null. */
  revenueProperty: string | null;
}

function pathPattern(pattern: string): string {
  return pattern.replace(/[\\%_]/g, (char) => `\\${char}`).replaceAll('*', '%');
}

/** SQL over `e`: whether the event completes this goal. */
export function goalCondition(
  goal: Pick<GoalDefinition, 'eventName' | 'pagePattern'>,
  params: SqlParams,
): string {
  if (goal.eventName !== null) return `(e.type = 'event' AND e.name = ${params.add(goal.eventName)})`;
  return `(e.type = 'pageview' AND e.path LIKE ${params.add(pathPattern(goal.pagePattern ?? ''))})`;
}

/**
 * SQL over `e`: the amount an event converting on `goal` is worth, or NULL. A property that is not
 * a plain number counts as no amount rather than failing the report.
 */
export function goalRevenue(goal: GoalDefinition, params: SqlParams): string {
  if (goal.revenueProperty === null) return 'e.value';
  const key = params.add(goal.revenueProperty);
  return `CASE WHEN (e.props ->> ${key}) ~ '^-?[0-9]+(\\.[0-9]+)?$' THEN (e.props ->> ${key})::numeric END`;
}

/**
 * What a conversion is for the site's reports: an event that completes any of its goals; with no
 * goals defined, a custom event that carries a value (`beacon('event', name, props, { value })`).
 * Answers the condition and the amount, both over `e`.
 */
export function conversionSql(
  goals: readonly GoalDefinition[],
  params: SqlParams,
): { condition: string; revenue: string } {
  if (goals.length === 0) {
    return { condition: `(e.type = 'event' AND e.value IS NOT NULL)`, revenue: 'e.value' };
  }
  const conditions = goals.map((goal) => goalCondition(goal, params));
  return {
    condition: `(${conditions.join(' OR ')})`,
    // The first goal an event completes decides its amount.
    revenue: `CASE ${goals.map((goal, index) => `WHEN ${conditions[index]} THEN ${goalRevenue(goal, params)}`).join(' ')} END`,
  };
}

/** Revenue as reports show it: per currency, never summed across currencies. */
export type Revenue = Record<string, number>;

/** A `[{currency, amount}]` JSON aggregate as a Revenue, amounts rounded to cents. */
export function toRevenue(rows: Array<{ currency: string | null; amount: number | string }> | null): Revenue {
  const revenue: Revenue = {};
  for (const row of rows ?? []) {
    const amount = Math.round(Number(row.amount) * 100) / 100;
    if (Number.isFinite(amount) && amount !== 0) revenue[row.currency ?? 'XXX'] = amount;
  }
  return revenue;
}
