/** Logos are shown small; a bigger file only slows every report and mail down. */
export const MAX_LOGO_BYTES = 128 * 1024;

export type LogoType = 'image/png' | 'image/jpeg' | 'image/webp';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const startsWith = (bytes: Uint8Array, expected: readonly number[], at = 0) =>
  bytes.length >= at + expected.length && expected.every((byte, index) => bytes[at + index] === byte);
const ascii = (text: string) => [...text].map((character) => character.charCodeAt(0));

/**
 * The image type a logo's bytes are, judged by their content (the file's signature and first
 * structure), never by a name or a declared type; undefined for anything else. SVG is refused on
 * purpose: it is XML that can carry script, and a logo is served from Beacon's own origin.
 */
export function detectLogoType(bytes: Uint8Array): LogoType | undefined {
  // A PNG's first chunk is always IHDR.
  if (startsWith(bytes, PNG_SIGNATURE) && startsWith(bytes, ascii('IHDR'), 12)) return 'image/png';
  // SOI then a marker segment (APPn, DQT, SOF…): every JPEG starts FF D8 FF.
  if (startsWith(bytes, [0xff, 0xd8, 0xff]) && bytes.length > 4) return 'image/jpeg';
  // RIFF <size> WEBP then a VP8, VP8L or VP8X chunk.
  if (
    startsWith(bytes, ascii('RIFF')) &&
    startsWith(bytes, ascii('WEBP'), 8) &&
    startsWith(bytes, ascii('VP8'), 12)
  ) {
    return 'image/webp';
  }
  return undefined;
}
