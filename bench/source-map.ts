import fs from 'node:fs';
import path from 'node:path';

/**
 * Maps a position in compiled JavaScript back to its TypeScript source through the source map beside
 * the file (`<file>.map`, which `npm run build` writes for dist/main.js). Beacon runs as one bundle:
 * without the map, every Beacon frame of a CPU profile would read "dist/main.js".
 */

interface RawMap {
  sources?: string[];
  mappings?: string;
}

/** Per generated line: [generatedColumn, sourceIndex, sourceLine] segments, ascending by column. */
type Decoded = Array<Array<[number, number, number]>>;

interface LoadedMap {
  /** Absolute paths of the sources, by index. */
  sources: string[];
  lines: Decoded;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGIT = new Map([...BASE64].map((char, index) => [char, index]));

function decodeMappings(mappings: string): Decoded {
  const lines: Decoded = [];
  // Source index and line carry over from segment to segment and from line to line.
  let sourceIndex = 0;
  let sourceLine = 0;
  for (const line of mappings.split(';')) {
    const segments: Array<[number, number, number]> = [];
    // Columns restart on each generated line.
    let column = 0;
    for (const segment of line.split(',')) {
      if (segment === '') continue;
      const values: number[] = [];
      let value = 0;
      let shift = 0;
      for (const char of segment) {
        const digit = DIGIT.get(char) ?? 0;
        value += (digit & 31) << shift;
        if (digit & 32) {
          shift += 5;
        } else {
          values.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = 0;
          shift = 0;
        }
      }
      column += values[0] ?? 0;
      if (values.length >= 4) {
        sourceIndex += values[1]!;
        sourceLine += values[2]!;
        segments.push([column, sourceIndex, sourceLine]);
      }
    }
    lines.push(segments);
  }
  return lines;
}

export function createSourcePositions() {
  const maps = new Map<string, LoadedMap | undefined>();

  function load(file: string): LoadedMap | undefined {
    if (maps.has(file)) return maps.get(file);
    let loaded: LoadedMap | undefined;
    try {
      const raw = JSON.parse(fs.readFileSync(`${file}.map`, 'utf8')) as RawMap;
      if (raw.mappings !== undefined) {
        const dir = path.dirname(file);
        loaded = {
          sources: (raw.sources ?? []).map((source) => path.resolve(dir, source)),
          lines: decodeMappings(raw.mappings),
        };
      }
    } catch {
      // No map beside the file: its positions are already the source's.
    }
    maps.set(file, loaded);
    return loaded;
  }

  /** The source file and 0-based line of a 0-based generated position, when a map tells. */
  return function original(
    file: string,
    line: number,
    column: number,
  ): { file: string; line: number } | undefined {
    const map = load(file);
    const segments = map?.lines[line];
    if (map === undefined || segments === undefined) return undefined;
    let found: [number, number, number] | undefined;
    for (const segment of segments) {
      if (segment[0] > column) break;
      found = segment;
    }
    const source = found && map.sources[found[1]];
    return found && source !== undefined ? { file: source, line: found[2] } : undefined;
  };
}
