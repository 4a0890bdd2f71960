import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startEmbeddedPostgres } from '../src/db/embedded.ts';
import { migrate } from '../src/db/migrate.ts';
import { ensureEventPartitions } from '../src/db/partitions.ts';
import { createPool } from '../src/db/pool.ts';
import {
  TEST_SECRET,
  createSiteAs,
  descendants,
  freePort,
  isolatedDatabaseUrl,
  isAlive,
  killAllBeacons,
  postJson as post,
  runToExit,
  startBeacon,
  stopBeacon,
  waitUntil,
  type RunningBeacon,
} from './beacon-process.ts';
import { uniqueEmail } from './helpers.ts';

/**
 * Beacon as a user runs it: `node dist/main.js` (and `npm start`) in a child process, talked to over
 * HTTP. Covers the bootstrap owner, login, site creation, signals, restarts, SIGKILL and failed starts.
 */
afterAll(killAllBeacons);

const dataDirs: string[] = [];
afterAll(async () => {
  for (const dir of dataDirs) {
    // A test that failed may have left an embedded server running on this shared machine.
    const postmaster = await postmasterPid(dir);
    if (postmaster !== undefined && isAlive(postmaster)) process.kill(postmaster, 'SIGKILL');
    await fs.rm(dir, { recursive: true, force: true });
  }
});

async function newDataDir() {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'beacon-proc-'));
  dataDirs.push(dir);
  // As root the embedded server runs as postgres, which must reach the cluster (mkdtemp makes 0700).
  if (process.getuid?.() === 0) await fs.chmod(dir, 0o755);
  return dir;
}

/** The embedded PostgreSQL's postmaster, by its pid file. */
async function postmasterPid(dataDir: string): Promise<number | undefined> {
  const pidFile = path.join(dataDir, 'postgres', 'cluster', 'postmaster.pid');
  const text = await fs.readFile(pidFile, 'utf8').catch(() => undefined);
  return text === undefined ? undefined : Number(text.split('\n')[0]);
}

async function scenario(env: Record<string, string>) {
  const email = uniqueEmail('admin');
  const password = 'bootstrap password';
  const settings = { ...env, BEACON_ADMIN_EMAIL: email, BEACON_ADMIN_PASSWORD: password };

  const first = await startBeacon(settings);
  const login = await post(first.base, '/api/auth/login', { email, password });
  expect(login.status, JSON.stringify(login.body)).toBe(200);
  const site = await post(
    first.base,
    '/api/sites',
    { name: 'Kept', domain: 'kept.example' },
    { authorization: `Bearer ${login.body.accessToken as string}` },
  );
  expect(site.status).toBe(201);
  const stopped = await stopBeacon(first);
  expect(stopped.code, first.output()).toBe(0);
  expect(stopped.ms).toBeLessThan(10_000);
  expect(first.output()).toContain('"msg":"stopped"');

  // The bootstrap is idempotent and the data is still there after a restart.
  const second = await startBeacon(settings);
  const again = await post(second.base, '/api/auth/login', { email, password });
  expect(again.status).toBe(200);
  const sites = await fetch(`${second.base}/api/sites`, {
    headers: { authorization: `Bearer ${again.body.accessToken as string}` },
  }).then((response) => response.json() as Promise<{ sites: Array<{ id: string }> }>);
  expect(sites.sites.map((s) => s.id)).toEqual([site.body.id]);
  return second;
}

