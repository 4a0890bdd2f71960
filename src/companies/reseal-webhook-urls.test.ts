import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createPool } from '../db/pool.ts';
import { newId } from '../lib/ids.ts';
import { createSealer } from '../lib/sealed.ts';
import { resealWebhookUrls } from './reseal-webhook-urls.ts';

const db = createPool({ connectionString: inject('databaseUrl'), max: 2 });
afterAll(() => db.end());

const oldKey = randomBytes(32);
const newKey = randomBytes(32);

async function siteWithWebhooks(webhooks: unknown[]): Promise<string> {
  const agencyId = newId('agency');
  const siteId = newId('site');
  await db.query('INSERT INTO agencies (id, name) VALUES ($1, $2)', [agencyId, 'Rotation']);
  await db.query(
    `INSERT INTO sites (id, agency_id, name, domain, site_key, write_key_prefix, write_key_hash, webhooks)
     VALUES ($1, $2, 'S', 's.example', $1, 'wk_', $1, $3)`,
    [siteId, agencyId, JSON.stringify(webhooks)],
  );
  return siteId;
}

describe('secrets rotation for webhook URLs', () => {
  it('re-seals values of the previous key and seals plain ones, leaving current ones alone', async () => {
    const before = createSealer({ current: oldKey });
    const after = createSealer({ current: newKey, previous: [oldKey] });
    const siteId = await siteWithWebhooks([
      { url: before.seal('https://hooks.example/old'), host: 'hooks.example' },
      { url: 'https://hooks.example/plain', host: 'hooks.example' },
    ]);
    await db.query(
      `INSERT INTO webhook_deliveries (site_id, url, payload, next_attempt_at) VALUES ($1, $2, '{}', now())`,
      [siteId, before.seal('https://hooks.example/old')],
    );

    const first = await resealWebhookUrls({ db, sealer: after, siteId });
    expect(first).toEqual({ sites: 1, deliveries: 1 });

    const { rows } = await db.query('SELECT webhooks FROM sites WHERE id = $1', [siteId]);
    const urls = (rows[0].webhooks as Array<{ url: string }>).map((entry) => entry.url);
    expect(urls.every((url) => after.isCurrent(url))).toBe(true);
    expect(urls.map((url) => createSealer({ current: newKey }).open(url))).toEqual([
      'https://hooks.example/old',
      'https://hooks.example/plain',
    ]);
    const delivery = await db.query('SELECT url FROM webhook_deliveries WHERE site_id = $1', [siteId]);
    expect(createSealer({ current: newKey }).open(delivery.rows[0].url)).toBe('https://hooks.example/old');

    const again = await resealWebhookUrls({ db, sealer: after, siteId });
    const unchanged = await db.query('SELECT webhooks FROM sites WHERE id = $1', [siteId]);
    expect(unchanged.rows[0].webhooks).toEqual(rows[0].webhooks);
    expect(again).toEqual({ sites: 0, deliveries: 0 });
  });
});
