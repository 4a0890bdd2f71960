import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createPool } from '../src/db/pool.ts';
import { sha256Hex } from '../src/lib/ids.ts';
import { killAllBeacons, postJson, startBeacon, stopBeacon, TEST_SECRET } from './beacon-process.ts';
import { uniqueEmail } from './helpers.ts';

/** `npm run beacon -- …` as an operator types it: src/cli.ts in its own process. */
afterAll(killAllBeacons);

const root = path.resolve(import.meta.dirname, '..');
const PASSWORD = 'at least ten characters';
const NEW_PASSWORD = 'another long password';

async function cli(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number];
  return { code, stdout, stderr, all: `exit ${code}\nstdout:\n${stdout}\nstderr:\n${stderr}` };
}

/** A line of a JavaScript stack trace. */
const STACK_LINE = /^\s+at .+\(?.+:\d+:\d+\)?$/m;

/** The token the CLI prints: the last line, nothing but base64url. */
function printedToken(stdout: string): string {
  const token = stdout.trim().split('\n').at(-1)!;
  expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  return token;
}

describe('command line', () => {
  it.each([['--help'], ['-h'], ['admin', 'create', '--help']])(
    '%s prints the usage and exits 0',
    async (...args) => {
      const result = await cli(args);
      expect(result.code, result.all).toBe(0);
      expect(result.stdout).toContain('Usage: npm run beacon -- <command> [options]');
      expect(result.stdout).toContain('password-reset --email <email>');
      expect(result.stderr).toBe('');
    },
  );

  it.each([
    [['--bogus'], "Unknown option '--bogus'"],
    [['admin', 'create', '--email'], "Option '--email <value>' argument missing"],
    [['frobnicate'], 'Unknown command "frobnicate"'],
    [[], 'No command given'],
    [['migrate', '--email', 'a@b.example'], 'migrate takes no --email'],
    [
      ['admin', 'create', '--email', 'not-an-email', '--password', PASSWORD],
      '--email "not-an-email" is not an email address',
    ],
    [['password-reset', '--email', 'you@localhost'], '--email "you@localhost" is not an email address'],
    [['password-reset'], 'password-reset needs --email'],
    [
      ['admin', 'create', '--email', 'a@b.example', '--password', 'short'],
      'a --password of at least 10 characters',
    ],
  ])('%j exits 2 with the reason and the usage, no stack trace', async (args, reason) => {
    const result = await cli(args);
    expect(result.code, result.all).toBe(2);
    expect(result.stderr).toContain(reason);
    expect(result.stderr).toContain('Usage: npm run beacon -- <command> [options]');
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(result.stdout).toBe('');
  });
});

describe('password-reset', () => {
  it('prints a one-time token that only its hash is stored for; an unknown email exits 1', async () => {
    const env = { DATABASE_URL: inject('databaseUrl'), BEACON_SECRET: TEST_SECRET };
    const email = uniqueEmail('admin');
    const created = await cli(['admin', 'create', '--email', email, '--password', PASSWORD], env);
    expect(created.code, created.all).toBe(0);
    const reset = await cli(['password-reset', '--email', email.toUpperCase()], env);
    expect(reset.code, reset.all).toBe(0);
    const token = printedToken(reset.stdout);
    expect(reset.stdout).toContain('POST /api/auth/password-reset/confirm');
    expect(reset.stderr).not.toContain(token);
    const db = createPool({ connectionString: inject('databaseUrl'), max: 1 });
    try {
      const { rows } = await db.query(
        `SELECT r.token_hash FROM password_resets r JOIN dashboard_users u ON u.id = r.user_id
         WHERE u.email = $1`,
        [email],
      );
      expect(rows).toEqual([{ token_hash: sha256Hex(token) }]);
    } finally {
      await db.end();
    }
    const unknown = await cli(['password-reset', '--email', uniqueEmail('nobody')], env);
    expect(unknown.code, unknown.all).toBe(1);
    expect(unknown.stderr).toContain('No account has the email');
    expect(unknown.stdout).toBe('');
  });
});

describe('while Beacon runs on the embedded database', () => {
  it('admin create and password-reset use the running Beacon’s database', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'beacon-cli-'));
    if (process.getuid?.() === 0) await fs.chmod(dataDir, 0o755);
    const env = { BEACON_DATA_DIR: dataDir };
    const beacon = await startBeacon(env);
    try {
      const email = uniqueEmail('admin');
      const created = await cli(['admin', 'create', '--email', email, '--password', PASSWORD], env);
      expect(created.code, created.all).toBe(0);
      expect(created.stderr).toContain(`running Beacon (pid ${beacon.child.pid})`);
      expect((await postJson(beacon.base, '/api/auth/login', { email, password: PASSWORD })).status).toBe(
        200,
      );

      const reset = await cli(['password-reset', '--email', email], env);
      expect(reset.code, reset.all).toBe(0);
      const token = printedToken(reset.stdout);
      const confirmed = await fetch(`${beacon.base}/api/auth/password-reset/confirm`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token, password: NEW_PASSWORD }),
      });
      expect(confirmed.status).toBe(204);
      expect((await postJson(beacon.base, '/api/auth/login', { email, password: NEW_PASSWORD })).status).toBe(
        200,
      );
      expect(beacon.output()).not.toContain(token);
    } finally {
      expect((await stopBeacon(beacon)).code, beacon.output()).toBe(0);
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
