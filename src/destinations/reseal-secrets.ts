import type { Pool } from '../db/pool.ts';
import { withTransaction } from '../db/pool.ts';
import type { Sealer } from '../lib/sealed.ts';

export interface ResealResult {
  destinations: number;
  deliveries: number;
}

/** A stored secret sealed with the current key already: left as it is. */
const isCurrent = (sealer: Sealer, stored: string) => stored.startsWith('v1.') && sealer.isCurrent(stored);
/** Sealed with the previous key (opened), or plain text from before sealing (taken as it is). */
const plain = (sealer: Sealer, stored: string) => (stored.startsWith('v1.') ? sealer.open(stored) : stored);

/**
 * After BEACON_SECRET changes (with the old one in BEACON_PREVIOUS_SECRET), re-seals every secret
 * Beacon keeps with the new key: destination credentials field by field, and the sealed client
 * addresses and webhook URLs of pending deliveries; plain values (webhook URLs from before sealing)
 * are sealed. Idempotent. Run by `npm run beacon -- secrets rotate`.
 */
export async function resealSecrets({
  db,
  sealer,
  siteId,
}: {
  db: Pool;
  sealer: Sealer;
  /** One site only (tests); every site otherwise. */
  siteId?: string;
}): Promise<ResealResult> {
  return withTransaction(db, async (client) => {
    const result: ResealResult = { destinations: 0, deliveries: 0 };
    const { rows: destinations } = await client.query<{ id: string; secrets: Record<string, string> }>(
      `SELECT id, secrets FROM destinations WHERE secrets <> '{}' AND ($1::text IS NULL OR site_id = $1) FOR UPDATE`,
      [siteId ?? null],
    );
    for (const destination of destinations) {
      const stale = Object.entries(destination.secrets).filter(([, stored]) => !isCurrent(sealer, stored));
      if (stale.length === 0) continue;
      const secrets = { ...destination.secrets };
      for (const [path, stored] of stale) secrets[path] = sealer.seal(plain(sealer, stored));
      await client.query('UPDATE destinations SET secrets = $2 WHERE id = $1', [destination.id, secrets]);
      result.destinations += 1;
    }
    const { rows: deliveries } = await client.query<{
      id: number;
      sealed_ip: string | null;
      sealed_target: string | null;
    }>(
      `SELECT id, sealed_ip, sealed_target FROM deliveries
       WHERE status = 'pending' AND (sealed_ip IS NOT NULL OR sealed_target IS NOT NULL)
         AND ($1::text IS NULL OR site_id = $1)
       FOR UPDATE`,
      [siteId ?? null],
    );
    for (const delivery of deliveries) {
      const reseal = (stored: string | null) =>
        stored === null || isCurrent(sealer, stored) ? stored : sealer.seal(plain(sealer, stored));
      const ip = reseal(delivery.sealed_ip);
      const target = reseal(delivery.sealed_target);
      if (ip === delivery.sealed_ip && target === delivery.sealed_target) continue;
      await client.query('UPDATE deliveries SET sealed_ip = $2, sealed_target = $3 WHERE id = $1', [
        delivery.id,
        ip,
        target,
      ]);
      result.deliveries += 1;
    }
    return result;
  });
}
