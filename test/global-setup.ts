import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/db/embedded.ts';
import { migrate } from '../src/db/migrate.ts';
import { ensureEventPartitions } from '../src/db/partitions.ts';
import { createPool } from '../src/db/pool.ts';
import { buildIfStale } from '../scripts/build.mjs';

/**
 * Runs once per `npm test`. With DATABASE_URL / REDIS_URL set (CI), the suites use those servers.
 * Without them, it starts an embedded PostgreSQL in a temporary directory and, when redis-server is
 * on the PATH, a throwaway Redis; it prints what each backend is so nothing is skipped silently.
 * It also builds dist/ when the sources changed: the process tests run what production runs.
 */
declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    redisUrl: string | undefined;
    backends: string;
  }
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

async function startRedis(): Promise<{ url: string; process: ChildProcess } | undefined> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  const failed = await Promise.race([
    once(child, 'error').then(() => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 300)),
  ]);
  if (failed || child.exitCode !== null) return undefined;
  return { url: `redis://127.0.0.1:${port}`, process: child };
}

export default async function setup(project: TestProject) {
  await buildIfStale();
  const cleanups: Array<() => Promise<void>> = [];
  let databaseUrl = process.env.DATABASE_URL;
  let databaseLabel = 'PostgreSQL from DATABASE_URL';
  if (!databaseUrl) {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'beacon-test-'));
    if (process.getuid?.() === 0) await fs.chmod(dir, 0o755);
    const embedded: EmbeddedPostgres = await startEmbeddedPostgres({
      dir,
      log: { info: () => undefined, warn: (msg) => console.warn(msg) },
    });
    databaseUrl = embedded.connectionString;
    databaseLabel = 'embedded PostgreSQL started by the test run';
    cleanups.push(async () => {
      await embedded.stop();
      await fs.rm(dir, { recursive: true, force: true });
    });
  }

  let redisUrl = process.env.REDIS_URL || undefined;
  let redisLabel = 'Redis from REDIS_URL';
  if (!redisUrl) {
    const redis = await startRedis();
    if (redis) {
      redisUrl = redis.url;
      redisLabel = 'Redis started by the test run (redis-server on PATH)';
      cleanups.push(async () => {
        redis.process.kill('SIGTERM');
        await once(redis.process, 'exit');
      });
    } else {
      redisLabel = 'NONE: no REDIS_URL and no redis-server on PATH; Redis suites are reported as skipped';
    }
  }

  const pool = createPool({ connectionString: databaseUrl, max: 2 });
  await migrate(pool);
  await ensureEventPartitions(pool);
  await pool.end();

  const backends = `PostgreSQL: ${databaseLabel}; shared state: in-process always, and ${redisLabel}`;
  console.log(`\n[beacon tests] ${backends}\n`);
  project.provide('databaseUrl', databaseUrl);
  project.provide('redisUrl', redisUrl);
  project.provide('backends', backends);

  return async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
}
