import type { GoalDefinition } from '../conversions.ts';

/** What matching an event against goals reads of it; `props` holds the texts of the revenue properties. */
export interface MatchableEvent {
  type: string;
  name: string | null;
  path: string | null;
  /** numeric(18, 4) as PostgreSQL sends it. */
  value: string | null;
  /** `props ->> key` for every revenue property the goals name; a key absent here has no amount. */
  props: Readonly<Record<string, string | null>>;
}

/** A decimal amount as text (`-12.5`), exactly as PostgreSQL would compute it. */
export type Amount = string;

export interface GoalMatcher {
  /** Whether the event is a conversion for the site's reports, and its amount (conversionSql). */
  conversion(event: MatchableEvent): { converts: boolean; amount: Amount | null };
  /** Every goal the event completes, with the amount it is worth to that goal (goalCondition, goalRevenue). */
  completions(event: MatchableEvent): Array<{ goal: GoalDefinition; amount: Amount | null }>;
}

/** `LIKE` over a goal's page pattern: `*` any run of characters, everything else literal, case-sensitive. */
function pathMatcher(pattern: string): (path: string) => boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return (path) => path === pattern;
  const first = parts[0]!;
  const last = parts.at(-1)!;
  const middle = parts.slice(1, -1).filter((part) => part !== '');
  return (path) => {
    if (path.length < first.length + last.length || !path.startsWith(first) || !path.endsWith(last)) {
      return false;
    }
    // The leftmost place of each middle part leaves the most room for the rest.
    let at = first.length;
    const end = path.length - last.length;
    for (const part of middle) {
      const found = path.indexOf(part, at);
      if (found === -1 || found + part.length > end) return false;
      at = found + part.length;
    }
    return true;
  };
}

/** goalRevenue's test for a revenue property: a plain decimal number, else no amount. */
const PLAIN_NUMBER = /^-?[0-9]+(\.[0-9]+)?$/;

/**
 * The conversions of src/analytics/conversions.ts in code, for the roll-up job: the same events
 * convert, complete each goal and carry the same amounts as the SQL finds (goal-matcher.test.ts
 * holds both to one table of cases).
 */
export function goalMatcher(goals: readonly GoalDefinition[]): GoalMatcher {
  const matchers = goals.map((goal) => {
    const completes: (event: MatchableEvent) => boolean =
      goal.eventName !== null
        ? (event) => event.type === 'event' && event.name === goal.eventName
        : (
            (matches) => (event: MatchableEvent) =>
              event.type === 'pageview' && event.path !== null && matches(event.path)
          )(pathMatcher(goal.pagePattern ?? ''));
    const property = goal.revenueProperty;
    const amount = (event: MatchableEvent): Amount | null => {
      if (property === null) return event.value;
      const text = event.props[property] ?? null;
      return text !== null && PLAIN_NUMBER.test(text) ? text : null;
    };
    return { goal, completes, amount };
  });
  return {
    conversion(event) {
      if (matchers.length === 0) {
        const converts = event.type === 'event' && event.value !== null;
        return { converts, amount: converts ? event.value : null };
      }
      // The first goal an event completes decides its amount.
      const first = matchers.find((matcher) => matcher.completes(event));
      return first === undefined
        ? { converts: false, amount: null }
        : { converts: true, amount: first.amount(event) };
    },
    completions(event) {
      return matchers
        .filter((matcher) => matcher.completes(event))
        .map((matcher) => ({ goal: matcher.goal, amount: matcher.amount(event) }));
    },
  };
}

/** The property keys whose values the goals' amounts read. */
export function revenueProperties(goals: readonly GoalDefinition[]): string[] {
  return [...new Set(goals.flatMap((goal) => (goal.revenueProperty === null ? [] : [goal.revenueProperty])))];
}
