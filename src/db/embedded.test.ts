import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  REACHABLE_CLUSTERS_DIR,
  embeddedConnectionString,
  startEmbeddedPostgres,
  type EmbeddedPostgres,
} from './embedded.ts';

const quiet = { info: () => undefined, warn: () => undefined };
type Log = { info(message: string): void; warn(message: string): void };
const started: EmbeddedPostgres[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(started.map((server) => server.stop()));
  await Promise.all(dirs.map((dir) => fs.rm(dir, { recursive: true, force: true })));
});

async function newDir(nameLength: number) {
  const base = await fs.mkdtemp(path.join(os.tmpdir(), 'beacon-embedded-'));
  dirs.push(base);
  // As root the server runs as the postgres user: let it reach the directory, so that the cluster is
  // kept there (see the test of a directory it cannot reach).
  if (process.getuid?.() === 0) await fs.chmod(base, 0o755);
  const dir = path.join(base, 'd'.repeat(nameLength));
  await fs.mkdir(dir, { mode: 0o755 });
  return dir;
}

async function start(dir: string, log: Log = quiet) {
  const server = await startEmbeddedPostgres({ dir, log });
  started.push(server);
  return server;
}

/** The address this connection reached the server on (null: a Unix socket), and what it listens on. */
async function reached(connectionString: string) {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    const { rows } = await client.query<{ address: string | null; listening: string }>(
      "SELECT inet_server_addr() AS address, current_setting('listen_addresses') AS listening",
    );
    return rows[0]!;
  } finally {
    await client.end();
  }
}

describe('embedded PostgreSQL', () => {
  it('listens on a Unix socket in its own directory and on no TCP port', async () => {
    const dir = await newDir(4);
    const server = await start(dir);
    expect(await reached(server.connectionString)).toEqual({ address: null, listening: '' });
    expect(await embeddedConnectionString(dir)).toBe(server.connectionString);
  });

  it('falls back to loopback TCP when the socket path would not fit in a socket address', async () => {
    const dir = await newDir(120);
    const server = await start(dir);
    expect(await reached(server.connectionString)).toEqual({ address: '127.0.0.1', listening: '127.0.0.1' });
    expect(await embeddedConnectionString(dir)).toBe(server.connectionString);
  });

  it('falls back to loopback TCP, and says so, when the socket cannot be created there', async () => {
    const dir = await newDir(4);
    await (await start(dir)).stop();
    // What a filesystem without sockets amounts to: binding the socket's path fails.
    await fs.mkdir(path.join(dir, 'cluster', '.s.PGSQL.5432'));
    const warnings: string[] = [];
    const server = await start(dir, {
      info: () => undefined,
      warn: (message) => void warnings.push(message),
    });
    expect(await reached(server.connectionString)).toEqual({ address: '127.0.0.1', listening: '127.0.0.1' });
    expect(warnings.join('\n')).toMatch(/could not listen on a Unix socket/);
    expect(await embeddedConnectionString(dir)).toBe(server.connectionString);
  });

  it.runIf(process.getuid?.() === 0)(
    'as root, keeps the cluster where the postgres user can reach it when the data directory is under a 0700 parent, and finds it again',
    async () => {
      // What /root is, and where `npm start` in a /root checkout puts the data.
      const privateParent = await fs.mkdtemp(path.join(os.tmpdir(), 'beacon-private-'));
      dirs.push(privateParent);
      expect((await fs.stat(privateParent)).mode & 0o777).toBe(0o700);
      const dir = path.join(privateParent, 'data', 'postgres');
      const infos: string[] = [];
      const first = await start(dir, { info: (message) => void infos.push(message), warn: () => undefined });
      const cluster = await fs.realpath(path.join(dir, 'cluster'));
      dirs.push(cluster);
      expect(path.dirname(cluster)).toBe(REACHABLE_CLUSTERS_DIR);
      expect(infos.join('\n')).toContain(`the embedded cluster is kept in ${cluster}`);
      expect(await reached(first.connectionString)).toEqual({ address: null, listening: '' });
      const client = new pg.Client({ connectionString: first.connectionString });
      await client.connect();
      await client.query('CREATE TABLE kept (id int)');
      await client.end();
      await first.stop();

      const second = await start(dir);
      expect(await fs.realpath(path.join(dir, 'cluster'))).toBe(cluster);
      const again = new pg.Client({ connectionString: second.connectionString });
      await again.connect();
      const { rows } = await again.query("SELECT to_regclass('kept') IS NOT NULL AS kept");
      await again.end();
      expect(rows).toEqual([{ kept: true }]);
    },
    60_000,
  );
});
