import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Secrets at rest (destination credentials, webhook URLs): AES-256-GCM with a random 96-bit IV per
 * value. A sealed value names the key that sealed it, so after a key rotation values sealed with the
 * previous key still open until `npm run beacon -- secrets rotate` re-seals them.
 * Format: `v1.<key id>.<iv>.<tag>.<ciphertext>`, base64url parts.
 */
export interface Sealer {
  seal(plaintext: string): string;
  open(sealed: string): string;
  /** Whether the value was sealed with the current key (rotation skips it). */
  isCurrent(sealed: string): boolean;
}

export class SealedValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealedValueError';
  }
}

export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 12);
}

export function createSealer(keys: { current: Buffer; previous?: Buffer[] }): Sealer {
  for (const key of [keys.current, ...(keys.previous ?? [])]) {
    if (key.length !== 32) throw new Error('AES-256-GCM needs 32-byte keys');
  }
  const currentId = keyId(keys.current);
  const byId = new Map([keys.current, ...(keys.previous ?? [])].map((key) => [keyId(key), key]));
  return {
    seal(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', keys.current, iv);
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [
        'v1',
        currentId,
        iv.toString('base64url'),
        cipher.getAuthTag().toString('base64url'),
        ciphertext.toString('base64url'),
      ].join('.');
    },
    open(sealed) {
      const [version, id, iv, tag, ciphertext, ...rest] = sealed.split('.');
      if (version !== 'v1' || !id || !iv || !tag || ciphertext === undefined || rest.length > 0) {
        throw new SealedValueError('not a sealed value');
      }
      const key = byId.get(id);
      if (key === undefined) throw new SealedValueError(`sealed with an unknown key (${id})`);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([
          decipher.update(Buffer.from(ciphertext, 'base64url')),
          decipher.final(),
        ]).toString('utf8');
      } catch {
        throw new SealedValueError('sealed value was altered or the key is wrong');
      }
    },
    isCurrent(sealed) {
      return sealed.split('.')[1] === currentId;
    },
  };
}
