import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { buildIfStale } from '../scripts/build.mjs';
import { embeddedConnectionString } from '../src/db/embedded.ts';

export const repoRoot = path.resolve(import.meta.dirname, '..');

export interface Server {
  name: string;
  child: ChildProcess;
  pid: number;
  base: string;
  output: () => string;
}

const started = new Set<ChildProcess>();

/**
 * Last resort when the bench exits before its cleanup finished (uncaught error, deadline, Ctrl-C):
 * a server left running would skew whatever runs next on this shared machine.
 */
export function killStartedSync() {
  for (const child of started)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address() as { port: number };
  server.close();
  return address.port;
}

function launch(name: string, args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  started.add(child);
  child.once('exit', () => started.delete(child));
  let output = '';
  const append = (chunk: Buffer) => {
    // Keep the tail only: a misbehaving server logging per request must not eat the bench's memory.
    output = (output + chunk.toString()).slice(-64 * 1024);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  if (child.pid === undefined) throw new Error(`${name} could not be started`);
  return { child, pid: child.pid, output: () => output };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} did not come up within ${timeoutMs / 1000} s`);
}

/** The group-commit writer's counters from /metrics, if this Beacon exposes them. */
export async function writerCounters(server: Server): Promise<Map<string, number> | undefined> {
  const text = await fetch(`${server.base}/metrics`).then(
    (response) => (response.ok ? response.text() : ''),
    () => '',
  );
  const counters = new Map<string, number>();
  for (const match of text.matchAll(/^beacon_ingest_writer\{stat="(\w+)"\} (\S+)$/gm)) {
    counters.set(match[1]!, Number(match[2]));
  }
  return counters.size > 0 ? counters : undefined;
}

/** A server script that prints `listening <url>` once it listens (bare-server.ts, floor-server.ts). */
async function startListening(name: string, args: string[]): Promise<Server> {
  const { child, pid, output } = launch(`${name} server`, ['--import', 'tsx', ...args], {
    PATH: process.env.PATH ?? '',
  });
  const base = await waitFor(
    `the ${name} server`,
    async () => {
      if (child.exitCode !== null) throw new Error(`the ${name} server exited:\n${output()}`);
      return /listening (http:\/\/\S+)/.exec(output())?.[1];
    },
    30_000,
  );
  return { name, child, pid, base, output };
}

export function startBare(): Promise<Server> {
  return startListening('bare', ['bench/bare-server.ts']);
}

export interface BeaconOptions {
  dataDir: string;
  admin: { email: string; password: string };
  /** When set, V8 writes a .cpuprofile of the whole process there on a clean exit. */
  cpuProfileDir?: string;
  /** Settings that the phase compares, e.g. GEOIP_DB=none for ingestion without enrichment. */
  env?: Record<string, string>;
}

/**
 * Beacon's port is free when picked, but another process may bind it before Beacon does (so may
 * its embedded PostgreSQL, where that falls back to TCP). Then Beacon exits at once; try again.
 */
export async function startBeacon(options: BeaconOptions, attempts = 3): Promise<Server> {
  try {
    return await startBeaconOnce(options);
  } catch (error) {
    if (attempts <= 1 || !String((error as Error).message).includes('EADDRINUSE')) throw error;
    return startBeacon(options, attempts - 1);
  }
}

async function startBeaconOnce(options: BeaconOptions): Promise<Server> {
  const port = await freePort();
  const nodeArgs = options.cpuProfileDir
    ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`, '--cpu-prof-interval=500']
    : [];
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    HOME: os.tmpdir(),
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    BEACON_DATA_DIR: options.dataDir,
    BEACON_ADMIN_EMAIL: options.admin.email,
    BEACON_ADMIN_PASSWORD: options.admin.password,
    // Required with DATABASE_URL or REDIS_URL; the run's own tokens are all it signs.
    BEACON_SECRET: randomBytes(32).toString('base64url'),
    // X-Forwarded-For from loopback is what lets one load generator look like thousands of visitors.
    TRUSTED_PROXIES: 'loopback',
    // One load generator stands in for thousands of visitors; the limits would measure themselves.
    TRACKING_RATE_LIMIT_IP: '10000000',
    TRACKING_RATE_LIMIT_SITE: '100000000',
    ...options.env,
  };
  // Only the settings that choose the backend pass through: anything else from the caller's shell
  // (LOG_LEVEL=debug, IPINFO_TOKEN) would change what is measured.
  for (const name of ['DATABASE_URL', 'DATABASE_POOL_SIZE', 'REDIS_URL']) {
    if (process.env[name]) env[name] = process.env[name];
  }
  // What production runs; dist/ is rebuilt first if the sources changed.
  await buildIfStale();
  const { child, pid, output } = launch('Beacon', [...nodeArgs, 'dist/main.js'], env);
  const base = `http://127.0.0.1:${port}`;
  await waitFor(
    'Beacon',
    async () => {
      if (child.exitCode !== null) throw new Error(`Beacon exited during start-up:\n${output()}`);
      const ok = await fetch(`${base}/health`, { signal: AbortSignal.timeout(2000) }).then(
        (response) => response.ok,
        () => false,
      );
      return ok ? true : undefined;
    },
    90_000,
  );
  return { name: 'Beacon', child, pid, base, output };
}

