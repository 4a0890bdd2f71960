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
  startBeacon,
  stopBeacon,
} from './beacon-process.ts';
import { uniqueEmail } from './helpers.ts';

afterAll(killAllBeacons);

/**
 * The durability contract: a 2xx from ingestion means the event is committed. Load Beacon with
 * concurrent requests, SIGKILL it mid-load, and check that every acknowledged eventId is stored.
 */
it('keeps every acknowledged event when the server is killed in the middle of a load', async () => {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'beacon-kill-'));
  const admin = { email: uniqueEmail('admin'), password: 'bootstrap password' };
  const databaseUrl = await isolatedDatabaseUrl();
  const beacon = await startBeacon({
    DATABASE_URL: databaseUrl,
    BEACON_SECRET: TEST_SECRET,
    BEACON_DATA_DIR: dataDir,
    BEACON_ADMIN_EMAIL: admin.email,
    BEACON_ADMIN_PASSWORD: admin.password,
    LOG_LEVEL: 'warn',
    // All load comes from one loopback address; the per-IP limit would turn it away.
    TRACKING_RATE_LIMIT_IP: '10000000',
  });
  const { siteId, siteKey } = await createSiteAs(beacon.base, admin, 'load.example');

  const acknowledged: string[] = [];
  let failed = 0;
  let stop = false;
  const worker = async (index: number) => {
    while (!stop) {
      const batch = index % 4 === 0;
      const ids = Array.from({ length: batch ? 20 : 1 }, () => randomUUID());
      const events = ids.map((eventId) => ({
        site: siteKey,
        type: 'pageview',
        url: 'https://load.example/',
        eventId,
      }));
      try {
        const response = await fetch(`${beacon.base}/api/track/${batch ? 'batch' : 'event'}`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain', origin: 'https://load.example' },
          body: JSON.stringify(batch ? { events } : events[0]),
        });
        if (response.status === 201) acknowledged.push(...ids);
        else failed += 1;
      } catch {
        failed += 1;
        return;
      }
    }
  };
  const workers = Array.from({ length: 24 }, (_, index) => worker(index));
  const deadline = Date.now() + 20_000;
  while (acknowledged.length < 1500 && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 20));
  await stopBeacon(beacon, 'SIGKILL');
  stop = true;
  await Promise.all(workers);

  const db = createPool({ connectionString: databaseUrl, max: 1 });
  try {
    const { rows } = await db.query<{ event_id: string }>(
      'SELECT event_id FROM events WHERE site_id = $1 AND event_id = ANY($2::text[])',
      [siteId, acknowledged],
    );
    const stored = new Set(rows.map((row) => row.event_id));
    const lost = acknowledged.filter((id) => !stored.has(id));
    console.log(
      `[durability] acknowledged ${acknowledged.length} events before SIGKILL, ${failed} requests cut off; lost: ${lost.length}`,
    );
    expect(acknowledged.length).toBeGreaterThan(500);
    expect(failed, 'the kill must land while requests are in flight').toBeGreaterThan(0);
    expect(lost).toEqual([]);
  } finally {
    await db.end();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}, 90_000);
