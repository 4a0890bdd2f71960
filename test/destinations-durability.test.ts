import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { createPool } from '../src/db/pool.ts';
import {
  TEST_SECRET,
  createSiteAs,
  isolatedDatabaseUrl,
  killAllBeacons,
  postJson,
  startBeacon,
  stopBeacon,
  waitUntil,
} from './beacon-process.ts';
import { FAKE_GA4_API_SECRET, FAKE_GA4_MEASUREMENT_ID, startFakeGa4 } from './fakes/ga4-server.ts';
import { uniqueEmail } from './helpers.ts';

afterAll(killAllBeacons);

const CHROME =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

/**
 * Durable from the commit: Beacon is killed with SIGKILL while events are coming in and their
 * deliveries are being sent; every event it acknowledged still reaches GA4, sent by the next Beacon.
 */
it('forwards every acknowledged event even when Beacon is killed between the commit and the send', async () => {
  const ga4 = await startFakeGa4();
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'beacon-kill-dst-'));
  const databaseUrl = await isolatedDatabaseUrl();
  const admin = { email: uniqueEmail('admin'), password: 'bootstrap password' };
  const settings = {
    DATABASE_URL: databaseUrl,
    BEACON_SECRET: TEST_SECRET,
    BEACON_DATA_DIR: dataDir,
    BEACON_ADMIN_EMAIL: admin.email,
    BEACON_ADMIN_PASSWORD: admin.password,
    LOG_LEVEL: 'warn',
    GA4_URL: ga4.url,
    TRACKING_RATE_LIMIT_IP: '10000000',
  };
  const first = await startBeacon(settings);
  const db = createPool({ connectionString: databaseUrl, max: 1 });
  try {
    const { siteId, siteKey, token } = await createSiteAs(first.base, admin, 'load.example');
    const created = await postJson(
      first.base,
      `/api/sites/${siteId}/destinations`,
      { type: 'ga4', config: { measurementId: FAKE_GA4_MEASUREMENT_ID, apiSecret: FAKE_GA4_API_SECRET } },
      { authorization: `Bearer ${token}` },
    );
    expect(created.status).toBe(201);

    const acknowledged: string[] = [];
    let stop = false;
    const worker = async () => {
      while (!stop) {
        const id = randomUUID();
        try {
          const response = await fetch(`${first.base}/api/track/event`, {
            method: 'POST',
            // A browser's agent: Beacon forwards no bots.
            headers: { 'content-type': 'text/plain', origin: 'https://load.example', 'user-agent': CHROME },
            body: JSON.stringify({
              site: siteKey,
              type: 'pageview',
              url: `https://load.example/p/${id}`,
              eventId: id,
            }),
          });
          if (response.status === 201) acknowledged.push(id);
        } catch {
          return;
        }
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    // Some deliveries go out while the load runs; then GA4 stops answering, so those being sent
    // when the kill lands are in flight, and the rest wait in the outbox.
    await waitUntil(() => ga4.events.length >= 50, 20_000);
    ga4.setMode('hang');
    await waitUntil(() => acknowledged.length >= 600, 20_000);
    await stopBeacon(first, 'SIGKILL');
    stop = true;
    await Promise.all(workers);

    const { rows: waiting } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM deliveries WHERE site_id = $1 AND status = 'pending'`,
      [siteId],
    );
    expect(waiting[0]!.n, 'the kill must leave deliveries unsent').toBeGreaterThan(0);
    // The dead process's claims would come back when their lease runs out (2 minutes), and a send
    // that timed out against the hanging GA4 before the kill waits out its backoff (a slow machine
    // reaches 600 events late enough for that); the test lets that time pass at once.
    await db.query(
      `UPDATE deliveries SET next_attempt_at = now() WHERE site_id = $1 AND status = 'pending'`,
      [siteId],
    );
    ga4.setMode('normal');
    const second = await startBeacon(settings);
    const sent = () => new Set(ga4.events.map((event) => String(event.params.page_location).split('/p/')[1]));
    // Eventually, not within a latency bound: a loaded CI machine is slow to start the second Beacon.
    await waitUntil(() => acknowledged.every((id) => sent().has(id)), 60_000);
    const missing = acknowledged.filter((id) => !sent().has(id));
    console.log(
      `[durability] ${acknowledged.length} events acknowledged before SIGKILL, ${waiting[0]!.n} deliveries left pending; not forwarded after the restart: ${missing.length}`,
    );
    // What became of each missing event's delivery, so a failure says where it stopped.
    const states =
      missing.length === 0
        ? []
        : (
            await db.query(
              `SELECT e.event_id, d.status, d.attempts, d.last_status, d.last_error, d.next_attempt_at,
                      d.lease_token IS NOT NULL AS leased, e.enrichment_status
               FROM events e LEFT JOIN deliveries d ON d.site_id = e.site_id AND d.event_row_id = e.id
               WHERE e.event_id = ANY($1)`,
              [missing],
            )
          ).rows;
    // And whether GA4 was ever sent it: which requests carried it, and how GA4 answered them.
    const carried = missing.map((id) =>
      ga4.requests.flatMap((request, index) =>
        JSON.stringify(request.body).includes(id)
          ? [{ index, violations: request.violations.length, answered: request.answered }]
          : [],
      ),
    );
    expect(missing, JSON.stringify({ states, carried, violations: ga4.violations.slice(0, 3) })).toEqual([]);
    expect(ga4.violations).toEqual([]);
    await stopBeacon(second);
  } finally {
    await db.end();
    await ga4.close();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}, 150_000);
