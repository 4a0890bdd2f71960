import type { Pool } from '../db/pool.ts';
import { withTransaction } from '../db/pool.ts';
import type { Sealer } from '../lib/sealed.ts';

export interface ResealResult {
  sites: number;
  deliveries: number;
}

/**
 * After BEACON_SECRET changes (with the old one in BEACON_PREVIOUS_SECRET), re-seals every stored
 * webhook URL with the new key, and seals any still stored in plain text. Idempotent: values already
 * sealed with the current key are left alone. Run by `npm run beacon -- secrets rotate`.
 */
export async function resealWebhookUrls({
  db,
  sealer,
  siteId,
}: {
  db: Pool;
  sealer: Sealer;
  /** One site only (tests); every site otherwise. */
  siteId?: string;
}): Promise<ResealResult> {
  const reseal = (stored: string) => (stored.startsWith('v1.') ? sealer.open(stored) : stored);
  return withTransaction(db, async (client) => {
    const result: ResealResult = { sites: 0, deliveries: 0 };
    const sites = await client.query<{ id: string; webhooks: Array<{ url?: unknown; host?: unknown }> }>(
      `SELECT id, webhooks FROM sites WHERE jsonb_array_length(webhooks) > 0 AND ($1::text IS NULL OR id = $1)
       FOR UPDATE`,
      [siteId ?? null],
    );
    for (const site of sites.rows) {
      let changed = false;
      const webhooks = site.webhooks.map((entry) => {
        if (typeof entry.url !== 'string' || (entry.url.startsWith('v1.') && sealer.isCurrent(entry.url)))
          return entry;
        changed = true;
        return { ...entry, url: sealer.seal(reseal(entry.url)) };
      });
      if (!changed) continue;
      await client.query('UPDATE sites SET webhooks = $2 WHERE id = $1', [site.id, JSON.stringify(webhooks)]);
      result.sites += 1;
    }
    const deliveries = await client.query<{ id: number; url: string }>(
      `SELECT id, url FROM webhook_deliveries WHERE status = 'pending' AND ($1::text IS NULL OR site_id = $1)
       FOR UPDATE`,
      [siteId ?? null],
    );
    for (const delivery of deliveries.rows) {
      if (delivery.url.startsWith('v1.') && sealer.isCurrent(delivery.url)) continue;
      await client.query('UPDATE webhook_deliveries SET url = $2 WHERE id = $1', [
        delivery.id,
        sealer.seal(reseal(delivery.url)),
      ]);
      result.deliveries += 1;
    }
    return result;
  });
}
