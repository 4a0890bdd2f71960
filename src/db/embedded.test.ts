import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { embeddedConnectionString, startEmbeddedPostgres, type EmbeddedPostgres } from './embedded.ts';

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
  // As root the server runs as the postgres user, which must be able to reach its directory.
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
});
