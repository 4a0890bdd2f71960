import { describe, expect, it } from 'vitest';
import { PNG_1PX } from '../../test/images.ts';
import { detectLogoType } from './logo-image.ts';

const JPEG_START = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00]);
const WEBP_START = Buffer.concat([
  Buffer.from('RIFF'),
  Buffer.from([0x1a, 0, 0, 0]),
  Buffer.from('WEBPVP8L'),
  Buffer.from([0x0d, 0, 0, 0, 0x2f, 0, 0, 0]),
]);

describe('a logo’s type by its content', () => {
  it.each([
    ['a PNG', PNG_1PX, 'image/png'],
    ['a JPEG', JPEG_START, 'image/jpeg'],
    ['a WebP', WEBP_START, 'image/webp'],
  ])('%s is %s', (_name, bytes, type) => {
    expect(detectLogoType(bytes)).toBe(type);
  });

  describe('robustness to what is not a PNG, JPEG or WebP', () => {
    it.each([
      ['an SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')],
      ['an SVG behind an XML declaration', Buffer.from('<?xml version="1.0"?><svg/>')],
      ['HTML', Buffer.from('<!DOCTYPE html><script>alert(1)</script>')],
      ['a GIF', Buffer.from('GIF89a\x01\x00\x01\x00')],
      ['a PNG signature without its IHDR', PNG_1PX.subarray(0, 8)],
      ['a truncated JPEG marker', Buffer.from([0xff, 0xd8])],
      [
        'a RIFF that is a WAV',
        Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WAVEfmt ')]),
      ],
      ['nothing', Buffer.alloc(0)],
      ['zeros', Buffer.alloc(64)],
    ])('refuses %s', (_name, bytes) => {
      expect(detectLogoType(bytes)).toBeUndefined();
    });
  });
});
