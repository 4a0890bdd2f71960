import { afterAll, describe, expect, inject, it } from 'vitest';
import { createPool } from '../db/pool.ts';
import { EVENT_COLUMNS, type EventRow } from '../ingest/event-row.ts';
import { createEventWriter } from '../ingest/event-writer.ts';
import { newId } from '../lib/ids.ts';

/** Identification inside the group-commit transaction: counters per site and domain, sessions once. */
const db = createPool({ connectionString: inject('databaseUrl'), max: 4 });
afterAll(() => db.end());

const t0 = new Date(Date.now() - 2 * 60 * 60 * 1000);
const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);

function row(siteId: string, overrides: Partial<EventRow>): EventRow {
  const empty = Object.fromEntries(EVENT_COLUMNS.map((column) => [column, null])) as unknown as EventRow;
  return {
    ...empty,
    id: newId('evt'),
    site_id: siteId,
    type: 'pageview',
    received_at: overrides.occurred_at ?? t0,
    occurred_at: t0,
    visitor_id: 'v1',
    path: '/',
    is_bot: false,
    enrichment_status: 'done',
    ...overrides,
  };
}

const acme = { company_domain: 'acme.example', company_name: 'Acme Ltd', country: 'GB', city: 'London' };

async function createSite(): Promise<string> {
  const agencyId = newId('agency');
  const siteId = newId('site');
  await db.query('INSERT INTO agencies (id, name) VALUES ($1, $2)', [agencyId, 'Identification test']);
  await db.query(
    `INSERT INTO sites (id, agency_id, name, domain, site_key, write_key_prefix, write_key_hash)
     VALUES ($1, $2, 'Shop', 'shop.example', $1, 'wk_', $1)`,
    [siteId, agencyId],
  );
  return siteId;
}

async function companies(siteId: string) {
  const { rows } = await db.query(
    `SELECT domain, name, country, city, visits, sessions, pageviews, time_on_site_s, first_seen_at, last_seen_at
     FROM companies WHERE site_id = $1 ORDER BY domain`,
    [siteId],
  );
  return rows;
}

describe('company identification in the ingest transaction', () => {
  it('creates the company with the first visit and counts each session once across batches', async () => {
    const siteId = await createSite();
    const writer = createEventWriter({ db });
    await writer.write([row(siteId, { ...acme, occurred_at: at(0), path: '/' })]);
    await writer.write([row(siteId, { ...acme, occurred_at: at(2), path: '/pricing' })]);
    await writer.write([
      row(siteId, { ...acme, occurred_at: at(3), path: '/demo' }),
      row(siteId, { ...acme, occurred_at: at(4), type: 'event', name: 'signup', path: '/demo' }),
    ]);
    // 40 minutes later: a new session.
    await writer.write([row(siteId, { ...acme, occurred_at: at(44), path: '/' })]);
    await writer.close();
    expect(await companies(siteId)).toEqual([
      {
        domain: 'acme.example',
        name: 'Acme Ltd',
        country: 'GB',
        city: 'London',
        visits: 2,
        sessions: 2,
        pageviews: 4,
        time_on_site_s: 240,
        first_seen_at: at(0),
        last_seen_at: at(44),
      },
    ]);
  });

  it('credits a session in full when a later event names its company', async () => {
    const siteId = await createSite();
    const writer = createEventWriter({ db });
    await writer.write([row(siteId, { occurred_at: at(0) })]);
    await writer.write([row(siteId, { occurred_at: at(1) })]);
    await writer.write([row(siteId, { ...acme, occurred_at: at(3) })]);
    await writer.write([row(siteId, { ...acme, occurred_at: at(5) })]);
    await writer.close();
    expect(await companies(siteId)).toMatchObject([
      { domain: 'acme.example', visits: 1, pageviews: 4, time_on_site_s: 300, first_seen_at: at(0) },
    ]);
  });

  it('never makes companies of bots, and keeps the same domain on two sites apart', async () => {
    const [one, two] = [await createSite(), await createSite()];
    const writer = createEventWriter({ db });
    await writer.write([
      row(one, { ...acme, visitor_id: 'bot', is_bot: true }),
      row(one, { ...acme, visitor_id: 'human' }),
      row(two, { ...acme, visitor_id: 'human', company_name: null }),
    ]);
    await writer.close();
    expect(await companies(one)).toMatchObject([{ domain: 'acme.example', visits: 1, pageviews: 1 }]);
    expect(await companies(two)).toMatchObject([{ domain: 'acme.example', name: null, visits: 1 }]);
  });

  it('keeps counting right under concurrent batches of many visitors of one company', async () => {
    const siteId = await createSite();
    const writer = createEventWriter({ db, lanes: 4 });
    await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        writer.write([
          row(siteId, { ...acme, visitor_id: `v${index}`, occurred_at: at(0) }),
          row(siteId, { ...acme, visitor_id: `v${index}`, occurred_at: at(1) }),
        ]),
      ),
    );
    await writer.close();
    expect(await companies(siteId)).toMatchObject([{ visits: 40, pageviews: 80, time_on_site_s: 40 * 60 }]);
  });

  it('marks a company for rescoring whenever its counters change', async () => {
    const siteId = await createSite();
    const writer = createEventWriter({ db });
    await writer.write([row(siteId, { ...acme, occurred_at: at(0) })]);
    const seq = async () =>
      (await db.query('SELECT touch_seq, scored_seq FROM companies WHERE site_id = $1', [siteId])).rows[0];
    expect(await seq()).toEqual({ touch_seq: 1, scored_seq: 0 });
    await writer.write([row(siteId, { ...acme, occurred_at: at(1), type: 'event', name: 'signup' })]);
    expect(await seq()).toEqual({ touch_seq: 2, scored_seq: 0 });
    await writer.close();
  });
});
