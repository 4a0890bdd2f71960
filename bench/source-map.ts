import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Maps a position in tsx's output back to the TypeScript source. tsx minifies whitespace, so every
 * frame of a src/ file sits on "line 1" of the code V8 ran; the source line is what a reader needs
 * to find an anonymous function. tsx keeps {code, map} per transformed file in its cache directory
 * (os.tmpdir()/tsx-<euid>), with the source text inside the map, which lets us find the entry made
 * from the file as it is on disk.
 */

interface RawMap {
  sources?: string[];
  sourcesContent?: string[];
  mappings?: string;
}

/** Per generated line: [generatedColumn, sourceLine] pairs, ascending by column. */
type Decoded = Array<Array<[number, number]>>;

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGIT = new Map([...BASE64].map((char, index) => [char, index]));

function decodeMappings(mappings: string): Decoded {
  const lines: Decoded = [];
  let sourceLine = 0;
  for (const line of mappings.split(';')) {
    const segments: Array<[number, number]> = [];
    // Columns restart on each generated line; source positions carry over.
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
        sourceLine += values[2]!;
        segments.push([column, sourceLine]);
      }
    }
    lines.push(segments);
  }
  return lines;
}

export function createSourceLines() {
  const cacheDir = path.join(os.tmpdir(), `tsx-${process.geteuid?.() ?? os.userInfo().username}`);
  const maps = new Map<string, Decoded | undefined>();
  let index: Map<string, Array<{ text: string; mtimeMs: number }>> | undefined;

  /** Cache entries by the source file they were made from; read once, parsed only when needed. */
  function entriesFor(file: string): Array<{ text: string; mtimeMs: number }> {
    if (index === undefined) {
      index = new Map();
      let names: string[] = [];
      try {
        names = fs.readdirSync(cacheDir);
      } catch {
        // No cache: lines stay unknown.
      }
      for (const name of names) {
        try {
          const entry = path.join(cacheDir, name);
          const text = fs.readFileSync(entry, 'utf8');
          const source = /"sources":\["((?:[^"\\]|\\.)*)"/.exec(text)?.[1];
          const { mtimeMs } = fs.statSync(entry);
          if (source !== undefined) index.set(source, [...(index.get(source) ?? []), { text, mtimeMs }]);
        } catch {
          // An entry being written by another process; skip it.
        }
      }
    }
    return index.get(file) ?? [];
  }

  function load(file: string): Decoded | undefined {
    if (maps.has(file)) return maps.get(file);
    let decoded: Decoded | undefined;
    try {
      const source = fs.readFileSync(file, 'utf8');
      const candidates = entriesFor(file)
        .map(({ text, mtimeMs }) => ({ map: (JSON.parse(text) as { map?: RawMap }).map, mtimeMs }))
        .filter((candidate) => candidate.map?.mappings !== undefined);
      // Several entries exist when the file changed between runs. The one made from the current
      // text is right; tsx does not always keep the text, and then the newest entry is the one the
      // server just made or used.
      const chosen =
        candidates.find((candidate) => candidate.map?.sourcesContent?.[0] === source) ??
        candidates.sort((a, b) => b.mtimeMs - a.mtimeMs)[0];
      if (chosen?.map?.mappings) decoded = decodeMappings(chosen.map.mappings);
    } catch {
      decoded = undefined;
    }
    maps.set(file, decoded);
    return decoded;
  }

  /** 1-based source line of a 0-based generated position, or undefined when it cannot be known. */
  return function sourceLine(file: string, line: number, column: number): number | undefined {
    const segments = load(file)?.[line];
    if (segments === undefined || segments.length === 0) return undefined;
    let found: number | undefined;
    for (const [segmentColumn, sourceLineIndex] of segments) {
      if (segmentColumn > column) break;
      found = sourceLineIndex;
    }
    return found === undefined ? undefined : found + 1;
  };
}
