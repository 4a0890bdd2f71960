import { afterAll, describe, expect, inject, it } from 'vitest';
import { createPool } from '../../db/pool.ts';
import { conversionSql, goalCondition, goalRevenue, type GoalDefinition } from '../conversions.ts';
import { SqlParams } from '../sql-params.ts';
import { goalMatcher, revenueProperties, type MatchableEvent } from './goal-matcher.ts';

const db = createPool({ connectionString: inject('databaseUrl'), max: 2 });
afterAll(() => db.end());

interface TestEvent {
  type: string;
  name?: string | null;
  path?: string | null;
  value?: string | null;
  props?: unknown;
}

const eventGoal = (name: string, revenueProperty: string | null = null): GoalDefinition => ({
  id: `goal_${name}_${revenueProperty}`,
  name: `${name} ${revenueProperty ?? 'value'}`,
  eventName: name,
  pagePattern: null,
  revenueProperty,
});
const pageGoal = (pagePattern: string): GoalDefinition => ({
  id: `goal_${pagePattern}`,
  name: pagePattern,
  eventName: null,
  pagePattern,
  revenueProperty: null,
});

const purchase = eventGoal('purchase');
const total = eventGoal('purchase', 'total');

/** [case, goals, event, converts, amount (as a number), names of the goals it completes] */
const CASES: Array<[string, GoalDefinition[], TestEvent, boolean, number | null, string[]]> = [
  [
    'no goals: a custom event with a value',
    [],
    { type: 'event', name: 'x', value: '12.5000' },
    true,
    12.5,
    [],
  ],
  ['no goals: a custom event without one', [], { type: 'event', name: 'x' }, false, null, []],
  [
    'no goals: a page view with a value',
    [],
    { type: 'pageview', path: '/', value: '3.0000' },
    false,
    null,
    [],
  ],
  [
    'an event goal by its name',
    [purchase],
    { type: 'event', name: 'purchase', value: '9.9900' },
    true,
    9.99,
    [purchase.name],
  ],
  [
    'an event goal without a value',
    [purchase],
    { type: 'event', name: 'purchase' },
    true,
    null,
    [purchase.name],
  ],
  [
    'event names are case-sensitive',
    [purchase],
    { type: 'event', name: 'Purchase', value: '1.0000' },
    false,
    null,
    [],
  ],
  [
    'a page view named like the event',
    [purchase],
    { type: 'pageview', name: 'purchase', path: '/' },
    false,
    null,
    [],
  ],
  [
    'a page pattern with a trailing *',
    [pageGoal('/thanks*')],
    { type: 'pageview', path: '/thanks/42' },
    true,
    null,
    ['/thanks*'],
  ],
  [
    '* matches nothing too',
    [pageGoal('/thanks*')],
    { type: 'pageview', path: '/thanks' },
    true,
    null,
    ['/thanks*'],
  ],
  [
    'page patterns are case-sensitive',
    [pageGoal('/Thanks*')],
    { type: 'pageview', path: '/thanks' },
    false,
    null,
    [],
  ],
  [
    'a pattern without * is the whole path',
    [pageGoal('/exact')],
    { type: 'pageview', path: '/exact/' },
    false,
    null,
    [],
  ],
  ['% is literal', [pageGoal('/100%*')], { type: 'pageview', path: '/100%off' }, true, null, ['/100%*']],
  ['% matches only itself', [pageGoal('/100%*')], { type: 'pageview', path: '/100xoff' }, false, null, []],
  ['_ is literal', [pageGoal('/sale_*')], { type: 'pageview', path: '/saleX1' }, false, null, []],
  ['_ matches itself', [pageGoal('/sale_*')], { type: 'pageview', path: '/sale_1' }, true, null, ['/sale_*']],
  ['\\ is literal', [pageGoal('/a\\b*')], { type: 'pageview', path: '/a\\bc' }, true, null, ['/a\\b*']],
  ['\\ escapes nothing', [pageGoal('/a\\b*')], { type: 'pageview', path: '/ab' }, false, null, []],
  ['* spans newlines', [pageGoal('/x*y')], { type: 'pageview', path: '/x\n\ny' }, true, null, ['/x*y']],
  [
    'several stars in order',
    [pageGoal('/a*b*c')],
    { type: 'pageview', path: '/aXbYc' },
    true,
    null,
    ['/a*b*c'],
  ],
  ['several stars out of order', [pageGoal('/a*b*c')], { type: 'pageview', path: '/acb' }, false, null, []],
  [
    'prefix and suffix may not overlap',
    [pageGoal('/ab*ba')],
    { type: 'pageview', path: '/aba' },
    false,
    null,
    [],
  ],
  [
    'a middle part must fit before the suffix',
    [pageGoal('/*ab*b')],
    { type: 'pageview', path: '/ab' },
    false,
    null,
    [],
  ],
  ['stars side by side', [pageGoal('/**x')], { type: 'pageview', path: '/yx' }, true, null, ['/**x']],
  [
    'a page pattern on a custom event',
    [pageGoal('/thanks*')],
    { type: 'event', name: 'x', path: '/thanks' },
    false,
    null,
    [],
  ],
  ['a page view without a path', [pageGoal('*')], { type: 'pageview', path: null }, false, null, []],
  ['non-ASCII paths', [pageGoal('/caf*/ü')], { type: 'pageview', path: '/café/ü' }, true, null, ['/caf*/ü']],
  [
    'a revenue property as a string',
    [total],
    { type: 'event', name: 'purchase', value: '1.0000', props: { total: '12.50' } },
    true,
    12.5,
    [total.name],
  ],
  [
    'a revenue property as a number',
    [total],
    { type: 'event', name: 'purchase', props: { total: 7.25 } },
    true,
    7.25,
    [total.name],
  ],
  [
    'a negative revenue property',
    [total],
    { type: 'event', name: 'purchase', props: { total: '-3' } },
    true,
    -3,
    [total.name],
  ],
  [
    'leading zeros',
    [total],
    { type: 'event', name: 'purchase', props: { total: '007' } },
    true,
    7,
    [total.name],
  ],
  [
    'an exponent is no plain number',
    [total],
    { type: 'event', name: 'purchase', props: { total: '1e3' } },
    true,
    null,
    [total.name],
  ],
  [
    'a trailing dot',
    [total],
    { type: 'event', name: 'purchase', props: { total: '12.' } },
    true,
    null,
    [total.name],
  ],
  [
    'a space',
    [total],
    { type: 'event', name: 'purchase', props: { total: ' 12' } },
    true,
    null,
    [total.name],
  ],
  [
    'a trailing newline',
    [total],
    { type: 'event', name: 'purchase', props: { total: '12\n' } },
    true,
    null,
    [total.name],
  ],
  [
    'non-ASCII digits',
    [total],
    { type: 'event', name: 'purchase', props: { total: '١٢' } },
    true,
    null,
    [total.name],
  ],
  [
    'an object',
    [total],
    { type: 'event', name: 'purchase', props: { total: { a: 1 } } },
    true,
    null,
    [total.name],
  ],
  [
    'the property missing (not the value)',
    [total],
    { type: 'event', name: 'purchase', value: '5.0000', props: { other: '1' } },
    true,
    null,
    [total.name],
  ],
  [
    'no props at all',
    [total],
    { type: 'event', name: 'purchase', value: '5.0000' },
    true,
    null,
    [total.name],
  ],
  [
    'the first goal completed decides the amount',
    [total, purchase],
    { type: 'event', name: 'purchase', value: '5.0000', props: {} },
    true,
    null,
    [total.name, purchase.name],
  ],
  [
    'in either order',
    [purchase, total],
    { type: 'event', name: 'purchase', value: '5.0000', props: { total: '8' } },
    true,
    5,
    [purchase.name, total.name],
  ],
  [
    'an event completing none of the goals',
    [purchase, pageGoal('/x')],
    { type: 'event', name: 'signup', value: '5.0000' },
    false,
    null,
    [],
  ],
];

