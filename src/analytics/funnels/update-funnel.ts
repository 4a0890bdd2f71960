import { withTransaction, type Pool } from '../../db/pool.ts';
import type { Actor } from '../../tenancy/auth/access-tokens.ts';
import { recordAudit } from '../../tenancy/audit/record-audit.ts';
import { getSite } from '../../tenancy/sites/get-site.ts';
import { checkFunnelSteps } from './funnel-definition.ts';
import {
  findFunnelRow,
  FUNNEL_COLUMNS,
  nameTakenError,
  toFunnel,
  type Funnel,
  type FunnelRow,
  type UpdateFunnelBody,
} from './funnel-record.ts';

/** Changes a saved funnel (anyone who may change the site's data): the fields given replace the stored ones. */
export async function updateFunnel({
  db,
  actor,
  siteId,
  funnelId,
  input,
  ip,
}: {
  db: Pool;
  actor: Actor;
  siteId: string;
  funnelId: string;
  input: UpdateFunnelBody;
  ip: string | undefined;
}): Promise<Funnel> {
  if (input.steps !== undefined) checkFunnelSteps(input.steps);
  await getSite({ db, actor, siteId, access: 'write' });
  return withTransaction(db, async (client) => {
    const row = await findFunnelRow(client, siteId, funnelId, true);
    const name = input.name ?? row.name;
    const updated = await client
      .query<FunnelRow>(
        `UPDATE funnels SET name = $3, steps = $4, window_minutes = $5, updated_at = now()
         WHERE site_id = $1 AND id = $2 RETURNING ${FUNNEL_COLUMNS}`,
        [
          siteId,
          funnelId,
          name,
          JSON.stringify(input.steps ?? row.steps),
          input.window ?? row.window_minutes,
        ],
      )
      .catch((error: unknown) => {
        throw nameTakenError(error, name) ?? error;
      });
    await recordAudit(client, {
      actor,
      action: 'funnel.update',
      targetType: 'funnel',
      targetId: funnelId,
      ip,
      details: {
        siteId,
        name,
        changed: Object.keys(input).filter((key) => input[key as keyof UpdateFunnelBody] !== undefined),
      },
    });
    return toFunnel(updated.rows[0]!);
  });
}
