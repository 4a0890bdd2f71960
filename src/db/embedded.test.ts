import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { embeddedConnectionString, startEmbeddedPostgres, type EmbeddedPostgres } from './embedded.ts';

const quiet = { info: () => undefined, warn: () => undefined };
const started: EmbeddedPostgres[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(started.map((server) => server.stop()));
  await Promise.all(dirs.map((dir) => fs.rm(dir, { recursive: true, force: true })));
});

async function start(nameLength: number) {
  const base = await fs.mkdtemp(path.join(os.tmpdir(), 'beacon-embedded-'));
  dirs.push(base);
  // As root the server runs as the postgres user, which must be able to reach its directory.
  if (process.getuid?.() === 0) await fs.chmod(base, 0o755);
  const dir = path.join(base, 'd'.repeat(nameLength));
  await fs.mkdir(dir, { mode: 0o755 });
  const server = await startEmbeddedPostgres({ dir, log: quiet });
  started.push(server);
  return { server, dir };
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
    const { server, dir } = await start(4);
    expect(await reached(server.connectionString)).toEqual({ address: null, listening: '' });
    expect(await embeddedConnectionString(dir)).toBe(server.connectionString);
  });

  it('falls back to loopback TCP when the socket path would not fit in a socket address', async () => {
    const { server, dir } = await start(120);
    expect(await reached(server.connectionString)).toEqual({ address: '127.0.0.1', listening: '127.0.0.1' });
    expect(await embeddedConnectionString(dir)).toBe(server.connectionString);
  });
});