/** What conversions.ts's SQL answers for one event, and the property texts the job would read. */
async function inPostgres(goals: readonly GoalDefinition[], event: TestEvent) {
  const params = new SqlParams();
  const row = [
    params.add(event.type),
    params.add(event.name ?? null),
    params.add(event.path ?? null),
    params.add(event.value ?? null),
    params.add(event.props === undefined ? null : JSON.stringify(event.props)),
  ];
  const conversion = conversionSql(goals, params);
  const completions = goals.map(
    (goal) =>
      `CASE WHEN ${goalCondition(goal, params)} THEN (${goalRevenue(goal, params)})::numeric::text ELSE 'none' END`,
  );
  const properties = revenueProperties(goals);
  const { rows } = await db.query<{
    converts: boolean;
    amount: string | null;
    completions: string[];
    texts: Array<string | null>;
  }>(
    `SELECT coalesce(${conversion.condition}, false) AS converts,
            CASE WHEN ${conversion.condition} THEN (${conversion.revenue})::numeric::text END AS amount,
            ARRAY[${completions.join(', ') || `NULL`}]::text[] AS completions,
            ARRAY[${properties.map((key) => `e.props ->> ${params.add(key)}`).join(', ')}]::text[] AS texts
     FROM (VALUES (${row[0]}::text, ${row[1]}::text, ${row[2]}::text, ${row[3]}::numeric(18, 4), ${row[4]}::jsonb))
       AS e(type, name, path, value, props)`,
    params.values,
  );
  const answer = rows[0]!;
  return {
    converts: answer.converts,
    amount: answer.amount,
    completions: goals.flatMap((goal, at) =>
      answer.completions[at] === 'none' ? [] : [{ name: goal.name, amount: answer.completions[at] ?? null }],
    ),
    props: Object.fromEntries(properties.map((key, at) => [key, answer.texts[at] ?? null])),
  };
}

