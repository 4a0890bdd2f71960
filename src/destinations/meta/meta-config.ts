import { Type, type Static } from 'typebox';

/**
 * The Graph API version requests go to when a destination names none. Conversions API calls count
 * as Marketing API calls and follow its versions, which Meta retires about a year after release
 * (v24.0 on 2026-10-06, v25.0 on 2027-02-23 by Meta's version table); v27.0 (2026-11-04) is the
 * newest, so the default that lasts longest. One constant: raise it when Meta releases the next.
 */
export const DEFAULT_META_API_VERSION = 'v27.0';

/** The oldest version Meta still served when this was written; older ones are refused at once. */
const OLDEST_META_API_VERSION = 'v25.0';

export const MetaConfig = Type.Object(
  {
    /** The pixel (dataset) id Events Manager shows, digits only. */
    pixelId: Type.String({ pattern: '^[0-9]{1,32}$', description: 'Meta pixel (dataset) id' }),
    /** A Conversions API access token (Events Manager → the pixel → Settings). Sealed at rest. */
    accessToken: Type.String({ minLength: 1, maxLength: 1000 }),
    /**
     * Omitted: the current default at each send, never stored, so raising the default moves every
     * destination that did not choose a version.
     */
    apiVersion: Type.Optional(
      Type.String({
        pattern: '^v[0-9]{1,3}\\.[0-9]{1,2}$',
        description: `Graph API version; omitted: ${DEFAULT_META_API_VERSION}, the current default`,
      }),
    ),
    /**
     * Events Manager's test code (Test events tab). While set, every event goes to Test events; Meta
     * still processes them, so remove it once the setup is checked.
     */
    testEventCode: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })),
  },
  { additionalProperties: false },
);
export type MetaConfig = Static<typeof MetaConfig>;

/** `v25.0` → [25, 0]; undefined when it is not a version. */
function versionNumbers(version: string): [number, number] | undefined {
  const match = /^v(\d{1,3})\.(\d{1,2})$/.exec(version);
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

function isOlder(version: [number, number], than: [number, number]): boolean {
  return version[0] < than[0] || (version[0] === than[0] && version[1] < than[1]);
}

/** Refuses a version Meta has retired, which would dead-letter every event until it is changed. */
export function validateMetaConfig(config: MetaConfig): { field: string; message: string } | undefined {
  if (config.apiVersion === undefined) return undefined;
  const version = versionNumbers(config.apiVersion);
  if (version === undefined) {
    return { field: 'apiVersion', message: `must look like ${DEFAULT_META_API_VERSION}` };
  }
  if (isOlder(version, versionNumbers(OLDEST_META_API_VERSION)!)) {
    return {
      field: 'apiVersion',
      message: `${config.apiVersion} is retired by Meta; use ${OLDEST_META_API_VERSION} or later (the default is ${DEFAULT_META_API_VERSION})`,
    };
  }
  return undefined;
}
