import { randomBytes } from 'node:crypto';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TEST_PLATFORM_URLS } from '../../test/helpers.ts';
import { ensureEventPartitions } from '../db/partitions.ts';
import { createPool } from '../db/pool.ts';
import { blankEventRow, type EventRow } from '../ingest/event-row.ts';
import { createEventWriter } from '../ingest/event-writer.ts';
import { createJobRunner } from '../jobs/runner.ts';
import { newId } from '../lib/ids.ts';
import { createSealer } from '../lib/sealed.ts';
import { deliveryQueue, type DeliverDeps } from './deliver.ts';
import { sealConfig } from './destination-secrets.ts';
import type { DestinationType, OutgoingEvent, SendResult } from './destination-type.ts';

const db = createPool({ connectionString: inject('databaseUrl'), max: 4 });
afterAll(() => db.end());
beforeAll(async () => {
  // Events of 2100 (see T0), and of the month before for earlier visits.
  for (let daysBefore = 0; daysBefore <= 32; daysBefore += 8) {
    await ensureEventPartitions(db, new Date(T0 - daysBefore * 24 * HOUR));
  }
});
const sealer = createSealer({ current: randomBytes(32) });
const HOUR = 60 * 60 * 1000;

/**
 * The runner's clock starts far ahead, and so are these events and deliveries, so that no Beacon
 * process a parallel suite starts on this database (on the real clock) finds them due.
 */
const T0 = new Date('2100-01-01T00:00:00Z').getTime();

/** A platform double: records what it is sent, answers what the test scripts for each event name. */
function scriptedPlatform(options: { maxBatch?: number; retryWindowMs?: number; hangMs?: number } = {}) {
  const batches: OutgoingEvent[][] = [];
  const script = new Map<string, SendResult>();
  const platform: DestinationType = {
    // The table allows the real types only; the double stands in for one of them.
    type: 'meta',
    configSchema: Type.Object({ token: Type.String() }),
    secretFields: ['token'],
    maxBatch: options.maxBatch ?? 1000,
    retryWindowMs: options.retryWindowMs ?? 7 * 24 * HOUR,
    needsAdsConsent: true,
    needsFullIp: true,
    defaultEvents: [{ match: '*' }],
    async send(batch, context) {
      batches.push([...batch]);
      if (options.hangMs !== undefined && batch.some(({ event }) => event.name === 'hang')) {
        await new Promise((resolve, reject) => {
          const timer = setTimeout(resolve, options.hangMs);
          context.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(context.signal.reason);
          });
        });
      }
      expect(context.config).toEqual({ token: 'open sesame' });
      return new Map(
        batch.map(({ id, event }) => [id, script.get(event.name ?? '') ?? { kind: 'delivered' }]),
      );
    },
    async test() {
      return { ok: true, messages: [] };
    },
  };
  return { platform, batches, script };
}

async function createSiteWithDestination(enabled = true) {
  const agencyId = newId('agency');
  const siteId = newId('site');
  const destinationId = newId('dst');
  await db.query('INSERT INTO agencies (id, name) VALUES ($1, $2)', [agencyId, 'Delivery test']);
  await db.query(
    `INSERT INTO sites (id, agency_id, name, domain, site_key, write_key_prefix, write_key_hash)
     VALUES ($1, $2, 'Shop', 'shop.example', $1, 'wk_', $1)`,
    [siteId, agencyId],
  );
  const stored = sealConfig({ token: 'open sesame' }, ['token'], sealer);
  await db.query(
    `INSERT INTO destinations (id, site_id, type, name, enabled, config, secrets) VALUES ($1, $2, 'meta', 'Meta', $3, $4, $5)`,
    [destinationId, siteId, enabled, stored.config, stored.secrets],
  );
  return { siteId, destinationId };
}

/** Stores events through the real writer, each with a delivery to the destination, as ingestion does. */
async function store(
  site: { siteId: string; destinationId: string },
  events: Array<Partial<EventRow> & { ip?: string | null }>,
): Promise<EventRow[]> {
  const writer = createEventWriter({ db });
  const rows = events.map((fields) =>
    blankEventRow({
      id: newId('evt', T0),
      site_id: site.siteId,
      type: 'event',
      name: 'purchase',
      received_at: new Date(T0 - 60_000),
      consent_ads: true,
      ...fields,
    }),
  );
  await writer.write(
    rows,
    rows.map((row, index) => [
      {
        site_id: row.site_id,
        destination_id: site.destinationId,
        destination_type: 'meta',
        event_row_id: row.id,
        event_received_at: row.received_at,
        sealed_ip: events[index]!.ip === undefined ? sealer.seal('81.2.69.160') : null,
        next_attempt_at: row.received_at,
      },
    ]),
  );
  await writer.close();
  return rows;
}

