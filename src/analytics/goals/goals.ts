import { Type, type Static } from 'typebox';
import { withTransaction, type Pool, type Queryable } from '../../db/pool.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../lib/ids.ts';
import type { Actor } from '../../tenancy/auth/access-tokens.ts';
import { recordAudit } from '../../tenancy/audit/record-audit.ts';
import { getSite } from '../../tenancy/sites/get-site.ts';
import type { GoalDefinition } from '../conversions.ts';

/** A site needs dozens of goals, not thousands: every report matches each event against all of them. */
export const MAX_GOALS_PER_SITE = 100;

export const Goal = Type.Object({
  id: Type.String(),
  name: Type.String(),
  eventName: Type.Union([Type.String(), Type.Null()]),
  pagePattern: Type.Union([Type.String(), Type.Null()]),
  revenueProperty: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
});
export type Goal = Static<typeof Goal>;

export const CreateGoalBody = Type.Object(
  {
    name: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 120,
        description: 'Defaults to the event name or page pattern',
      }),
    ),
    eventName: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'A custom event’s name' }),
    ),
    pagePattern: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 500,
        pattern: '^/',
        description: 'A path; `*` matches any run of characters (`/blog/*`, `/thank-you*`)',
      }),
    ),
    revenueProperty: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description:
          'The custom property holding the amount; without it, the event’s `value` (and `currency`)',
      }),
    ),
  },
  {
    additionalProperties: false,
    examples: [
      { eventName: 'purchase' },
      { name: 'Demo request', pagePattern: '/demo/thank-you*' },
      { name: 'Order', eventName: 'order_completed', revenueProperty: 'total' },
    ],
  },
);
export type CreateGoalBody = Static<typeof CreateGoalBody>;

interface GoalRow {
  id: string;
  name: string;
  event_name: string | null;
  page_pattern: string | null;
  revenue_property: string | null;
  created_at: Date;
}

const GOAL_COLUMNS = 'id, name, event_name, page_pattern, revenue_property, created_at';

function toGoal(row: GoalRow): Goal {
  return {
    id: row.id,
    name: row.name,
    eventName: row.event_name,
    pagePattern: row.page_pattern,
    revenueProperty: row.revenue_property,
    createdAt: row.created_at.toISOString(),
  };
}

/** The goals reports match events against, oldest first (the first goal an event completes sets its amount). */
export async function goalDefinitions(db: Queryable, siteId: string): Promise<GoalDefinition[]> {
  return (await goalDefinitionsBySite(db, siteId)).get(siteId) ?? [];
}

/** goalDefinitions of every site that has goals, or of one site when `siteId` is given. */
export async function goalDefinitionsBySite(
  db: Queryable,
  siteId: string | null,
): Promise<Map<string, GoalDefinition[]>> {
  const { rows } = await db.query<GoalRow & { site_id: string }>(
    `SELECT site_id, ${GOAL_COLUMNS} FROM goals WHERE $1::text IS NULL OR site_id = $1
     ORDER BY site_id, created_at, id`,
    [siteId],
  );
  const bySite = new Map<string, GoalDefinition[]>();
  for (const row of rows) {
    const goals = bySite.get(row.site_id) ?? [];
    goals.push({
      id: row.id,
      name: row.name,
      eventName: row.event_name,
      pagePattern: row.page_pattern,
      revenueProperty: row.revenue_property,
    });
    bySite.set(row.site_id, goals);
  }
  return bySite;
}

export async function listGoals({ db, actor, siteId }: { db: Queryable; actor: Actor; siteId: string }) {
  await getSite({ db, actor, siteId, access: 'read' });
  const { rows } = await db.query<GoalRow>(
    `SELECT ${GOAL_COLUMNS} FROM goals WHERE site_id = $1 ORDER BY created_at, id`,
    [siteId],
  );
  return rows.map(toGoal);
}

/** Adds a goal (anyone who may change the site's data). Exactly one of event name and page pattern. */
export async function createGoal({
  db,
  actor,
  siteId,
  input,
  ip,
}: {
  db: Pool;
  actor: Actor;
  siteId: string;
  input: CreateGoalBody;
  ip: string | undefined;
}): Promise<Goal> {
  if ((input.eventName === undefined) === (input.pagePattern === undefined)) {
    throw new AppError('validation_failed', 'eventName or pagePattern is required, not both', {
      field: input.eventName === undefined ? 'eventName' : 'pagePattern',
    });
  }
  await getSite({ db, actor, siteId, access: 'write' });
  const name = input.name ?? input.eventName ?? input.pagePattern!;
  return withTransaction(db, async (client) => {
    // Serialises goal creation per site, so the limit holds under concurrent requests.
    await client.query('SELECT 1 FROM sites WHERE id = $1 FOR UPDATE', [siteId]);
    const { rows: counted } = await client.query<{ goals: number }>(
      'SELECT count(*)::int AS goals FROM goals WHERE site_id = $1',
      [siteId],
    );
    if (counted[0]!.goals >= MAX_GOALS_PER_SITE) {
      throw new AppError('validation_failed', `A site may have at most ${MAX_GOALS_PER_SITE} goals`, {
        field: 'name',
      });
    }
    const { rows } = await client.query<GoalRow>(
      `INSERT INTO goals (id, site_id, name, event_name, page_pattern, revenue_property)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (site_id, name) DO NOTHING
       RETURNING ${GOAL_COLUMNS}`,
      [
        newId('goal'),
        siteId,
        name,
        input.eventName ?? null,
        input.pagePattern ?? null,
        input.revenueProperty ?? null,
      ],
    );
    if (rows[0] === undefined) {
      throw new AppError('conflict', `The site already has a goal named ${JSON.stringify(name)}`, {
        field: 'name',
      });
    }
    await recordAudit(client, {
      actor,
      action: 'goal.create',
      targetType: 'goal',
      targetId: rows[0].id,
      ip,
      details: { siteId, name },
    });
    return toGoal(rows[0]);
  });
}

export async function deleteGoal({
  db,
  actor,
  siteId,
  goalId,
  ip,
}: {
  db: Pool;
  actor: Actor;
  siteId: string;
  goalId: string;
  ip: string | undefined;
}): Promise<void> {
  await getSite({ db, actor, siteId, access: 'write' });
  await withTransaction(db, async (client) => {
    const { rows } = await client.query<{ name: string }>(
      'DELETE FROM goals WHERE site_id = $1 AND id = $2 RETURNING name',
      [siteId, goalId],
    );
    if (rows[0] === undefined) throw new AppError('not_found', 'Goal not found', { field: 'goalId' });
    await recordAudit(client, {
      actor,
      action: 'goal.delete',
      targetType: 'goal',
      targetId: goalId,
      ip,
      details: { siteId, name: rows[0].name },
    });
  });
}
