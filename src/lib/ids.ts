import { createHash, randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

export type IdPrefix =
  | 'agency'
  | 'user'
  | 'site'
  | 'evt'
  | 'ses'
  | 'cmp'
  | 'rt'
  | 'key'
  | 'fam'
  | 'inv'
  | 'dst'
  | 'goal'
  | 'fnl'
  | 'cns'
  | 'era';

function encodeBase32(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += CROCKFORD[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += CROCKFORD[(value << (5 - bits)) & 31];
  return out;
}

/**
 * A prefixed, time-ordered id: 48 bits of milliseconds then 80 random bits, base32 (Crockford,
 * lower case). Time order keeps b-tree inserts at the right edge of the index.
 */
export function newId(prefix: IdPrefix, now = Date.now()): string {
  const bytes = new Uint8Array(16);
  let time = now;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = time % 256;
    time = Math.floor(time / 256);
  }
  bytes.set(randomPool.take(10), 6);
  return `${prefix}_${encodeBase32(bytes)}`;
}

/**
 * When an id made by newId was made: its first 48 bits are milliseconds since the epoch. Undefined
 * for anything else (an id from elsewhere, a client-made value).
 */
export function timeOfId(id: string): Date | undefined {
  const body = id.slice(id.indexOf('_') + 1);
  if (body.length !== 26) return undefined;
  let ms = 0;
  // 48 bits are the first 9.6 characters: 9 whole ones (45 bits) and the top 3 bits of the tenth.
  for (let index = 0; index < 10; index++) {
    const value = CROCKFORD.indexOf(body[index]!);
    if (value < 0) return undefined;
    ms = index < 9 ? ms * 32 + value : ms * 8 + (value >> 2);
  }
  return new Date(ms);
}

/**
 * Ids are made for every event: one randomBytes call per id cost ~30 µs (a trip into OpenSSL each
 * time), so random bytes are drawn 4 KiB at a time and handed out in slices, never twice.
 */
const randomPool = (() => {
  let pool = randomBytes(4096);
  let offset = 0;
  return {
    take(length: number): Uint8Array {
      if (offset + length > pool.length) {
        pool = randomBytes(4096);
        offset = 0;
      }
      const slice = pool.subarray(offset, offset + length);
      offset += length;
      return slice;
    },
  };
})();

/** A random secret with a readable prefix (`bk_live_…`), 160 bits of entropy. */
export function newSecret(prefix: string): string {
  return `${prefix}_${encodeBase32(randomBytes(20))}`;
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
