import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSealer, SealedValueError } from './sealed.ts';

const oldKey = randomBytes(32);
const newKey = randomBytes(32);

describe('sealer (AES-256-GCM)', () => {
  it.each([[''], ['https://hooks.slack.com/services/T000/B000/XXXX'], ['ünïcødé ✓'], ['x'.repeat(10_000)]])(
    'opens what it sealed: %j',
    (plaintext) => {
      const sealer = createSealer({ current: newKey });
      const sealed = sealer.seal(plaintext);
      expect(sealed).toMatch(/^v1\.[0-9a-f]{12}\.[\w-]+\.[\w-]+\.[\w-]*$/);
      expect(sealed).not.toContain(plaintext || 'never');
      expect(sealer.open(sealed)).toBe(plaintext);
    },
  );

  it('never seals the same value the same way twice', () => {
    const sealer = createSealer({ current: newKey });
    expect(sealer.seal('secret')).not.toBe(sealer.seal('secret'));
  });

  it('opens values sealed with a previous key after rotation, and knows they are not current', () => {
    const sealedBefore = createSealer({ current: oldKey }).seal('token');
    const rotated = createSealer({ current: newKey, previous: [oldKey] });
    expect(rotated.open(sealedBefore)).toBe('token');
    expect(rotated.isCurrent(sealedBefore)).toBe(false);
    expect(rotated.isCurrent(rotated.seal('token'))).toBe(true);
  });

  describe('robustness to invalid data', () => {
    const sealer = createSealer({ current: newKey });
    const sealed = sealer.seal('secret');
    const [version, id, iv, tag, body] = sealed.split('.');
    it.each([
      ['plain text', 'secret'],
      ['empty', ''],
      ['unknown key', [version, 'abcdefabcdef', iv, tag, body].join('.')],
      [
        'altered ciphertext',
        [version, id, iv, tag, `${body![0] === 'A' ? 'B' : 'A'}${body!.slice(1)}`].join('.'),
      ],
      ['altered tag', [version, id, iv, `${tag![0] === 'A' ? 'B' : 'A'}${tag!.slice(1)}`, body].join('.')],
      ['extra part', `${sealed}.x`],
      ['other version', sealed.replace(/^v1/, 'v2')],
    ])('refuses %s', (_label, value) => {
      expect(() => sealer.open(value)).toThrow(SealedValueError);
    });

    it('refuses keys that are not 32 bytes', () => {
      expect(() => createSealer({ current: randomBytes(16) })).toThrow();
    });
  });
});
