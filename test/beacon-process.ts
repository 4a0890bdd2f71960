import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

/**
 * Starts Beacon as production runs it, `node dist/main.js` in its own process (the test run's global
 * setup builds dist/), for tests that need a real process.
 */
export const root = path.resolve(import.meta.dirname, '..');

/** BEACON_SECRET for processes on the shared database, which refuse to start without one. */
export const TEST_SECRET = 'a test secret that is long enough to be accepted';

/**
 * A new, empty database on the run's PostgreSQL, for a Beacon process of its own: its job runner
 * then cannot take the deliveries or jobs of suites running beside it on the shared database (they
 * date theirs in 2100, but a process that sends its own events' deliveries needs a database to itself).
 */
export async function isolatedDatabaseUrl(): Promise<string> {
  const shared = inject('databaseUrl');
  const name = `beacon_proc_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: shared });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(shared);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address() as { port: number };
  server.close();
  return address.port;
}

export interface RunningBeacon {
  child: ChildProcess;
  base: string;
  output: () => string;
}

const running = new Set<ChildProcess>();

/** Kills whatever a test file left running, PostgreSQL servers included; call it from afterAll. */
export function killAllBeacons() {
  for (const child of running) {
    const pids = child.pid === undefined ? [] : [child.pid, ...descendants(child.pid)];
    for (const pid of pids) kill(pid, 'SIGKILL');
  }
  running.clear();
}

function kill(pid: number, signal: NodeJS.Signals) {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Every process below `pid` (children, theirs, …), from Linux's /proc. */
export function descendants(pid: number): number[] {
  let children: number[] = [];
  try {
    for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
      const text = fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8');
      children = children.concat(text.split(' ').filter(Boolean).map(Number));
    }
  } catch {
    return [];
  }
  return children.flatMap((child) => [child, ...descendants(child)]);
}

export async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return condition();
}

/**
 * `node dist/main.js`, as production runs it, or `npm start` (in a process group of its own, which
 * a test can signal as a terminal's Ctrl-C does).
 */
function spawnBeacon(env: Record<string, string>, via: 'node' | 'npm'): ChildProcess {
  const options: SpawnOptions = { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] };
  return via === 'npm'
    ? spawn('npm', ['start'], { ...options, detached: true })
    : spawn(process.execPath, ['dist/main.js'], options);
}

function baseEnv(port: number): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), PORT: String(port), HOST: '127.0.0.1' };
}

function collectOutput(child: ChildProcess): () => string {
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return () => output;
}

export async function startBeacon(
  env: Record<string, string>,
  via: 'node' | 'npm' = 'node',
): Promise<RunningBeacon> {
  const port = await freePort();
  const child = spawnBeacon({ ...baseEnv(port), ...env }, via);
  running.add(child);
  const output = collectOutput(child);
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Beacon exited early:\n${output()}`);
    const healthy = await fetch(`${base}/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) return { child, base, output };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Beacon did not become healthy:\n${output()}`);
}

/** Runs `node dist/main.js` (or dist/cli.js) until it exits by itself, as a failed start does. */
export async function runToExit(
  env: Record<string, string>,
  script = 'dist/main.js',
  args: string[] = [],
): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: root,
    env: { ...baseEnv(await freePort()), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const output = collectOutput(child);
  const [code] = (await once(child, 'exit')) as [number | null];
  running.delete(child);
  return { code, output: output() };
}

export async function stopBeacon(beacon: RunningBeacon, signal: NodeJS.Signals = 'SIGTERM') {
  const started = Date.now();
  const exit = once(beacon.child, 'exit') as Promise<[number | null, string | null]>;
  beacon.child.kill(signal);
  const [code] = await exit;
  running.delete(beacon.child);
  return { code, ms: Date.now() - started };
}

export async function postJson(
  base: string,
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const response = await fetch(base + url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Logs in as the bootstrap administrator and creates a site; returns its id, key and the token. */
export async function createSiteAs(base: string, admin: { email: string; password: string }, domain: string) {
  const login = await postJson(base, '/api/auth/login', admin);
  if (login.status !== 200) throw new Error(`login failed: ${JSON.stringify(login.body)}`);
  const token = login.body.accessToken as string;
  const site = await postJson(
    base,
    '/api/sites',
    { name: domain, domain },
    { authorization: `Bearer ${token}` },
  );
  if (site.status !== 201) throw new Error(`site creation failed: ${JSON.stringify(site.body)}`);
  return { token, siteId: site.body.id as string, siteKey: site.body.siteKey as string };
}
