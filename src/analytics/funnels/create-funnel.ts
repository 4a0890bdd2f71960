import { withTransaction, type Pool } from '../../db/pool.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../lib/ids.ts';
import type { Actor } from '../../tenancy/auth/access-tokens.ts';
import { recordAudit } from '../../tenancy/audit/record-audit.ts';
import { getSite } from '../../tenancy/sites/get-site.ts';
import { funnelDefinition } from './funnel-definition.ts';
import {
  FUNNEL_COLUMNS,
  MAX_FUNNELS_PER_SITE,
  nameTakenError,
  toFunnel,
  type CreateFunnelBody,
  type Funnel,
  type FunnelRow,
} from './funnel-record.ts';

/** Saves a funnel (anyone who may change the site's data; not client viewers). */
export async function createFunnel({
  db,
  actor,
  siteId,
  input,
  ip,
}: {
  db: Pool;
  actor: Actor;
  siteId: string;
  input: CreateFunnelBody;
  ip: string | undefined;
}): Promise<Funnel> {
  const funnel = funnelDefinition(input);
  await getSite({ db, actor, siteId, access: 'write' });
  return withTransaction(db, async (client) => {
    // Serialises funnel creation per site, so the limit holds under concurrent requests.
    await client.query('SELECT 1 FROM sites WHERE id = $1 FOR UPDATE', [siteId]);
    const { rows: counted } = await client.query<{ funnels: number }>(
      'SELECT count(*)::int AS funnels FROM funnels WHERE site_id = $1',
      [siteId],
    );
    if (counted[0]!.funnels >= MAX_FUNNELS_PER_SITE) {
      throw new AppError('validation_failed', `A site may have at most ${MAX_FUNNELS_PER_SITE} funnels`, {
        field: 'name',
      });
    }
    const { rows } = await client
      .query<FunnelRow>(
        `INSERT INTO funnels (id, site_id, name, steps, window_minutes)
         VALUES ($1, $2, $3, $4, $5) RETURNING ${FUNNEL_COLUMNS}`,
        [newId('fnl'), siteId, input.name, JSON.stringify(funnel.steps), funnel.windowMinutes],
      )
      .catch((error: unknown) => {
        throw nameTakenError(error, input.name) ?? error;
      });
    await recordAudit(client, {
      actor,
      action: 'funnel.create',
      targetType: 'funnel',
      targetId: rows[0]!.id,
      ip,
      details: { siteId, name: input.name },
    });
    return toFunnel(rows[0]!);
  });
}