describe('beacon process', () => {
  it('on PostgreSQL from DATABASE_URL: bootstrap, login, site, SIGTERM < 10 s, data kept across restart', async () => {
    const running = await scenario({
      DATABASE_URL: await isolatedDatabaseUrl(),
      BEACON_SECRET: TEST_SECRET,
      BEACON_DATA_DIR: await newDataDir(),
    });
    expect((await stopBeacon(running)).code).toBe(0);
  });

  it('embedded default: the same, then survives SIGKILL of Beacon and starts again on its data', async () => {
    const dataDir = await newDataDir();
    const running = await scenario({ BEACON_DATA_DIR: dataDir });
    expect((await stopBeacon(running, 'SIGKILL')).code).toBe(null);
    // The killed Beacon left its PostgreSQL running; the next start must take the cluster over.
    const revived = await startBeacon({ BEACON_DATA_DIR: dataDir });
    const ready = await fetch(`${revived.base}/ready`).then((response) => response.json());
    expect(ready).toMatchObject({ status: 'ready', checks: { database: true } });
    expect(revived.output()).toContain('still running');
    expect((await stopBeacon(revived)).code).toBe(0);
  }, 120_000);

  it.runIf(process.getuid?.() === 0)(
    'as root, starts with its data under a directory only root may enter (a /root checkout)',
    async () => {
      const privateParent = await fs.mkdtemp(path.join(os.tmpdir(), 'beacon-private-'));
      dataDirs.push(privateParent);
      const dataDir = path.join(privateParent, 'data');
      const beacon = await startBeacon({ BEACON_DATA_DIR: dataDir });
      const cluster = await fs.realpath(path.join(dataDir, 'postgres', 'cluster'));
      dataDirs.push(cluster);
      const ready = await fetch(`${beacon.base}/ready`).then((response) => response.json());
      expect(ready).toMatchObject({ status: 'ready', checks: { database: true } });
      expect((await stopBeacon(beacon)).code).toBe(0);
    },
    60_000,
  );

  it('runs reports on ANALYTICS_DATABASE_URL: what only the replica holds is what they count', async () => {
    const replicaUrl = await isolatedDatabaseUrl();
    const replica = createPool({ connectionString: replicaUrl, max: 1 });
    try {
      await migrate(replica);
      await ensureEventPartitions(replica);
      const admin = { email: uniqueEmail('admin'), password: 'bootstrap password' };
      const beacon = await startBeacon({
        DATABASE_URL: await isolatedDatabaseUrl(),
        ANALYTICS_DATABASE_URL: replicaUrl,
        BEACON_SECRET: TEST_SECRET,
        BEACON_DATA_DIR: await newDataDir(),
        BEACON_ADMIN_EMAIL: admin.email,
        BEACON_ADMIN_PASSWORD: admin.password,
      });
      const { token, siteId } = await createSiteAs(beacon.base, admin, 'replica.example');
      await replica.query(
        `INSERT INTO events (id, site_id, type, received_at, occurred_at, visitor_id, session_id, path)
         VALUES ('evt_replica', $1, 'pageview', now(), now(), 'visitor-on-replica', 'ses_replica', '/')`,
        [siteId],
      );
      // As the ingest writer does with every event: its hour is marked for the roll-up job.
      await replica.query(`INSERT INTO rollup_dirty (site_id, hour) VALUES ($1, date_trunc('hour', now()))`, [
        siteId,
      ]);
      const today = new Date().toISOString().slice(0, 10);
      const overview = await fetch(
        `${beacon.base}/api/sites/${siteId}/stats/overview?from=${today}&to=${today}`,
        {
          headers: { authorization: `Bearer ${token}` },
        },
      );
      expect(overview.status).toBe(200);
      expect(await overview.json()).toMatchObject({ visitors: 1, pageviews: 1 });
      expect((await stopBeacon(beacon)).code).toBe(0);
    } finally {
      await replica.end();
    }
  }, 60_000);

  it('refuses to rotate secrets without the previous secret', async () => {
    const { code, output } = await runToExit(
      { DATABASE_URL: inject('databaseUrl'), BEACON_SECRET: TEST_SECRET },
      'dist/cli.js',
      ['secrets', 'rotate'],
    );
    expect(code).toBe(2);
    expect(output).toContain('BEACON_PREVIOUS_SECRET');
  });

  it('refuses to start on a bad setting, naming it', async () => {
    const { code, output } = await runToExit({ PORT: 'eighty' });
    expect(code).toBe(1);
    expect(output).toContain('invalid setting PORT');
  });
});

