import { afterAll, describe, expect, inject, it } from 'vitest';
import { createPool } from '../db/pool.ts';
import { EVENT_COLUMNS, type EventRow } from '../ingest/event-row.ts';
import { createEventWriter } from '../ingest/event-writer.ts';
import { newId } from '../lib/ids.ts';
import type { PubSub } from '../state/interface.ts';
import { rescoreCompanies } from './rescore-companies.ts';

const db = createPool({ connectionString: inject('databaseUrl'), max: 4 });
afterAll(() => db.end());

const DAY = 24 * 60 * 60 * 1000;
const today = new Date(new Date().toISOString().slice(0, 10));
/** Noon UTC `daysBack` days ago, plus minutes: calendar days stay apart whatever the time of the run. */
const noon = (daysBack: number, minutes = 0) =>
  new Date(today.getTime() - daysBack * DAY + 12 * 3_600_000 + minutes * 60_000);
/** The scorer's clock: an hour after the last visit below. */
const scoredAt = noon(1, 64);

function row(siteId: string, overrides: Partial<EventRow>): EventRow {
  const empty = Object.fromEntries(EVENT_COLUMNS.map((column) => [column, null])) as unknown as EventRow;
  return {
    ...empty,
    id: newId('evt'),
    site_id: siteId,
    type: 'pageview',
    // Received now (today's partition exists); it happened when occurred_at says.
    received_at: new Date(),
    occurred_at: today,
    visitor_id: 'v1',
    is_bot: false,
    enrichment_status: 'done',
    company_domain: 'acme.example',
    company_name: 'Acme Ltd',
    country: 'GB',
    ...overrides,
  };
}

/**
 * A site, with a webhook destination for each of `webhooks` (`{ enabled: false }` makes one off).
 * The URLs are stored plain: the scorer only queues deliveries for the destinations, it never reads them.
 */
async function createSite(
  settings: { webhooks?: Array<{ url: string; enabled?: boolean }>; intentPatterns?: unknown } = {},
): Promise<string> {
  const agencyId = newId('agency');
  const siteId = newId('site');
  await db.query('INSERT INTO agencies (id, name) VALUES ($1, $2)', [agencyId, 'Scoring test']);
  await db.query(
    `INSERT INTO sites (id, agency_id, name, domain, site_key, write_key_prefix, write_key_hash)
     VALUES ($1, $2, 'Shop', 'shop.example', $1, 'wk_', $1)`,
    [siteId, agencyId],
  );
  for (const [index, webhook] of (settings.webhooks ?? []).entries()) {
    await db.query(
      `INSERT INTO destinations (id, site_id, type, name, enabled, secrets)
       VALUES ($1, $2, 'webhook', $3, $4, $5)`,
      [
        `dst_${siteId.slice(5)}${index}`,
        siteId,
        `hook ${index}`,
        webhook.enabled ?? true,
        { url: webhook.url },
      ],
    );
  }
  if (settings.intentPatterns !== undefined) {
    await db.query('UPDATE sites SET intent_patterns = $2 WHERE id = $1', [
      siteId,
      JSON.stringify(settings.intentPatterns),
    ]);
  }
  return siteId;
}

/**
 * Three visits on three days: 9 page views over 7 minutes, /pricing, /demo and /contact, one signup.
 * Scored an hour later: recency 25, frequency 3 + 3×2 = 9, depth 9 + 7 = 16, intent 35 → 25,
 * conversions 5: 80, hot.
 */
async function engagedVisits(siteId: string, domain = 'acme.example') {
  const writer = createEventWriter({ db });
  const visit = (daysBack: number, pages: string[], extra: Partial<EventRow>[] = []) =>
    writer.write([
      ...pages.map((path, index) =>
        row(siteId, { company_domain: domain, path, occurred_at: noon(daysBack, index) }),
      ),
      ...extra.map((overrides) => row(siteId, { company_domain: domain, ...overrides })),
    ]);
  await visit(3, ['/', '/pricing']);
  await visit(2, ['/', '/demo', '/pricing']);
  await visit(
    1,
    ['/', '/pricing', '/demo', '/contact'],
    [
      { type: 'event', name: 'signup', path: '/contact', occurred_at: noon(1, 4) },
      { type: 'event', name: '$engagement', path: '/contact', occurred_at: noon(1, 4) },
    ],
  );
  await writer.close();
}

async function rescore(
  siteId: string,
  now: Date,
  pubsub: Pick<PubSub, 'publish'> = { publish: async () => undefined },
) {
  return rescoreCompanies({ db, pubsub, now: () => now, siteId });
}

async function company(siteId: string) {
  const { rows } = await db.query(
    `SELECT id, score, lead_status, score_breakdown, visitors, active_days, scored_at FROM companies
     WHERE site_id = $1`,
    [siteId],
  );
  return rows[0];
}

async function statusChanges(siteId: string) {
  const { rows } = await db.query(
    `SELECT from_status, to_status, score, changed_at FROM company_status_changes WHERE site_id = $1 ORDER BY id`,
    [siteId],
  );
  return rows;
}

