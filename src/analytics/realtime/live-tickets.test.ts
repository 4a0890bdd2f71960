import { afterAll, describe, expect, inject, it } from 'vitest';
import { stateBackends } from '../../../test/helpers.ts';
import { createPool } from '../../db/pool.ts';
import type { AppError } from '../../errors.ts';
import { newId } from '../../lib/ids.ts';
import type { Actor } from '../../tenancy/auth/access-tokens.ts';
import { createLiveTicket, LIVE_TICKET_TTL_MS, redeemLiveTicket } from './live-tickets.ts';

const db = createPool({ connectionString: inject('databaseUrl'), max: 2 });
afterAll(() => db.end());

async function ownerWithSite(): Promise<{ actor: Actor; siteId: string }> {
  const agencyId = newId('agency');
  const siteId = newId('site');
  await db.query('INSERT INTO agencies (id, name) VALUES ($1, $2)', [agencyId, 'Tickets']);
  await db.query(
    `INSERT INTO sites (id, agency_id, name, domain, site_key, write_key_hash, write_key_prefix)
     VALUES ($1, $2, 'Shop', 'shop.example', $3, $4, 'bk')`,
    [siteId, agencyId, newId('key'), newId('key')],
  );
  return { actor: { userId: newId('user'), agencyId, role: 'owner', isInstanceAdmin: false }, siteId };
}

describe.each(stateBackends())('live tickets ($name)', ({ create }) => {
  it('redeems a ticket once for the actor it was issued to, even when two instances try at once', async () => {
    const state = create();
    const { actor, siteId } = await ownerWithSite();
    const { ticket, expiresAt } = await createLiveTicket({
      db,
      cache: state.cache,
      actor,
      siteId,
      now: 1_000,
    });
    expect(expiresAt).toBe(new Date(1_000 + LIVE_TICKET_TTL_MS).toISOString());
    const redeem = () =>
      redeemLiveTicket({ cache: state.cache, rateLimits: state.rateLimits, ticket, siteId });
    const outcomes = await Promise.allSettled([redeem(), redeem()]);
    expect(
      outcomes.filter((outcome) => outcome.status === 'fulfilled').map((outcome) => outcome.value),
    ).toEqual([actor]);
    const refused = outcomes.find((outcome) => outcome.status === 'rejected')!.reason as AppError;
    expect([refused.code, refused.field]).toEqual(['unauthorized', 'ticket']);
    await expect(redeem()).rejects.toMatchObject({ code: 'unauthorized' });
    await state.close();
  });

  it('keeps only the hash of a ticket as the cache key', async () => {
    const state = create();
    const { actor, siteId } = await ownerWithSite();
    const { ticket } = await createLiveTicket({ db, cache: state.cache, actor, siteId });
    expect(await state.cache.get(`live-ticket:${ticket}`)).toBeUndefined();
    await state.close();
  });

  it('issues no ticket for a site the actor cannot read', async () => {
    const state = create();
    const { siteId } = await ownerWithSite();
    const { actor: stranger } = await ownerWithSite();
    await expect(createLiveTicket({ db, cache: state.cache, actor: stranger, siteId })).rejects.toMatchObject(
      {
        code: 'not_found',
      },
    );
    await state.close();
  });
});