describe('signals', () => {
  it("SIGTERM to npm start's process stops Beacon and its embedded PostgreSQL", async () => {
    const dataDir = await newDataDir();
    const beacon = await startBeacon({ BEACON_DATA_DIR: dataDir }, 'npm');
    const npmPid = beacon.child.pid!;
    const processes = descendants(npmPid);
    const postmaster = await postmasterPid(dataDir);
    expect(processes).toContain(postmaster);

    const exit = once(beacon.child, 'exit');
    process.kill(npmPid, 'SIGTERM');
    await exit;
    const allGone = await waitUntil(() => processes.every((pid) => !isAlive(pid)), 15_000);
    expect(allGone, `still running: ${processes.filter(isAlive).join(', ')}\n${beacon.output()}`).toBe(true);
    expect(beacon.output()).toContain('"msg":"stopped"');
  }, 90_000);

  it('Ctrl-C twice under npm start: a clean shutdown that keeps every acknowledged event', async () => {
    const dataDir = await newDataDir();
    const admin = { email: uniqueEmail('admin'), password: 'bootstrap password' };
    const beacon = await startBeacon(
      {
        BEACON_DATA_DIR: dataDir,
        BEACON_ADMIN_EMAIL: admin.email,
        BEACON_ADMIN_PASSWORD: admin.password,
        TRACKING_RATE_LIMIT_IP: '10000000',
      },
      'npm',
    );
    const { siteId, siteKey } = await createSiteAs(beacon.base, admin, 'signals.example');
    const processes = descendants(beacon.child.pid!);
    const load = loadUntilRefused(beacon, siteKey);
    await waitUntil(() => load.acknowledged.length >= 200, 20_000);

    // A terminal's Ctrl-C signals its whole foreground process group; npm relays it once more.
    const exit = once(beacon.child, 'exit') as Promise<[number | null, string | null]>;
    process.kill(-beacon.child.pid!, 'SIGINT');
    expect(await waitUntil(() => beacon.output().includes('"msg":"shutting down"'), 10_000)).toBe(true);
    // Whether this one still meets Beacon depends on how quickly it stops (a quick shutdown has left
    // no group to signal): src/lifecycle.test.ts proves the repeated signal is ignored, this test
    // that the whole chain under npm ends cleanly with everything acknowledged kept.
    signalGroup(beacon.child.pid!, 'SIGINT');
    const [code] = await exit;
    await load.done;

    // npm itself may die of the second signal (exit code null); Beacon's own exit is what counts: its
    // "stopped" line, and no process left below npm.
    expect([0, null], beacon.output()).toContain(code);
    expect(beacon.output()).toContain('"msg":"stopped"');
    expect(await waitUntil(() => processes.every((pid) => !isAlive(pid)), 15_000)).toBe(true);
    expect(load.acknowledged.length).toBeGreaterThan(0);
    expect(await missingEvents(dataDir, siteId, load.acknowledged)).toEqual([]);
  }, 120_000);
});

/** Posts page views from 8 connections until Beacon stops answering 201; remembers what it acknowledged. */
function loadUntilRefused(beacon: RunningBeacon, siteKey: string) {
  const acknowledged: string[] = [];
  const worker = async () => {
    for (;;) {
      const eventId = randomUUID();
      const status = await fetch(`${beacon.base}/api/track/event`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', origin: 'https://signals.example' },
        body: JSON.stringify({ site: siteKey, type: 'pageview', url: 'https://signals.example/', eventId }),
      }).then(
        (response) => response.status,
        () => 0,
      );
      if (status !== 201) return;
      acknowledged.push(eventId);
    }
  };
  return { acknowledged, done: Promise.all(Array.from({ length: 8 }, worker)) };
}