const asNumber = (amount: string | null) => (amount === null ? null : Number(amount));

describe('goalMatcher', () => {
  it.each(CASES)(
    '%s: as conversions.ts in PostgreSQL',
    async (_, goals, event, converts, amount, completes) => {
      const sql = await inPostgres(goals, event);
      const matchable: MatchableEvent = {
        type: event.type,
        name: event.name ?? null,
        path: event.path ?? null,
        value: event.value ?? null,
        props: sql.props,
      };
      const matcher = goalMatcher(goals);
      const code = matcher.conversion(matchable);
      const codeCompletions = matcher
        .completions(matchable)
        .map((completion) => ({ name: completion.goal.name, amount: asNumber(completion.amount) }));

      expect({ converts: sql.converts, amount: asNumber(sql.amount) }, 'SQL').toEqual({ converts, amount });
      expect({ converts: code.converts, amount: asNumber(code.amount) }, 'code').toEqual({
        converts,
        amount,
      });
      expect(sql.completions.map((completion) => completion.name)).toEqual(completes);
      expect(codeCompletions).toEqual(
        sql.completions.map((completion) => ({ ...completion, amount: asNumber(completion.amount) })),
      );
    },
  );

  describe('robustness to invalid data', () => {
    it('matches a huge path against a pattern of many stars in linear time (backtracking would not finish within the timeout)', () => {
      const pattern = `/${'a*'.repeat(200)}z`;
      const matcher = goalMatcher([pageGoal(pattern)]);
      const event = { type: 'pageview', name: null, value: null, props: {}, path: `/${'a'.repeat(100_000)}` };
      expect(matcher.conversion(event).converts).toBe(false);
      expect(matcher.conversion({ ...event, path: `${event.path}z` }).converts).toBe(true);
    });

    it('takes an empty path, and an event of an unknown type', () => {
      const matcher = goalMatcher([pageGoal('*'), purchase]);
      const none = { name: null, value: null, props: {} };
      expect(matcher.conversion({ ...none, type: 'pageview', path: '' }).converts).toBe(true);
      expect(matcher.conversion({ ...none, type: 'identify', path: '/', name: 'purchase' }).converts).toBe(
        false,
      );
    });

    it('lists each revenue property once', () => {
      expect(
        revenueProperties([total, purchase, eventGoal('order', 'total'), eventGoal('x', 'net')]),
      ).toEqual(['total', 'net']);
    });
  });
});
