/**
 * What PostgreSQL cannot store as `text` or inside `jsonb`: the NUL character (text refuses it as a
 * data error, jsonb refuses `\u0000`) and a lone UTF-16 surrogate (jsonb refuses its escape; as text it
 * would silently become U+FFFD). Refused at the boundary with a 400 naming the field: one such value
 * reaching the group-commit writer would abort the transaction it shares with other requests.
 */

declare global {
  interface String {
    /** ES2024, in Node since 20 (V8 11.1); TypeScript's ES2023 lib, which this project targets, lacks it. */
    isWellFormed(): boolean;
  }
}

/** Whether PostgreSQL stores `text` exactly, as text and inside jsonb. Two native scans, ~15 ns a string. */
export function isStorableText(text: string): boolean {
  return text.isWellFormed() && !text.includes('\u0000');
}

const join = (path: string, key: string | number) => (path === '' ? String(key) : `${path}.${key}`);

/**
 * The path (`title`, `props.cart.0.sku`) of the first string in `value`, object keys included, that
 * PostgreSQL cannot store; undefined when there is none. A key that cannot be stored is reported as
 * the path of its object. Walks breadth-first without recursion, so nesting of any depth costs no
 * stack; an object's strings are checked in place and only its objects queued (~0.5 µs a page view).
 */
export function findUnstorableText(value: unknown, path = ''): string | undefined {
  const values: unknown[] = [value];
  const paths: string[] = [path];
  for (let next = 0; next < values.length; next++) {
    const item = values[next];
    const at = paths[next]!;
    if (typeof item === 'string') {
      if (!isStorableText(item)) return at;
    } else if (Array.isArray(item)) {
      for (let index = 0; index < item.length; index++) {
        values.push(item[index]);
        paths.push(join(at, index));
      }
    } else if (typeof item === 'object' && item !== null) {
      for (const key of Object.keys(item)) {
        if (!isStorableText(key)) return at;
        const child = (item as Record<string, unknown>)[key];
        if (typeof child === 'string') {
          if (!isStorableText(child)) return join(at, key);
        } else if (typeof child === 'object' && child !== null) {
          values.push(child);
          paths.push(join(at, key));
        }
      }
    }
  }
  return undefined;
}

/**
 * `text` cut to at most `max` UTF-16 units without splitting a surrogate pair: a half pair left at
 * the end would be stored as U+FFFD.
 */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}
