import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../lib/ids.ts';

/**
 * A one-time token for invitations and password resets: 32 random bytes, base64url. Only its SHA-256
 * is stored, so whoever reads the database cannot use a pending token.
 */
export function newOneTimeToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: sha256Hex(token) };
}
