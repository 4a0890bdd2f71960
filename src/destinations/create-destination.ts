import { withTransaction, type Pool } from '../db/pool.ts';
import { AppError } from '../errors.ts';
import { newId } from '../lib/ids.ts';
import type { Sealer } from '../lib/sealed.ts';
import type { Actor } from '../tenancy/auth/access-tokens.ts';
import { recordAudit } from '../tenancy/audit/record-audit.ts';
import { checkConfig } from './check-config.ts';
import { sealConfig } from './destination-secrets.ts';
import {
  DESTINATION_COLUMNS,
  toDestination,
  type Destination,
  type DestinationRow,
} from './destination-record.ts';
import type { DestinationType, EventRule } from './destination-type.ts';
import { getDestinationSite } from './get-destination.ts';
import { destinationTypeOf } from './registry.ts';

export interface CreateDestinationInput {
  type: string;
  name?: string;
  enabled?: boolean;
  config: Record<string, unknown>;
  events?: EventRule[];
}

const DEFAULT_NAMES: Record<string, string> = {
  ga4: 'Google Analytics 4',
  meta: 'Meta Conversions API',
  google_ads: 'Google Ads',
  webhook: 'Hot-lead webhook',
};

/** The rules a destination may take: webhooks carry notifications only, so they take none. */
export function checkRules(type: DestinationType, events: EventRule[] | undefined): void {
  if (events !== undefined && type.type === 'webhook' && events.length > 0) {
    throw new AppError(
      'validation_failed',
      'events: webhook destinations receive hot-lead notifications, not events',
      {
        field: 'events',
      },
    );
  }
}

export function typeOrRefuse(name: string): DestinationType {
  const type = destinationTypeOf(name);
  if (type === undefined) {
    throw new AppError('validation_failed', `type must be one of ga4, meta, google_ads, webhook`, {
      field: 'type',
    });
  }
  return type;
}

/**
 * Adds a destination to a site (owners and admins): the configuration is checked against its type,
 * its secrets sealed, the change audited. Ingestion picks it up once the caller publishes the site's
 * change (the route does).
 */
export async function createDestination({
  db,
  sealer,
  actor,
  siteId,
  input,
  ip,
}: {
  db: Pool;
  sealer: Pick<Sealer, 'seal'>;
  actor: Actor;
  siteId: string;
  input: CreateDestinationInput;
  ip: string | undefined;
}): Promise<{ destination: Destination; siteKey: string }> {
  const site = await getDestinationSite({ db, actor, siteId, access: 'manage' });
  const type = typeOrRefuse(input.type);
  checkConfig(type, input.config);
  checkRules(type, input.events);
  const stored = sealConfig(input.config, type.secretFields, sealer);
  return withTransaction(db, async (client) => {
    const { rows } = await client.query<DestinationRow>(
      `INSERT INTO destinations (id, site_id, type, name, enabled, config, secrets, events)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${DESTINATION_COLUMNS}`,
      [
        newId('dst'),
        siteId,
        type.type,
        input.name?.trim() || DEFAULT_NAMES[type.type]!,
        input.enabled ?? true,
        stored.config,
        stored.secrets,
        input.events === undefined ? null : JSON.stringify(input.events),
      ],
    );
    const row = rows[0]!;
    await recordAudit(client, {
      actor,
      action: 'destination.create',
      targetType: 'destination',
      targetId: row.id,
      ip,
      details: { siteId, type: type.type, name: row.name },
    });
    return { destination: toDestination(row, type), siteKey: site.siteKey };
  });
}
