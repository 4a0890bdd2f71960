import { withTransaction, type Pool } from '../../db/pool.ts';
import { scopeSql, type ReportScope } from '../report-scope.ts';
import { SqlParams } from '../sql-params.ts';
import { stepCondition, type FunnelDefinition } from './funnel-definition.ts';

/** How far visitors got through a funnel, step by step. */
export interface FunnelCounts {
  /** Visitors who reached each step: took it and every step before, in order, within the window. */
  visitors: number[];
  /**
   * Per step, the median over the visitors who reached it of the shortest time, in seconds, from a
   * first step of theirs to this step along the funnel (null for the first step and for a step
   * nobody reached).
   */
  medianSeconds: Array<number | null>;
}

/**
 * Counts a funnel exactly on the events in scope (`scoped_events`: the window, the filters, no
 * bots). A visitor reaches step k when events of theirs take steps 1..k in that order, each strictly
 * after the previous one, the last at most `windowMinutes` after the first. Events are ordered by
 * `occurred_at`; events of the same instant count in the funnel's order (one taking step 1 before
 * one that does not, then likewise for step 2, …), so the answer depends on nothing but the events.
 * One event takes at most one step of a chain, even when it matches several.
 *
 * How: of all the chains of a visitor that take steps 1..k in order and end at a given event, the
 * one that started last has the most room in the window, and only it needs checking (the steps of
 * a chain come in time order, so the window holds for all of them when it holds for the last). That
 * latest start is, for an event taking step 2, the latest step-1 event before it; for an event
 * taking step k, the latest of those latest starts over the step-(k-1) events before it. So one
 * ordered pass per step carries it forward (a running maximum over the earlier rows), and a visitor
 * reaches step k when some event of theirs takes it no later than the window after its latest
 * start. Every start is thus considered: a visitor whose first step-1 event cannot finish in time
 * but a later one can is counted. The time to a step is that event's distance from its latest
 * start, the shortest over the visitor's events taking it.
 */
export async function countFunnel(
  db: Pool,
  scope: ReportScope,
  funnel: FunnelDefinition,
): Promise<FunnelCounts> {
  const params = new SqlParams();
  const scoped = scopeSql(scope, params);
  const conditions = funnel.steps.map((step) => stepCondition(step, params));
  const window = `(${params.add(funnel.windowMinutes)}::int * interval '1 minute')`;
  const steps = conditions.map((_, index) => index + 1);
  const later = steps.slice(1);
  // Events of the same instant count in the funnel's order; rows equal in this order are alike.
  const order = ['occurred_at', ...steps.map((step) => `takes_${step} DESC`)].join(', ');
  // start_k: on each row, the latest start of a chain taking steps 1..k-1 strictly before the row.
  const started = later.map((step) => {
    const source = step === 2 ? 'matched' : `started_${step - 1}`;
    const startOfPrevious = step === 2 ? 'occurred_at' : `start_${step - 1}`;
    return `started_${step} AS (
       SELECT *, max(${startOfPrevious}) FILTER (WHERE takes_${step - 1}) OVER (
                   PARTITION BY visitor_id ORDER BY ${order}
                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS start_${step}
       FROM ${source})`;
  });
  const tookSteps = later.map(
    (step) =>
      `min(occurred_at - start_${step}) FILTER (WHERE takes_${step} AND occurred_at <= start_${step} + ${window}) AS took_${step}`,
  );
  const stepTotals = later.map(
    (step) => `count(took_${step})::int AS visitors_${step},
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM took_${step})) AS median_${step}`,
  );
  const sql = `WITH ${scoped},
     matched AS (
       SELECT e.visitor_id, e.occurred_at,
              ${conditions.map((condition, index) => `coalesce(${condition}, false) AS takes_${index + 1}`).join(',\n              ')}
       FROM scoped_events e
       WHERE e.visitor_id IS NOT NULL AND (${conditions.join(' OR ')})
     ),
     ${started.join(',\n     ')},
     visitors AS (
       SELECT bool_or(takes_1) AS reached_1, ${tookSteps.join(',\n              ')}
       FROM started_${steps.length}
       GROUP BY visitor_id
     )
     SELECT count(*) FILTER (WHERE reached_1)::int AS visitors_1, ${stepTotals.join(',\n            ')}
     FROM visitors`;
  const { rows } = await withTransaction(db, async (client) => {
    // The plan costs far more than jit_above_cost on a busy site, and compiling it took longer than
    // running it (1-2 s more for a 3-step funnel over 1 M events); nothing here gains from it.
    await client.query('SET LOCAL jit = off');
    return client.query<Record<string, number | null>>(sql, params.values);
  });
  const row = rows[0]!;
  return {
    visitors: steps.map((step) => row[`visitors_${step}`] ?? 0),
    medianSeconds: steps.map((step) => {
      const median = step === 1 ? null : row[`median_${step}`];
      return median === null || median === undefined ? null : Math.round(Number(median));
    }),
  };
}
