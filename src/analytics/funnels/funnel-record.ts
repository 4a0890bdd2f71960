import { Type, type Static } from 'typebox';
import type { Queryable } from '../../db/pool.ts';
import { AppError } from '../../errors.ts';
import { FunnelStep, FunnelSteps, FunnelWindow, type FunnelDefinition } from './funnel-definition.ts';

/** A site keeps the funnels its team watches, not thousands: lists and the dashboard show them all. */
export const MAX_FUNNELS_PER_SITE = 100;

const FunnelName = Type.String({ minLength: 1, maxLength: 120, description: 'Unique within the site' });

export const Funnel = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    steps: Type.Array(FunnelStep),
    window: Type.Integer({ description: 'Minutes from the first step within which the others must happen' }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  {
    examples: [
      {
        id: 'fnl_06h47n9d03txgc8vxve8gpt4kr',
        name: 'Signup',
        steps: [{ page: '/pricing', label: 'Pricing' }, { page: '/signup*' }, { event: 'signup' }],
        window: 1440,
        createdAt: '2026-12-05T10:00:00.000Z',
        updatedAt: '2026-12-05T10:00:00.000Z',
      },
    ],
  },
);
export type Funnel = Static<typeof Funnel>;

export const CreateFunnelBody = Type.Object(
  { name: FunnelName, steps: FunnelSteps, window: Type.Optional(FunnelWindow) },
  {
    additionalProperties: false,
    examples: [
      {
        name: 'Signup',
        steps: [{ page: '/pricing', label: 'Pricing' }, { page: '/signup*' }, { event: 'signup' }],
      },
      {
        name: 'Demo request within an hour',
        steps: [{ page: '/demo' }, { event: 'demo_requested' }],
        window: 60,
      },
    ],
  },
);
export type CreateFunnelBody = Static<typeof CreateFunnelBody>;

export const UpdateFunnelBody = Type.Object(
  { name: Type.Optional(FunnelName), steps: Type.Optional(FunnelSteps), window: Type.Optional(FunnelWindow) },
  {
    additionalProperties: false,
    description: 'Fields given replace the stored ones',
    examples: [{ name: 'Signup (new form)' }, { window: 10080 }],
  },
);
export type UpdateFunnelBody = Static<typeof UpdateFunnelBody>;

/** A `funnels` row as the queries read it. */
export interface FunnelRow {
  id: string;
  name: string;
  steps: FunnelStep[];
  window_minutes: number;
  created_at: Date;
  updated_at: Date;
}

export const FUNNEL_COLUMNS = 'id, name, steps, window_minutes, created_at, updated_at';

export function toFunnel(row: FunnelRow): Funnel {
  return {
    id: row.id,
    name: row.name,
    steps: row.steps,
    window: row.window_minutes,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export function definitionOf(row: FunnelRow): FunnelDefinition {
  return { steps: row.steps, windowMinutes: row.window_minutes };
}

/** A funnel of the site; another site's, or none, is 404. */
export async function findFunnelRow(
  db: Queryable,
  siteId: string,
  funnelId: string,
  lock = false,
): Promise<FunnelRow> {
  const { rows } = await db.query<FunnelRow>(
    `SELECT ${FUNNEL_COLUMNS} FROM funnels WHERE site_id = $1 AND id = $2${lock ? ' FOR UPDATE' : ''}`,
    [siteId, funnelId],
  );
  if (rows[0] === undefined) throw new AppError('not_found', 'Funnel not found', { field: 'funnelId' });
  return rows[0];
}

/** The 409 for a name the site already uses, from the unique constraint a write ran into. */
export function nameTakenError(error: unknown, name: string): AppError | undefined {
  const { code, constraint } = error as { code?: string; constraint?: string };
  if (code !== '23505' || constraint !== 'funnels_site_id_name_key') return undefined;
  return new AppError('conflict', `The site already has a funnel named ${JSON.stringify(name)}`, {
    field: 'name',
  });
}
