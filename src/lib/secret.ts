import { hkdfSync, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { createSealer, type Sealer } from './sealed.ts';

/**
 * BEACON_SECRET when set; otherwise a random secret generated on first start and kept in the data
 * directory (mode 600), so tokens stay valid across restarts of the embedded default.
 */
export async function loadOrCreateSecret(configured: string | undefined, dataDir: string): Promise<string> {
  if (configured !== undefined) return configured;
  const file = path.join(dataDir, 'secret');
  const existing = await fs.readFile(file, 'utf8').catch(() => undefined);
  if (existing?.trim()) return existing.trim();
  await fs.mkdir(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  await fs
    .writeFile(file, secret, { mode: 0o600, flag: 'wx' })
    .catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  return (await fs.readFile(file, 'utf8')).trim();
}

/** One key per purpose, so a key leaked from one use (say, token signing) does not open another. */
export function deriveKey(secret: string, purpose: 'access-tokens' | 'credentials'): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'beacon', purpose, 32));
}

/** Seals credentials at rest with the key of BEACON_SECRET; values sealed under the previous secret still open. */
export function createCredentialSealer(secret: string, previousSecret: string | undefined): Sealer {
  return createSealer({
    current: deriveKey(secret, 'credentials'),
    previous: previousSecret === undefined ? [] : [deriveKey(previousSecret, 'credentials')],
  });
}
