import { withTransaction, type Pool } from '../db/pool.ts';
import type { Sealer } from '../lib/sealed.ts';
import type { Actor } from '../tenancy/auth/access-tokens.ts';
import { recordAudit } from '../tenancy/audit/record-audit.ts';
import { checkConfig } from './check-config.ts';
import { checkRules } from './create-destination.ts';
import { openConfig, patchConfig } from './destination-secrets.ts';
import {
  DESTINATION_COLUMNS,
  storedConfigOf,
  toDestination,
  type Destination,
  type DestinationRow,
} from './destination-record.ts';
import type { EventRule } from './destination-type.ts';
import { findDestinationRow, getDestinationSite, typeOfRow } from './get-destination.ts';

export interface UpdateDestinationInput {
  name?: string;
  enabled?: boolean;
  /** Fields given replace the stored ones; a top-level secret left out keeps its value. */
  config?: Record<string, unknown>;
  /** The rules; `null` goes back to the type's default. */
  events?: EventRule[] | null;
}

/** Changes a destination (owners and admins). The merged configuration is checked whole. */
export async function updateDestination({
  db,
  sealer,
  actor,
  siteId,
  destinationId,
  input,
  ip,
}: {
  db: Pool;
  sealer: Pick<Sealer, 'seal' | 'open'>;
  actor: Actor;
  siteId: string;
  destinationId: string;
  input: UpdateDestinationInput;
  ip: string | undefined;
}): Promise<{ destination: Destination; siteKey: string }> {
  const site = await getDestinationSite({ db, actor, siteId, access: 'manage' });
  return withTransaction(db, async (client) => {
    const row = await findDestinationRow(client, siteId, destinationId, true);
    const type = typeOfRow(row);
    const stored =
      input.config === undefined
        ? storedConfigOf(row)
        : patchConfig(storedConfigOf(row), input.config, type.secretFields, sealer);
    if (input.config !== undefined) checkConfig(type, openConfig(stored, sealer));
    if (input.events !== undefined && input.events !== null) checkRules(type, input.events);
    const { rows } = await client.query<DestinationRow>(
      `UPDATE destinations SET name = $3, enabled = $4, config = $5, secrets = $6, events = $7, updated_at = now()
       WHERE site_id = $1 AND id = $2 RETURNING ${DESTINATION_COLUMNS}`,
      [
        siteId,
        destinationId,
        input.name?.trim() || row.name,
        input.enabled ?? row.enabled,
        stored.config,
        stored.secrets,
        input.events === undefined
          ? row.events === null
            ? null
            : JSON.stringify(row.events)
          : input.events === null
            ? null
            : JSON.stringify(input.events),
      ],
    );
    await recordAudit(client, {
      actor,
      action: 'destination.update',
      targetType: 'destination',
      targetId: destinationId,
      ip,
      details: {
        siteId,
        changed: Object.keys(input).filter((key) => input[key as keyof UpdateDestinationInput] !== undefined),
      },
    });
    return { destination: toDestination(rows[0]!, type), siteKey: site.siteKey };
  });
}
