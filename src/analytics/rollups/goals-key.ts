import { createHash } from 'node:crypto';
import type { GoalDefinition } from '../conversions.ts';

/**
 * What a day's conversions were computed with: a digest of each goal's name, event name, page
 * pattern and revenue property, in the order reports match them (goalDefinitions: oldest first).
 * The order is part of it because the first goal an event completes decides its amount; ids are
 * not, so goals deleted and created again the same, in the same order, keep the key. No goals is a
 * key of its own.
 */
export function goalsKey(goals: readonly GoalDefinition[]): string {
  const definition = JSON.stringify(
    goals.map((goal) => [goal.name, goal.eventName, goal.pagePattern, goal.revenueProperty]),
  );
  return `g1:${createHash('sha256').update(definition).digest('base64url')}`;
}
