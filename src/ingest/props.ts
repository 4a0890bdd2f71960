/** Bounds on custom properties: they are stored per event and shown in reports, so they must stay small. */
export const PROPS_LIMITS = {
  maxKeys: 50,
  maxDepth: 4,
  maxKeyLength: 100,
  maxStringLength: 1000,
  maxArrayLength: 50,
  maxBytes: 8 * 1024,
} as const;

export type PropsCheck = { ok: true } | { ok: false; field: string; message: string };

/** Checks `props` against PROPS_LIMITS; the failure names the offending path (`props.cart.items`). */
export function checkProps(props: unknown, path = 'props'): PropsCheck {
  const fail = (field: string, message: string): PropsCheck => ({
    ok: false,
    field,
    message: `${field} ${message}`,
  });
  const visit = (value: unknown, field: string, depth: number): PropsCheck => {
    if (value === null || typeof value === 'boolean') return { ok: true };
    if (typeof value === 'number')
      return Number.isFinite(value) ? { ok: true } : fail(field, 'must be a finite number');
    if (typeof value === 'string') {
      return value.length <= PROPS_LIMITS.maxStringLength
        ? { ok: true }
        : fail(field, `must be at most ${PROPS_LIMITS.maxStringLength} characters`);
    }
    if (depth >= PROPS_LIMITS.maxDepth)
      return fail(field, `nests deeper than ${PROPS_LIMITS.maxDepth} levels`);
    if (Array.isArray(value)) {
      if (value.length > PROPS_LIMITS.maxArrayLength) {
        return fail(field, `must have at most ${PROPS_LIMITS.maxArrayLength} items`);
      }
      for (const [index, item] of value.entries()) {
        const result = visit(item, `${field}.${index}`, depth + 1);
        if (!result.ok) return result;
      }
      return { ok: true };
    }
    if (typeof value === 'object') {
      const entries = Object.entries(value);
      if (entries.length > PROPS_LIMITS.maxKeys)
        return fail(field, `must have at most ${PROPS_LIMITS.maxKeys} keys`);
      for (const [key, item] of entries) {
        if (key.length === 0 || key.length > PROPS_LIMITS.maxKeyLength) {
          return fail(
            `${field}.${key.slice(0, 40)}`,
            `key must be 1 to ${PROPS_LIMITS.maxKeyLength} characters`,
          );
        }
        const result = visit(item, `${field}.${key}`, depth + 1);
        if (!result.ok) return result;
      }
      return { ok: true };
    }
    return fail(field, 'has an unsupported type');
  };
  if (props === undefined) return { ok: true };
  if (typeof props !== 'object' || props === null || Array.isArray(props))
    return fail(path, 'must be an object');
  const result = visit(props, path, 0);
  if (!result.ok) return result;
  if (Buffer.byteLength(JSON.stringify(props)) > PROPS_LIMITS.maxBytes) {
    return fail(path, `must be at most ${PROPS_LIMITS.maxBytes} bytes as JSON`);
  }
  return { ok: true };
}