/** The acknowledged eventIds the stopped Beacon's embedded database does not hold. */
async function missingEvents(dataDir: string, siteId: string, eventIds: string[]) {
  const server = await startEmbeddedPostgres({
    dir: path.join(dataDir, 'postgres'),
    log: { info: () => undefined, warn: () => undefined },
  });
  const db = createPool({ connectionString: server.connectionString, max: 1 });
  try {
    const { rows } = await db.query<{ event_id: string }>(
      'SELECT event_id FROM events WHERE site_id = $1 AND event_id = ANY($2::text[])',
      [siteId, eventIds],
    );
    const stored = new Set(rows.map((row) => row.event_id));
    return eventIds.filter((id) => !stored.has(id));
  } finally {
    await db.end();
    await server.stop();
  }
}

/** Signals a process group, unless it has already exited. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

describe('an unreachable REDIS_URL', () => {
  it('does not stop the start: Beacon serves in-process, names REDIS_URL once, and /ready says 503', async () => {
    const dataDir = await newDataDir();
    const beacon = await startBeacon({
      BEACON_DATA_DIR: dataDir,
      BEACON_SECRET: TEST_SECRET,
      REDIS_URL: `redis://:hunter22@127.0.0.1:${await freePort()}`,
    });
    const ready = await fetch(`${beacon.base}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ checks: { database: true, state: false } });
    expect((await fetch(`${beacon.base}/health`)).status).toBe(200);
    expect(beacon.output()).toMatch(/REDIS_URL/);
    expect(beacon.output()).not.toContain('hunter22');
    expect((await stopBeacon(beacon)).code).toBe(0);
  }, 60_000);
});

describe('a failed start names the setting, prints no stack and leaves nothing running', () => {
  const noStack = /^\s+at /m;

  it('PORT in use: exit code 1, and the embedded PostgreSQL it had started is stopped', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const port = (taken.address() as { port: number }).port;
    const dataDir = await newDataDir();
    try {
      const { code, output } = await runToExit({ BEACON_DATA_DIR: dataDir, PORT: String(port) });
      expect(code, output).toBe(1);
      expect(output).toContain(`Beacon cannot start: PORT: ${port} is already in use`);
      expect(output).not.toMatch(noStack);
    } finally {
      taken.close();
    }
    // The server ran (its log is there) and is gone: no pid file, or one whose process is dead.
    await fs.access(path.join(dataDir, 'postgres', 'postgres.log'));
    const postmaster = await postmasterPid(dataDir);
    expect(postmaster === undefined || !isAlive(postmaster)).toBe(true);
  }, 60_000);

  it.each([
    [
      'DATABASE_URL',
      async () => ({ DATABASE_URL: `postgres://beacon:hunter22@127.0.0.1:${await freePort()}/beacon` }),
    ],
    [
      'ANALYTICS_DATABASE_URL',
      async () => ({
        DATABASE_URL: await isolatedDatabaseUrl(),
        ANALYTICS_DATABASE_URL: `postgres://reader:hunter22@127.0.0.1:${await freePort()}/beacon`,
      }),
    ],
    ['GEOIP_DB', async () => ({ GEOIP_DB: '/nonexistent/ipinfo_lite.mmdb' })],
    [
      'TLS_CERT_FILE',
      async () => ({ TLS_CERT_FILE: '/nonexistent/cert.pem', TLS_KEY_FILE: '/nonexistent/key.pem' }),
    ],
  ])(
    '%s that does not work: exit code 1 and a message naming it',
    async (setting, settings) => {
      const dataDir = await newDataDir();
      const env = { BEACON_DATA_DIR: dataDir, BEACON_SECRET: TEST_SECRET, ...(await settings()) };
      const { code, output } = await runToExit(env);
      expect(code, output).toBe(1);
      expect(output).toMatch(new RegExp(`Beacon cannot start: ${setting}: \\S`));
      expect(output).not.toMatch(noStack);
      expect(output).not.toContain('hunter22');
      const postmaster = await postmasterPid(dataDir);
      expect(postmaster === undefined || !isAlive(postmaster)).toBe(true);
    },
    60_000,
  );
});
