import { describe, expect, it } from 'vitest';
import { createBotDetector, detectBot, type BotReason } from './bots.ts';

const CHROME_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

describe('detectBot', () => {
  it.each([
    ['Chrome on Windows', CHROME_WINDOWS],
    [
      'Safari on iPhone',
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1',
    ],
    ['Firefox on Linux', 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0'],
    [
      'Edge on macOS',
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91',
    ],
    [
      'Samsung Internet on a tablet',
      'Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Safari/537.36',
    ],
    [
      'Chrome on Android',
      'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36',
    ],
    [
      'a Samsung smart TV',
      'Mozilla/5.0 (SMART-TV; LINUX; Tizen 6.0) AppleWebKit/537.36 (KHTML, like Gecko) 76.0.3809.146/6.0 TV Safari/537.36',
    ],
    [
      'the Facebook in-app browser',
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/446.0.0.33.115;FBBV/551238178;FBDV/iPhone15,2;FBMD/iPhone;FBSN/iOS;FBSV/17.2;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5]',
    ],
    [
      'Obsidian (Electron) on Windows',
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) obsidian/1.5.12 Chrome/120.0.6099.283 Electron/28.2.3 Safari/537.36',
    ],
    [
      'Slack (Electron) on macOS',
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Slack/4.36.140 Chrome/120.0.6099.199 Electron/28.1.3 Safari/537.36 Sonic Slack_SSB/4.36.140',
    ],
    [
      'VS Code (Electron) on Linux',
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Code/1.85.1 Chrome/114.0.5735.289 Electron/25.9.7 Safari/537.36',
    ],
    [
      'Discord (Electron) on Windows',
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) discord/1.0.9028 Chrome/120.0.6099.291 Electron/28.2.10 Safari/537.36',
    ],
    [
      'an Electron app without a name of its own',
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.56 Electron/28.0.0 Safari/537.36',
    ],
  ])('lets %s through', (_label, userAgent) => {
    expect(detectBot({ userAgent })).toEqual({ isBot: false });
    expect(detectBot({ userAgent, webdriver: false })).toEqual({ isBot: false });
  });

  it.each<[string, string | undefined, boolean | undefined, BotReason]>([
    ['no user agent', undefined, undefined, 'missing_user_agent'],
    ['an empty user agent', '', undefined, 'missing_user_agent'],
    ['a blank user agent', '   ', undefined, 'missing_user_agent'],
    ['a missing user agent with webdriver set', undefined, true, 'missing_user_agent'],
    [
      'headless Chrome (Puppeteer and Playwright defaults)',
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.6099.28 Safari/537.36',
      undefined,
      'headless_browser',
    ],
    [
      'headless Chrome with webdriver set',
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36',
      true,
      'headless_browser',
    ],
    [
      'PhantomJS',
      'Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) PhantomJS/2.1.1 Safari/538.1',
      undefined,
      'headless_browser',
    ],
    [
      'an Electron app in headless mode',
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.6099.56 Electron/28.0.0 Safari/537.36',
      undefined,
      'headless_browser',
    ],
    [
      'Obsidian driven by WebDriver',
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) obsidian/1.5.12 Chrome/120.0.6099.283 Electron/28.2.3 Safari/537.36',
      true,
      'automation',
    ],
    [
      'a Slack desktop build under Playwright',
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Slack/4.36.140 Chrome/120.0.6099.199 Electron/28.1.3 Safari/537.36 Playwright/1.40.0',
      undefined,
      'headless_browser',
    ],
    [
      'Lighthouse',
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Lighthouse',
      undefined,
      'headless_browser',
    ],
    [
      'Chrome-Lighthouse (PageSpeed Insights)',
      'Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Mobile Safari/537.36 Chrome-Lighthouse',
      undefined,
      'headless_browser',
    ],
    [
      'jsdom',
      'Mozilla/5.0 (linux) AppleWebKit/537.36 (KHTML, like Gecko) jsdom/22.1.0',
      undefined,
      'headless_browser',
    ],
    [
      "Playwright's request client",
      'Playwright/1.40.0 (x64; ubuntu 22.04) node/20.10',
      undefined,
      'headless_browser',
    ],
    ['curl', 'curl/8.4.0', undefined, 'http_library'],
    ['Wget', 'Wget/1.21.4', undefined, 'http_library'],
    ['python-requests', 'python-requests/2.31.0', undefined, 'http_library'],
    ['Python urllib', 'Python-urllib/3.11', undefined, 'http_library'],
    ['axios', 'axios/1.6.2', undefined, 'http_library'],
    ['node-fetch', 'node-fetch/1.0 (+https://github.com/bitinn/node-fetch)', undefined, 'http_library'],
    ["Node's built-in fetch", 'node', undefined, 'http_library'],
    ['undici', 'undici', undefined, 'http_library'],
    ['the Go standard library', 'Go-http-client/2.0', undefined, 'http_library'],
    ['OkHttp', 'okhttp/4.12.0', undefined, 'http_library'],
    ['Java', 'Java/17.0.2', undefined, 'http_library'],
    ['libwww-perl', 'libwww-perl/6.72', undefined, 'http_library'],
    ['Apache HttpClient', 'Apache-HttpClient/4.5.14 (Java/17.0.2)', undefined, 'http_library'],
    ['Dart, which isbot misses', 'Dart/3.2 (dart:io)', undefined, 'http_library'],
    ['Postman', 'PostmanRuntime/7.36.0', undefined, 'http_library'],
    [
      'Googlebot',
      'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
      undefined,
      'known_bot',
    ],
    [
      'Googlebot smartphone',
      'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.71 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
      undefined,
      'known_bot',
    ],
    [
      'Bingbot',
      'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
      undefined,
      'known_bot',
    ],
    [
      'AhrefsBot',
      'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)',
      undefined,
      'known_bot',
    ],
    [
      'GPTBot',
      'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)',
      undefined,
      'known_bot',
    ],
    ['a webdriver-driven Chrome', CHROME_WINDOWS, true, 'automation'],
    [
      'a webdriver-driven Firefox',
      'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
      true,
      'automation',
    ],
  ])('flags %s', (_label, userAgent, webdriver, reason) => {
    expect(detectBot({ userAgent, webdriver })).toEqual({ isBot: true, reason });
  });

  describe('robustness to invalid data', () => {
    it.each<[string, unknown, BotReason]>([
      ['null', null, 'missing_user_agent'],
      ['a number', 42, 'missing_user_agent'],
      ['NaN', Number.NaN, 'missing_user_agent'],
      ['an object', { ua: CHROME_WINDOWS }, 'missing_user_agent'],
      ['an array', [CHROME_WINDOWS], 'missing_user_agent'],
      ['tabs and newlines', '\t\n\r', 'missing_user_agent'],
    ])('treats %s as a missing user agent', (_label, userAgent, reason) => {
      expect(detectBot({ userAgent: userAgent as never })).toEqual({ isBot: true, reason });
    });

    it.each([
      ['"NaN"', 'NaN'],
      ['"undefined"', 'undefined'],
      ['10,000 letters', 'a'.repeat(10_000)],
      ['a javascript: URL', 'javascript:alert(1)'],
    ])('flags junk like %s as a known bot', (_label, userAgent) => {
      expect(detectBot({ userAgent })).toEqual({ isBot: true, reason: 'known_bot' });
    });

    it.each([
      ['null bytes', '\u0000\u0000'],
      ['emoji and accents', '💩 🤖 Ünïcödé'],
      ['a lone surrogate', '\ud800 Mozilla/5.0'],
    ])('returns a verdict for %s without throwing', (_label, userAgent) => {
      expect(typeof detectBot({ userAgent }).isBot).toBe('boolean');
    });

    it('still finds a bot marker in a user agent padded past the length cap', () => {
      const userAgent = `curl/8.4.0 ${'x'.repeat(10_000)}`;
      expect(detectBot({ userAgent })).toEqual({ isBot: true, reason: 'http_library' });
    });

    it.each<[string, unknown]>([
      ['the string "true"', 'true'],
      ['the number 1', 1],
      ['null', null],
    ])('counts only a boolean true as webdriver, not %s', (_label, webdriver) => {
      expect(detectBot({ userAgent: CHROME_WINDOWS, webdriver: webdriver as never })).toEqual({
        isBot: false,
      });
    });
  });
});

describe('createBotDetector', () => {
  const agents = [
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
    'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36',
    'curl/8.4.0',
    '',
  ];

  it.each(agents.flatMap((userAgent) => [true, false].map((webdriver) => [userAgent, webdriver] as const)))(
    'answers like detectBot for %j with webdriver %s, asked twice',
    (userAgent, webdriver) => {
      const detect = createBotDetector();
      expect(detect({ userAgent, webdriver })).toEqual(detectBot({ userAgent, webdriver }));
      expect(detect({ userAgent, webdriver })).toEqual(detectBot({ userAgent, webdriver }));
    },
  );

  it('does not let one request’s webdriver flag stick to the user agent', () => {
    const detect = createBotDetector();
    const userAgent = agents[0]!;
    expect(detect({ userAgent, webdriver: true })).toEqual({ isBot: true, reason: 'automation' });
    expect(detect({ userAgent })).toEqual({ isBot: false });
  });
});