describe('rescoring companies', () => {
  it('scores from sessions and events, explains it, and records the first classification', async () => {
    const siteId = await createSite();
    await engagedVisits(siteId);
    expect(await rescore(siteId, scoredAt)).toEqual({
      scored: 1,
      statusChanges: 1,
      turnedHot: 1,
    });
    expect(await company(siteId)).toMatchObject({
      score: 80,
      lead_status: 'hot',
      visitors: 1,
      active_days: 3,
      scored_at: scoredAt,
      score_breakdown: [
        { factor: 'recency', points: 25, max: 25, why: 'last visit today; halves every 7 days' },
        { factor: 'frequency', points: 9, max: 20, why: '3 sessions on 3 days in the last 30 days' },
        {
          factor: 'depth',
          points: 16,
          max: 20,
          why: '9 page views and 7 minutes on site in the last 30 days',
        },
        { factor: 'intent', points: 25, max: 25, why: 'visited /pricing (+10), /demo (+15), /contact (+10)' },
        { factor: 'conversions', points: 5, max: 10, why: '1 custom event in the last 30 days' },
      ],
    });
    expect(await statusChanges(siteId)).toEqual([
      { from_status: null, to_status: 'hot', score: 80, changed_at: scoredAt },
    ]);
  });

  it('leaves unchanged companies alone until a day has passed, then decays them', async () => {
    const siteId = await createSite();
    await engagedVisits(siteId);
    await rescore(siteId, scoredAt);
    expect(await rescore(siteId, new Date(scoredAt.getTime() + 60_000))).toMatchObject({ scored: 0 });

    const weekLater = new Date(scoredAt.getTime() + 7 * DAY);
    expect(await rescore(siteId, weekLater)).toMatchObject({ scored: 1, statusChanges: 1, turnedHot: 0 });
    expect(await company(siteId)).toMatchObject({ score: 67, lead_status: 'warm' });
    expect((await company(siteId)).score_breakdown[0]).toMatchObject({
      points: 12,
      why: 'last visit 7 days ago; halves every 7 days',
    });
    expect(await statusChanges(siteId)).toEqual([
      { from_status: null, to_status: 'hot', score: 80, changed_at: scoredAt },
      { from_status: 'hot', to_status: 'warm', score: 67, changed_at: weekLater },
    ]);

    const monthsLater = new Date(scoredAt.getTime() + 60 * DAY);
    await rescore(siteId, monthsLater);
    expect(await company(siteId)).toMatchObject({ score: 0, lead_status: 'cold', active_days: 0 });
    expect((await statusChanges(siteId)).map((change) => change.to_status)).toEqual(['hot', 'warm', 'cold']);
  });

  it('rescores a company touched after its last scoring', async () => {
    const siteId = await createSite();
    await engagedVisits(siteId);
    await rescore(siteId, scoredAt);
    await db.query('UPDATE companies SET touch_seq = touch_seq + 1 WHERE site_id = $1', [siteId]);
    expect(await rescore(siteId, new Date(scoredAt.getTime() + 60_000))).toMatchObject({
      scored: 1,
      statusChanges: 0,
    });
  });

  it("uses the site's own intent patterns", async () => {
    const siteId = await createSite({
      intentPatterns: [{ pattern: '*/contact', weight: 3 }, { pattern: 'bad' }],
    });
    await engagedVisits(siteId);
    await rescore(siteId, scoredAt);
    expect((await company(siteId)).score_breakdown[3]).toEqual({
      factor: 'intent',
      points: 3,
      max: 25,
      why: 'visited */contact (+3)',
    });
  });

  it('queues a delivery per enabled webhook destination and publishes on the live channel when a company turns hot', async () => {
    const siteId = await createSite({
      webhooks: [
        { url: 'http://127.0.0.1:9/a' },
        { url: 'http://127.0.0.1:9/b' },
        { url: 'http://127.0.0.1:9/off', enabled: false },
      ],
    });
    await engagedVisits(siteId);
    const published: Array<[string, string]> = [];
    await rescore(siteId, scoredAt, {
      publish: async (channel: string, message: string) => void published.push([channel, message]),
    });
    expect(published).toHaveLength(1);
    expect(published[0]![0]).toBe(`site:${siteId}`);
    expect(JSON.parse(published[0]![1])).toMatchObject({
      type: 'company.hot',
      siteId,
      company: {
        domain: 'acme.example',
        name: 'Acme Ltd',
        score: 80,
        leadStatus: 'hot',
        previousStatus: null,
      },
    });
    const { rows } = await db.query(
      `SELECT d.name, l.destination_type, l.status, l.payload FROM deliveries l
       JOIN destinations d ON d.id = l.destination_id WHERE l.site_id = $1 ORDER BY d.name`,
      [siteId],
    );
    expect(rows.map((delivery) => [delivery.name, delivery.destination_type, delivery.status])).toEqual([
      ['hook 0', 'webhook', 'pending'],
      ['hook 1', 'webhook', 'pending'],
    ]);
    expect(rows[0].payload.text).toContain('*Acme Ltd (acme.example)* from GB is a hot lead on Shop');
  });

  it('changes a hidden company silently: the change is recorded, nobody is notified', async () => {
    const siteId = await createSite({ webhooks: [{ url: 'http://127.0.0.1:9/a' }] });
    await engagedVisits(siteId);
    await db.query('UPDATE companies SET hidden = true WHERE site_id = $1', [siteId]);
    const published: string[] = [];
    const result = await rescore(siteId, scoredAt, {
      publish: async (_channel: string, message: string) => void published.push(message),
    });
    expect(result).toMatchObject({ statusChanges: 1, turnedHot: 0 });
    expect(published).toEqual([]);
    const { rows } = await db.query('SELECT count(*)::int AS n FROM deliveries WHERE site_id = $1', [siteId]);
    expect(rows[0].n).toBe(0);
  });

  it('still records the score when publishing fails', async () => {
    const siteId = await createSite();
    await engagedVisits(siteId);
    const errors: unknown[] = [];
    const result = await rescoreCompanies({
      db,
      siteId,
      now: () => scoredAt,
      pubsub: { publish: async () => Promise.reject(new Error('redis down')) },
      log: { error: (object) => void errors.push(object) },
    });
    expect(result).toMatchObject({ turnedHot: 1 });
    expect(errors).toHaveLength(1);
    expect(await company(siteId)).toMatchObject({ lead_status: 'hot' });
  });
});