/**
 * The floor server (bench/floor-server.ts) on the database Beacon uses: DATABASE_URL, or the
 * embedded PostgreSQL of `dataDir`, found by the password and pid files Beacon keeps there.
 */
export async function startFloor(dataDir: string, siteId: string): Promise<Server> {
  const databaseUrl =
    process.env.DATABASE_URL ?? (await embeddedConnectionString(path.join(dataDir, 'postgres')));
  return startListening('floor', ['bench/floor-server.ts', databaseUrl, siteId]);
}

/** Stops every server this process started and that still runs, e.g. one whose sibling failed to start. */
export async function stopAllStarted(graceMs = 15_000) {
  await Promise.all([...started].map((child) => stopChild(child, graceMs)));
}

export function stopServer(server: Server, graceMs = 15_000): Promise<string> {
  return stopChild(server.child, graceMs);
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves with how it ended. */
async function stopChild(child: ChildProcess, graceMs: number): Promise<string> {
  if (child.exitCode !== null || child.signalCode !== null) return `already exited (${child.exitCode})`;
  const exit = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  const [code, signal] = await exit;
  clearTimeout(timer);
  return signal ? `killed by ${signal}` : `exit code ${code}`;
}

/** The embedded PostgreSQL's postmaster, by its pid file, if one is running for this data dir. */
function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(
      fs.readFileSync(path.join(dataDir, 'postgres', 'cluster', 'postmaster.pid'), 'utf8').split('\n')[0],
    );
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** SIGINT, PostgreSQL's fast shutdown, without waiting: for an exit handler, which cannot wait. */
export function signalOrphanedPostgresSync(dataDir: string): number | undefined {
  const pid = postmasterPid(dataDir);
  if (pid === undefined) return undefined;
  try {
    process.kill(pid, 'SIGINT');
    return pid;
  } catch {
    return undefined;
  }
}

/**
 * A Beacon that had to be killed leaves its embedded PostgreSQL running; stop exactly that server,
 * by the pid in its pid file, and wait for it so the data directory can be removed.
 */
export async function stopOrphanedPostgres(dataDir: string, timeoutMs = 20_000) {
  const pid = signalOrphanedPostgresSync(dataDir);
  if (pid === undefined) return;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * However a bench run ends (past its deadline, SIGINT/SIGTERM, an uncaught error), `cleanup` runs
 * or, on a hard exit, the servers are killed and `temp` removed: no server and no data may stay.
 * `finished` lifts the deadline once the run has ended.
 */
export function guardBenchRun(options: {
  name: string;
  deadlineMs: number;
  cleanup: () => Promise<void>;
  dataDir: string;
  temp: string;
}): { finished: () => void } {
  const { name, deadlineMs, cleanup, dataDir, temp } = options;
  const deadline = setTimeout(() => {
    console.error(`\nthe ${name} ran past ${deadlineMs / 60_000} minutes; stopping`);
    void cleanup().finally(() => process.exit(1));
  }, deadlineMs);
  deadline.unref();
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping the servers`);
      void cleanup().finally(() => process.exit(code));
    });
  }
  process.once('exit', () => {
    killStartedSync();
    signalOrphanedPostgresSync(dataDir);
    try {
      fs.rmSync(temp, { recursive: true, force: true });
    } catch {
      // A PostgreSQL still shutting down may hold it; the OS cleans /tmp eventually.
    }
  });
  return { finished: () => clearTimeout(deadline) };
}
