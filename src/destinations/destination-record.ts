import { Type, type Static } from 'typebox';
import type { DestinationType, EventRule } from './destination-type.ts';
import { visibleConfig, type StoredConfig } from './destination-secrets.ts';

/** A `destinations` row as the queries read it. */
export interface DestinationRow {
  id: string;
  site_id: string;
  type: string;
  name: string;
  enabled: boolean;
  config: Record<string, unknown>;
  secrets: Record<string, string>;
  events: EventRule[] | null;
  created_at: Date;
  updated_at: Date;
}

export const DESTINATION_COLUMNS =
  'id, site_id, type, name, enabled, config, secrets, events, created_at, updated_at';

export const EventRuleSchema = Type.Object(
  {
    match: Type.String({
      minLength: 1,
      maxLength: 200,
      description: '`pageview`, `identify`, a custom event name, or `*` for every page view and event',
    }),
    as: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: "The platform's event name" }),
    ),
    conversionActionId: Type.Optional(
      Type.String({ pattern: '^[0-9]{1,20}$', description: 'Google Ads: this rule’s conversion action' }),
    ),
  },
  { additionalProperties: false },
);

export const Destination = Type.Object(
  {
    id: Type.String(),
    siteId: Type.String(),
    type: Type.String(),
    name: Type.String(),
    enabled: Type.Boolean(),
    config: Type.Record(Type.String(), Type.Unknown(), {
      description: 'The configuration without its secrets; each secret field shows as `<field>Set: true`',
    }),
    events: Type.Array(EventRuleSchema),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  {
    $id: 'Destination',
    examples: [
      {
        id: 'dst_06h47n9d03txgc8vxve8gpt4kr',
        siteId: 'site_06gzgjmnr0jw6tbx12sers57qg',
        type: 'ga4',
        name: 'GA4 (server-side)',
        enabled: true,
        config: { measurementId: 'G-ABC123XYZ', apiSecretSet: true },
        events: [{ match: '*' }],
        createdAt: '2026-12-05T10:00:00.000Z',
        updatedAt: '2026-12-05T10:00:00.000Z',
      },
    ],
  },
);
export type Destination = Static<typeof Destination>;

/** The rules a destination applies: its own, or its type's default. */
export function rulesOf(row: Pick<DestinationRow, 'events'>, type: DestinationType): readonly EventRule[] {
  return row.events ?? type.defaultEvents;
}

export function storedConfigOf(row: Pick<DestinationRow, 'config' | 'secrets'>): StoredConfig {
  return { config: row.config, secrets: row.secrets };
}

export function toDestination(row: DestinationRow, type: DestinationType): Destination {
  return {
    id: row.id,
    siteId: row.site_id,
    type: row.type,
    name: row.name,
    enabled: row.enabled,
    config: visibleConfig(storedConfigOf(row), type.secretFields),
    events: [...rulesOf(row, type)],
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
