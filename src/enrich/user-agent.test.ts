import { describe, expect, it } from 'vitest';
import { createUserAgentParser, parseUserAgent, type UserAgentInfo } from './user-agent.ts';

const CHROME_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.130 Safari/537.36';

const UNKNOWN: UserAgentInfo = {
  browserName: null,
  browserVersion: null,
  osName: null,
  osVersion: null,
  deviceType: null,
  deviceVendor: null,
  deviceModel: null,
};

describe('parseUserAgent', () => {
  it.each<[string, string, UserAgentInfo]>([
    [
      'Chrome on Windows',
      CHROME_WINDOWS,
      {
        browserName: 'Chrome',
        browserVersion: '120.0',
        osName: 'Windows',
        osVersion: '10',
        deviceType: 'desktop',
        deviceVendor: null,
        deviceModel: null,
      },
    ],
    [
      'Safari on iPhone',
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1',
      {
        browserName: 'Mobile Safari',
        browserVersion: '17.2',
        osName: 'iOS',
        osVersion: '17.2.1',
        deviceType: 'mobile',
        deviceVendor: 'Apple',
        deviceModel: 'iPhone',
      },
    ],
    [
      'Firefox on Ubuntu',
      'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
      {
        browserName: 'Firefox',
        browserVersion: '121.0',
        osName: 'Ubuntu',
        osVersion: null,
        deviceType: 'desktop',
        deviceVendor: null,
        deviceModel: null,
      },
    ],
    [
      'Firefox on Linux',
      'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
      {
        browserName: 'Firefox',
        browserVersion: '121.0',
        osName: 'Linux',
        osVersion: null,
        deviceType: 'desktop',
        deviceVendor: null,
        deviceModel: null,
      },
    ],
    [
      'Samsung Internet on a Galaxy Tab',
      'Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Safari/537.36',
      {
        browserName: 'Samsung Internet',
        browserVersion: '23.0',
        osName: 'Android',
        osVersion: '13',
        deviceType: 'tablet',
        deviceVendor: 'Samsung',
        deviceModel: 'SM-X700',
      },
    ],
    [
      'Edge on macOS',
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91',
      {
        browserName: 'Edge',
        browserVersion: '120.0',
        osName: 'Mac OS',
        osVersion: '10.15.7',
        deviceType: 'desktop',
        deviceVendor: 'Apple',
        deviceModel: 'Macintosh',
      },
    ],
    [
      'Chrome on ChromeOS',
      'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
      {
        browserName: 'Chrome',
        browserVersion: '120.0',
        osName: 'Chromium OS',
        osVersion: '14541.0.0',
        deviceType: 'desktop',
        deviceVendor: null,
        deviceModel: null,
      },
    ],
    [
      'Chrome on a Pixel',
      'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36',
      {
        browserName: 'Chrome',
        browserVersion: '120.0',
        osName: 'Android',
        osVersion: '14',
        deviceType: 'mobile',
        deviceVendor: 'Google',
        deviceModel: 'Pixel 8',
      },
    ],
    [
      'a Samsung smart TV',
      'Mozilla/5.0 (SMART-TV; LINUX; Tizen 6.0) AppleWebKit/537.36 (KHTML, like Gecko) 76.0.3809.146/6.0 TV Safari/537.36',
      {
        browserName: 'Safari',
        browserVersion: null,
        osName: 'Tizen',
        osVersion: '6.0',
        deviceType: 'smarttv',
        deviceVendor: null,
        deviceModel: null,
      },
    ],
    [
      'a PlayStation 5',
      'Mozilla/5.0 (PlayStation; PlayStation 5/2.26) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.0 Safari/605.1.15',
      {
        browserName: 'Safari',
        browserVersion: '13.0',
        osName: 'PlayStation',
        osVersion: '5',
        deviceType: 'console',
        deviceVendor: 'Sony',
        deviceModel: 'PlayStation 5',
      },
    ],
    ['Googlebot', 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', UNKNOWN],
    ['curl', 'curl/8.4.0', UNKNOWN],
  ])('reads %s', (_label, userAgent, expected) => {
    expect(parseUserAgent(userAgent)).toEqual(expected);
  });

  describe('robustness to invalid data', () => {
    it.each<[string, unknown]>([
      ['undefined', undefined],
      ['an empty string', ''],
      ['whitespace', '  \t\n '],
      ['"NaN"', 'NaN'],
      ['"undefined"', 'undefined'],
      ['"null"', 'null'],
      ['"{}"', '{}'],
      ['null bytes', '\u0000\u0000\u0000'],
      ['emoji and accents', '💩 🤖 Ünïcödé'],
      ['10,000 letters', 'a'.repeat(10_000)],
      ['a javascript: URL', 'javascript:alert(1)'],
      ['null', null],
      ['a number', 42],
      ['NaN', Number.NaN],
      ['an object', { userAgent: CHROME_WINDOWS }],
      ['an array', [CHROME_WINDOWS]],
    ])('returns all nulls for %s', (_label, input) => {
      expect(parseUserAgent(input as never)).toEqual(UNKNOWN);
    });

    it('still reads a real user agent padded past the length cap', () => {
      const info = parseUserAgent(CHROME_WINDOWS + ' x'.repeat(50_000));
      expect(info).toMatchObject({ browserName: 'Chrome', osName: 'Windows', deviceType: 'desktop' });
    });

    it('returns a result callers cannot change', () => {
      const info = parseUserAgent(CHROME_WINDOWS);
      expect(Object.isFrozen(info)).toBe(true);
    });
  });
});

describe('createUserAgentParser', () => {
  it.each([CHROME_WINDOWS, 'curl/8.4.0', '', undefined])('agrees with parseUserAgent for %j', (userAgent) => {
    const parse = createUserAgentParser();
    expect(parse(userAgent)).toEqual(parseUserAgent(userAgent));
    expect(parse(userAgent)).toEqual(parseUserAgent(userAgent));
  });

  it('answers a repeated user agent from its memo', () => {
    const parse = createUserAgentParser();
    expect(parse(CHROME_WINDOWS)).toBe(parse(CHROME_WINDOWS));
  });

  it('forgets the least recently used entry beyond its size', () => {
    const parse = createUserAgentParser({ maxEntries: 2 });
    const first = parse(CHROME_WINDOWS);
    parse('curl/8.4.0');
    parse('Wget/1.21.4');
    expect(parse(CHROME_WINDOWS)).not.toBe(first);
    expect(parse(CHROME_WINDOWS)).toEqual(first);
  });

  it('keys padded user agents by their first 1024 characters', () => {
    const parse = createUserAgentParser();
    const padded = CHROME_WINDOWS.padEnd(1024, ' ');
    expect(parse(`${padded}one`)).toBe(parse(`${padded}two`));
  });
});