function runner(
  platform: DestinationType,
  siteId: string,
  clock = { at: T0 },
  deps: Partial<DeliverDeps> = {},
) {
  return createJobRunner({
    db,
    log: { error: (object) => expect.fail(`unexpected error: ${JSON.stringify(object)}`) },
    now: () => new Date(clock.at),
    random: () => 0.5,
    catalog: {
      periodic: [],
      queues: [
        deliveryQueue(
          platform,
          {
            db,
            fetch,
            webhookFetch: fetch,
            sealer,
            urls: TEST_PLATFORM_URLS,
            log: { warn: () => undefined },
            ...deps,
          },
          { siteId },
        ),
      ],
    },
  });
}

async function deliveries(siteId: string) {
  const { rows } = await db.query(
    `SELECT event_row_id, status, attempts, last_status, last_error, sealed_ip IS NOT NULL AS has_ip, next_attempt_at
     FROM deliveries WHERE site_id = $1 ORDER BY id`,
    [siteId],
  );
  return rows;
}

describe('the delivery engine', () => {
  it('sends each stored event once, with its full address, and wipes the address once delivered', async () => {
    const site = await createSiteWithDestination();
    const rows = await store(site, [{ name: 'purchase' }, { type: 'pageview', name: null }]);
    const { platform, batches } = scriptedPlatform();
    await runner(platform, site.siteId).runDue();
    expect(batches).toHaveLength(1);
    expect(batches[0]!.map(({ event }) => [event.id, event.ip, event.type])).toEqual([
      [rows[0]!.id, '81.2.69.160', 'event'],
      [rows[1]!.id, '81.2.69.160', 'pageview'],
    ]);
    expect(await deliveries(site.siteId)).toEqual(
      rows.map((row) =>
        expect.objectContaining({ event_row_id: row.id, status: 'done', attempts: 1, has_ip: false }),
      ),
    );
    await runner(platform, site.siteId).runDue();
    expect(batches).toHaveLength(1);
  });

  it('batches up to the platform limit', async () => {
    const site = await createSiteWithDestination();
    await store(
      site,
      Array.from({ length: 5 }, () => ({})),
    );
    const { platform, batches } = scriptedPlatform({ maxBatch: 2 });
    await runner(platform, site.siteId).runDue();
    // How the five split depends on how the runner's concurrent claims fall (2+2+1, or 1+1+1+2 on a
    // loaded machine); what the limit promises is that no batch is larger and every event goes.
    const sizes = batches.map((batch) => batch.length);
    expect(Math.max(...sizes)).toBe(2);
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(5);
  });

  it('retries passing trouble after its Retry-After, keeping the address, and dead-letters a refusal with its message', async () => {
    const site = await createSiteWithDestination();
    await store(site, [{ name: 'flaky' }, { name: 'refused' }]);
    const { platform, script, batches } = scriptedPlatform();
    script.set('flaky', { kind: 'retry', error: 'HTTP 503', status: 503, retryAfterMs: 120_000 });
    script.set('refused', { kind: 'permanent', error: 'Invalid parameter: event_time', status: 400 });
    const clock = { at: T0 };
    await runner(platform, site.siteId, clock).runDue();
    const [flaky, refused] = await deliveries(site.siteId);
    expect(refused).toMatchObject({
      status: 'failed',
      last_status: 400,
      last_error: 'Invalid parameter: event_time',
      has_ip: false,
    });
    expect(flaky).toMatchObject({
      status: 'pending',
      attempts: 1,
      last_status: 503,
      last_error: 'HTTP 503',
      has_ip: true,
    });
    expect(flaky.next_attempt_at.getTime()).toBe(T0 + 120_000);

    // Before its Retry-After nothing is sent again. (The first run's concurrent claims may have sent
    // the two events in one batch or in two.)
    const sentBefore = batches.length;
    clock.at = T0 + 60_000;
    await runner(platform, site.siteId, clock).runDue();
    expect(batches).toHaveLength(sentBefore);
    script.delete('flaky');
    clock.at = T0 + 120_000;
    await runner(platform, site.siteId, clock).runDue();
    expect(batches.at(-1)!.map(({ event }) => event.name)).toEqual(['flaky']);
    expect((await deliveries(site.siteId))[0]).toMatchObject({ status: 'done', attempts: 2, has_ip: false });
  });

  it("gives up on events older than the platform's window rather than have them refused", async () => {
    const site = await createSiteWithDestination();
    await store(site, [
      { occurred_at: new Date(T0 - 8 * 24 * HOUR), received_at: new Date(T0 - 8 * 24 * HOUR) },
    ]);
    const { platform, batches } = scriptedPlatform({ retryWindowMs: 7 * 24 * HOUR });
    await runner(platform, site.siteId).runDue();
    expect(batches).toEqual([]);
    expect((await deliveries(site.siteId))[0]).toMatchObject({
      status: 'failed',
      last_error: 'older than meta accepts (168 h)',
      has_ip: false,
    });
  });

  it('cancels deliveries of a disabled destination and of an erased event, sending nothing', async () => {
    const site = await createSiteWithDestination(false);
    await store(site, [{}]);
    const other = await createSiteWithDestination();
    const [erased] = await store(other, [{}]);
    await db.query('DELETE FROM events WHERE site_id = $1 AND id = $2', [other.siteId, erased!.id]);
    const { platform, batches } = scriptedPlatform();
    await runner(platform, site.siteId).runDue();
    await runner(platform, other.siteId).runDue();
    expect(batches).toEqual([]);
    expect((await deliveries(site.siteId))[0]).toMatchObject({
      status: 'cancelled',
      last_error: 'the destination is disabled',
    });
    expect((await deliveries(other.siteId))[0]).toMatchObject({
      status: 'cancelled',
      last_error: 'the event is no longer stored',
    });
  });

  it('carries click ids and identifiers of the visitor’s earlier events to a later conversion, within their windows', async () => {
    const site = await createSiteWithDestination();
    const visitor = 'visitor-attribution';
    const session = newId('ses', T0);
    await db.query(
      `INSERT INTO sessions (site_id, id, visitor_id, started_at, last_seen_at) VALUES ($1, $2, $3, $4, $5)`,
      [site.siteId, session, visitor, new Date(T0 - 30 * 24 * HOUR), new Date(T0 - 60_000)],
    );
    const landing = (daysAgo: number, fields: Partial<EventRow>) =>
      blankEventRow({
        id: newId('evt', T0 - daysAgo * 24 * HOUR),
        site_id: site.siteId,
        type: 'pageview',
        received_at: new Date(T0 - daysAgo * 24 * HOUR),
        visitor_id: visitor,
        session_id: session,
        ...fields,
      });
    const writer = createEventWriter({ db });
    await writer.write([
      landing(30, { gclid: 'gclid-30-days-ago', fbclid: 'fbclid-30-days-ago' }),
      landing(3, { fbclid: 'fbclid-3-days-ago' }),
      landing(2, { user_hashes: { em: 'a'.repeat(64) } }),
    ]);
    await writer.close();
    await store(site, [{ visitor_id: visitor, session_id: session }]);
    const { platform, batches } = scriptedPlatform();
    await runner(platform, site.siteId).runDue();
    const [sent] = batches[0]!;
    expect(sent!.event.clickIds).toEqual({
      gclid: 'gclid-30-days-ago',
      fbclid: 'fbclid-3-days-ago',
      fbc: `fb.1.${T0 - 3 * 24 * HOUR}.fbclid-3-days-ago`,
    });
    expect(sent!.event.userHashes).toEqual({ em: 'a'.repeat(64) });
  });

  it('bounds a send that hangs, so the batch ends in time and the hung events are retried', async () => {
    const site = await createSiteWithDestination();
    await store(site, [{ name: 'hang' }]);
    const { platform } = scriptedPlatform({ hangMs: 60_000 });
    const started = Date.now();
    await runner(platform, site.siteId, { at: T0 }, { sendTimeoutMs: 300 }).runDue();
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await deliveries(site.siteId))[0]).toMatchObject({
      status: 'pending',
      attempts: 1,
      has_ip: true,
    });
  });
});
