import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { request } from 'node:https';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPool } from '../db/pool.ts';
import { createSealer } from '../lib/sealed.ts';
import { TEST_PLATFORM_URLS } from '../../test/helpers.ts';
import { createIngestion } from '../ingest/index.ts';
import { createMemoryState } from '../state/memory.ts';
import { createAccessTokens } from '../tenancy/auth/access-tokens.ts';
import { trackerScript } from '../../test/helpers.ts';
import { buildApp } from './app.ts';
import type { App } from './types.ts';

/** Native HTTPS: a self-signed certificate made with openssl for this run. */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beacon-tls-'));
execFileSync(
  'openssl',
  [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=localhost',
    '-keyout',
    path.join(dir, 'key.pem'),
    '-out',
    path.join(dir, 'cert.pem'),
  ],
  { stdio: 'ignore' },
);

const db = createPool({ connectionString: inject('databaseUrl'), max: 2 });
let app: App;
let port: number;

beforeAll(async () => {
  const ingestion = createIngestion({ db });
  app = await buildApp({
    db,
    state: createMemoryState(),
    tokens: createAccessTokens({ key: Buffer.alloc(32, 3) }),
    ingestion,
    publicUrl: 'https://localhost',
    destinations: {
      sealer: createSealer({ current: Buffer.alloc(32, 4) }),
      urls: TEST_PLATFORM_URLS,
      fetch,
      webhookFetch: fetch,
    },
    trackerScript: await trackerScript(),
    tls: {
      cert: fs.readFileSync(path.join(dir, 'cert.pem')),
      key: fs.readFileSync(path.join(dir, 'key.pem')),
    },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as { port: number }).port;
});

afterAll(async () => {
  await app.close();
  await db.end();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('native HTTPS', () => {
  it('serves over TLS 1.3 with HSTS', async () => {
    const response = await new Promise<{ status: number; hsts: string | undefined; body: string }>(
      (resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port, path: '/health', rejectUnauthorized: false },
          (res) => {
            let body = '';
            res.on('data', (chunk: Buffer) => (body += chunk.toString()));
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                hsts: res.headers['strict-transport-security'] as string,
                body,
              }),
            );
          },
        );
        req.on('error', reject);
        req.end();
      },
    );
    expect(response.status).toBe(200);
    expect(response.body).toBe('{"status":"ok"}');
    expect(response.hsts).toBe('max-age=31536000; includeSubDomains');
  });

  it('refuses clients that offer at most TLS 1.2', async () => {
    const outcome = await new Promise<string>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port, maxVersion: 'TLSv1.2', rejectUnauthorized: false });
      socket.on('secureConnect', () => {
        resolve('connected');
        socket.destroy();
      });
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    });
    expect(outcome).not.toBe('connected');
  });
});
