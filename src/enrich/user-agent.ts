import { LRUCache } from 'lru-cache';
import { UAParser } from 'ua-parser-js';

export type DeviceType = 'desktop' | 'mobile' | 'tablet' | 'smarttv' | 'console' | 'wearable' | 'embedded';

export type UserAgentInfo = Readonly<{
  browserName: string | null;
  /** Major.minor at most ("120.0"): patch levels split every report into near-identical rows. */
  browserVersion: string | null;
  osName: string | null;
  osVersion: string | null;
  deviceType: DeviceType | null;
  deviceVendor: string | null;
  deviceModel: string | null;
}>;

// Real user agents stay well under this; the cap bounds parse cost and memo key size for junk input.
const MAX_USER_AGENT_LENGTH = 1024;

const UNKNOWN: UserAgentInfo = Object.freeze({
  browserName: null,
  browserVersion: null,
  osName: null,
  osVersion: null,
  deviceType: null,
  deviceVendor: null,
  deviceModel: null,
});

const DEVICE_TYPES: ReadonlyMap<string, DeviceType> = new Map(
  (['mobile', 'tablet', 'smarttv', 'console', 'wearable', 'embedded'] as const).map((type) => [type, type]),
);

// ua-parser reports no device type for desktops, so a desktop OS without a detected device stands in for it.
// iPads on iPadOS 13+ send a Macintosh UA and therefore count as desktop; the UA alone cannot tell them apart.
const DESKTOP_OS_NAMES: ReadonlySet<string> = new Set([
  'windows',
  'mac os',
  'linux',
  'chromium os',
  'ubuntu',
  'kubuntu',
  'xubuntu',
  'lubuntu',
  'debian',
  'fedora',
  'suse',
  'opensuse',
  'gentoo',
  'arch',
  'slackware',
  'mandriva',
  'centos',
  'red hat',
  'redhat',
  'mint',
  'mageia',
  'manjaro',
  'deepin',
  'elementary os',
  'freebsd',
  'netbsd',
  'openbsd',
  'dragonfly',
  'solaris',
  'haiku',
  'unix',
]);

/** Parses a User-Agent header into display fields; all null when it is missing or says nothing. */
export function parseUserAgent(userAgent: string | undefined): UserAgentInfo {
  const input = boundedUserAgent(userAgent);
  return input === undefined ? UNKNOWN : parseBounded(input);
}

/**
 * `parseUserAgent` behind an LRU memo. Traffic repeats a few thousand user agents, so most events skip the
 * regex scan. Results are frozen because callers share them.
 */
export function createUserAgentParser(
  options: { maxEntries?: number } = {},
): (userAgent: string | undefined) => UserAgentInfo {
  const memo = new LRUCache<string, UserAgentInfo>({ max: options.maxEntries ?? 5000 });
  return (userAgent) => {
    const input = boundedUserAgent(userAgent);
    if (input === undefined) return UNKNOWN;
    const cached = memo.get(input);
    if (cached !== undefined) return cached;
    const info = parseBounded(input);
    memo.set(input, info);
    return info;
  };
}

function boundedUserAgent(userAgent: unknown): string | undefined {
  if (typeof userAgent !== 'string' || userAgent.trim() === '') return undefined;
  return userAgent.length > MAX_USER_AGENT_LENGTH ? userAgent.slice(0, MAX_USER_AGENT_LENGTH) : userAgent;
}

function parseBounded(userAgent: string): UserAgentInfo {
  const parser = new UAParser(userAgent);
  const browser = parser.getBrowser();
  const os = parser.getOS();
  const device = parser.getDevice();
  const osName = orNull(os.name);
  return Object.freeze({
    browserName: orNull(browser.name),
    browserVersion: majorMinor(browser.version),
    osName,
    osVersion: orNull(os.version),
    deviceType: deviceTypeOf(device.type, osName),
    deviceVendor: orNull(device.vendor),
    deviceModel: orNull(device.model),
  });
}

function deviceTypeOf(type: string | undefined, osName: string | null): DeviceType | null {
  if (type !== undefined) return DEVICE_TYPES.get(type) ?? null;
  return osName !== null && DESKTOP_OS_NAMES.has(osName.toLowerCase()) ? 'desktop' : null;
}

function majorMinor(version: string | undefined): string | null {
  if (version === undefined || version === '') return null;
  const [major, minor] = version.split('.', 2);
  return minor === undefined || minor === '' ? (major ?? null) : `${major}.${minor}`;
}

function orNull(value: string | undefined): string | null {
  return value === undefined || value === '' ? null : value;
}
