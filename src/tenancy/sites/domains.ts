const HOSTNAME = /^(?=.{1,253}$)(?:(?!-)[a-z0-9-]{1,63}(?<!-)\.)*(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * Turns what a user types as a site's domain (`https://WWW.Example.com/path`, `example.com.`) into
 * the bare lower-case host (`www.example.com`), or undefined when it is not a hostname.
 */
export function normalizeDomain(input: string): string | undefined {
  let value = input.trim().toLowerCase();
  if (value === '') return undefined;
  if (/^[a-z][a-z0-9+.-]*:\/\//.test(value)) {
    try {
      value = new URL(value).hostname;
    } catch {
      return undefined;
    }
  } else {
    value = value.split(/[/?#]/)[0] ?? '';
    if (value.includes('@')) return undefined;
    value = value.replace(/:\d+$/, '');
  }
  value = value.replace(/\.$/, '');
  if (value === 'localhost') return value;
  if (!HOSTNAME.test(value) || !value.includes('.')) return undefined;
  return value;
}
