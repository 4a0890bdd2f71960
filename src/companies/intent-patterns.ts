/**
 * A site's high-intent pages: a path pattern and the points a visit to it is worth. Stored per site
 * in `sites.intent_patterns` (JSON array), with the defaults below until the site changes them.
 *
 * Pattern syntax: a path starting with `/` or `*`; `*` stands for any characters. A pattern matches
 * a page path case-insensitively, exactly or followed by `/…`: `/pricing` matches `/pricing`,
 * `/Pricing/` and `/pricing/teams`, not `/pricing-old`; written with a leading star, it also matches
 * under any prefix, such as `/de/pricing`.
 */
export interface IntentPattern {
  pattern: string;
  weight: number;
}

export const DEFAULT_INTENT_PATTERNS: readonly IntentPattern[] = [
  { pattern: '/pricing', weight: 10 },
  { pattern: '/plans', weight: 10 },
  { pattern: '/demo', weight: 15 },
  { pattern: '/contact', weight: 10 },
  { pattern: '/trial', weight: 10 },
  { pattern: '/signup', weight: 10 },
  { pattern: '/case-studies', weight: 5 },
];

export const MAX_INTENT_PATTERNS = 30;
const MAX_PATTERN_LENGTH = 200;
const MAX_WEIGHT = 100;

/**
 * The usable patterns of a stored value: anything that is not a list of `{ pattern, weight }` with a
 * path pattern and a weight from 0 to 100 is left out entry by entry, so one bad entry (the column is
 * set by SQL or a future settings API) never stops scoring. Duplicates keep their first weight.
 */
export function parseIntentPatterns(value: unknown): IntentPattern[] {
  if (!Array.isArray(value)) return [];
  const seen = new Set<string>();
  const patterns: IntentPattern[] = [];
  for (const entry of value) {
    if (patterns.length >= MAX_INTENT_PATTERNS) break;
    if (entry === null || typeof entry !== 'object') continue;
    const { pattern, weight } = entry as { pattern?: unknown; weight?: unknown };
    if (typeof pattern !== 'string' || typeof weight !== 'number') continue;
    const trimmed = pattern.trim();
    if (trimmed.length === 0 || trimmed.length > MAX_PATTERN_LENGTH || !/^[/*]/.test(trimmed)) continue;
    if (!Number.isFinite(weight) || weight < 0 || weight > MAX_WEIGHT) continue;
    const key = trimmed.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    patterns.push({ pattern: trimmed, weight });
  }
  return patterns;
}

/**
 * The pattern as a regular expression source that means the same to JavaScript and to PostgreSQL's
 * `~*` (advanced regular expressions): only literal characters, escaped, and `.*` for `*`. The
 * scorer passes it as a query parameter, never spliced into SQL.
 */
export function intentPatternRegex(pattern: string): string {
  const trimmed = pattern.length > 1 ? pattern.replace(/\/+$/, '') : pattern;
  const body = trimmed
    .split('*')
    .map((literal) => literal.replace(/[.+?^${}()|[\]\\-]/g, (char) => `\\${char}`))
    .join('.*');
  return trimmed === '/' ? '^/$' : `^${body}(/.*)?$`;
}

/** Whether a page path matches a pattern (case-insensitive), exactly as the scorer's SQL decides. */
export function matchesIntentPattern(path: string, pattern: string): boolean {
  return new RegExp(intentPatternRegex(pattern), 'i').test(path);
}
