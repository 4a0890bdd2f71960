import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * Starts Beacon as production runs it, `node dist/main.js` in its own process (the test run's global
 * setup builds dist/), for tests that need a real process.
 */
const root = path.resolve(import.meta.dirname, '..');

/** BEACON_SECRET for processes on the shared database, which refuse to start without one. */
export const TEST_SECRET = 'a test secret that is long enough to be accepted';

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

/** Kills whatever a test file left running; call it from afterAll. */
export function killAllBeacons() {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

export async function startBeacon(env: Record<string, string>): Promise<RunningBeacon> {
  const port = await freePort();
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Beacon exited early:\n${output}`);
    const healthy = await fetch(`${base}/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) return { child, base, output: () => output };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Beacon did not become healthy:\n${output}`);
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
