import type { Sealer } from '../lib/sealed.ts';

type Json = Record<string, unknown>;

function get(object: Json, path: string): unknown {
  let value: unknown = object;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Json)[key];
  }
  return value;
}

function set(object: Json, path: string, value: unknown): void {
  const keys = path.split('.');
  let target = object;
  for (const key of keys.slice(0, -1)) {
    const next = target[key];
    if (next === null || typeof next !== 'object') target[key] = {};
    target = target[key] as Json;
  }
  target[keys.at(-1)!] = value;
}

function unset(object: Json, path: string): void {
  const keys = path.split('.');
  let target: unknown = object;
  for (const key of keys.slice(0, -1)) {
    if (target === null || typeof target !== 'object') return;
    target = (target as Json)[key];
  }
  if (target !== null && typeof target === 'object') delete (target as Json)[keys.at(-1)!];
}

/**
 * A destination's configuration as stored: the public part, and each secret field (a dotted path
 * such as `oauth.refreshToken`) sealed on its own, so a key rotation re-seals values one by one.
 */
export interface StoredConfig {
  config: Json;
  secrets: Record<string, string>;
}

/** Takes the secret fields out of a configuration and seals each (a field that is absent stays absent). */
export function sealConfig(
  config: Json,
  secretFields: readonly string[],
  sealer: Pick<Sealer, 'seal'>,
): StoredConfig {
  const publicConfig = structuredClone(config);
  const secrets: Record<string, string> = {};
  for (const path of secretFields) {
    const value = get(publicConfig, path);
    if (value === undefined) continue;
    secrets[path] = sealer.seal(typeof value === 'string' ? value : JSON.stringify(value));
    unset(publicConfig, path);
  }
  return { config: publicConfig, secrets };
}

/**
 * The whole configuration again, secrets opened. A value stored before sealing existed (a webhook
 * URL from the old site setting) is plain text and is taken as it is. Secrets that are JSON objects
 * (a service-account key) are parsed back.
 */
export function openConfig(stored: StoredConfig, sealer: Pick<Sealer, 'open'>): Json {
  const config = structuredClone(stored.config);
  for (const [path, value] of Object.entries(stored.secrets)) {
    const plain = value.startsWith('v1.') ? sealer.open(value) : value;
    set(config, path, plain.startsWith('{') ? parseOrText(plain) : plain);
  }
  return config;
}

function parseOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * What the API shows of a stored configuration: the public part, and for each secret field a flag
 * that it is set (`apiSecretSet: true`, `oauth.refreshTokenSet: true`), never the value.
 */
export function visibleConfig(stored: StoredConfig, secretFields: readonly string[]): Json {
  const config = structuredClone(stored.config);
  for (const path of secretFields) set(config, `${path}Set`, path in stored.secrets);
  return config;
}

/**
 * A PATCH of the configuration: top-level fields given replace the stored ones, and a field given as
 * `null` is removed (an optional one such as Meta's `testEventCode`, a secret with it). A top-level
 * secret left out keeps its sealed value, so a client can change a name without resending the token;
 * an object given (`oauth`) replaces the stored one whole, secrets inside it included.
 */
export function patchConfig(
  stored: StoredConfig,
  patch: Json,
  secretFields: readonly string[],
  sealer: Pick<Sealer, 'seal'>,
): StoredConfig {
  const removed = new Set(Object.keys(patch).filter((key) => patch[key] === null));
  const given = Object.fromEntries(Object.entries(patch).filter(([key]) => !removed.has(key)));
  const sealed = sealConfig(given, secretFields, sealer);
  const kept = Object.fromEntries(
    Object.entries(stored.secrets).filter(([path]) => {
      const [top, ...rest] = path.split('.');
      return !removed.has(top!) && (rest.length === 0 || !(top! in patch));
    }),
  );
  const config = Object.fromEntries(
    Object.entries({ ...stored.config, ...sealed.config }).filter(([key]) => !removed.has(key)),
  );
  return { config, secrets: { ...kept, ...sealed.secrets } };
}
