import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { TEST_SECRET, killAllBeacons, postJson as post, startBeacon, stopBeacon } from './beacon-process.ts';
import { uniqueEmail } from './helpers.ts';

/**
 * Beacon as a user runs it: `node dist/main.js` in a child process, talked to over HTTP.
 * Covers the bootstrap owner, login, site creation, SIGTERM within 10 s, restarts and SIGKILL.
 */
afterAll(killAllBeacons);

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
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'beacon-proc-'));
    const running = await scenario({
      DATABASE_URL: inject('databaseUrl'),
      BEACON_SECRET: TEST_SECRET,
      BEACON_DATA_DIR: dataDir,
    });
    expect((await stopBeacon(running)).code).toBe(0);
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('embedded default: the same, then survives SIGKILL of Beacon and starts again on its data', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'beacon-embedded-'));
    if (process.getuid?.() === 0) await fs.chmod(dataDir, 0o755);
    const running = await scenario({ BEACON_DATA_DIR: dataDir });
    expect((await stopBeacon(running, 'SIGKILL')).code).toBe(null);
    // The killed Beacon left its PostgreSQL running; the next start must take the cluster over.
    const revived = await startBeacon({ BEACON_DATA_DIR: dataDir });
    const ready = await fetch(`${revived.base}/ready`).then((response) => response.json());
    expect(ready).toMatchObject({ status: 'ready', checks: { database: true } });
    expect(revived.output()).toContain('still running');
    expect((await stopBeacon(revived)).code).toBe(0);
    await fs.rm(dataDir, { recursive: true, force: true });
  }, 120_000);

  it('refuses to rotate secrets without the previous secret', async () => {
    const child = spawn(process.execPath, ['dist/cli.js', 'secrets', 'rotate'], {
      cwd: path.resolve(import.meta.dirname, '..'),
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: inject('databaseUrl'), BEACON_SECRET: TEST_SECRET },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(2);
    expect(stderr).toContain('BEACON_PREVIOUS_SECRET');
  });

  it('refuses to start on a bad setting, naming it', async () => {
    const child = spawn(process.execPath, ['dist/main.js'], {
      cwd: path.resolve(import.meta.dirname, '..'),
      env: { PATH: process.env.PATH ?? '', PORT: 'eighty' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(1);
    expect(stderr).toContain('invalid setting PORT');
  });
});
