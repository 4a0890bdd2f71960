import { LRUCache } from 'lru-cache';
import { isbot } from 'isbot';

/** Stable snake_case labels: they are stored with dropped events and used as metric labels. */
export type BotReason =
  'missing_user_agent' | 'headless_browser' | 'http_library' | 'known_bot' | 'automation';

export type BotVerdict = { isBot: false } | { isBot: true; reason: BotReason };

export type DetectBotInput = {
  userAgent: string | undefined;
  /** `navigator.webdriver` as reported by the tracker. */
  webdriver?: boolean;
};

// Real user agents stay well under this; the cap bounds regex cost for junk input.
const MAX_USER_AGENT_LENGTH = 1024;

// Electron is not here: desktop apps built on it (Slack, VS Code, Discord, Obsidian) show web pages
// to real people and say so in their user agent (`obsidian/1.5.12 … Electron/28.2.3`). An Electron
// shell driven by automation says HeadlessChrome, or sets navigator.webdriver, and is caught by that.
const HEADLESS_BROWSER = /headless|phantomjs|slimerjs|puppeteer|playwright|lighthouse|jsdom\/|htmlunit/i;

// HTTP clients name themselves first, so anchoring keeps browser UAs that mention e.g. "Java" elsewhere clear.
const HTTP_LIBRARY =
  /^(?:curl|wget|python-requests|python-urllib|python-httpx|aiohttp|axios|node-fetch|node|undici|got|go-http-client|okhttp|java|libwww-perl|apache-httpclient|dart|ruby|rest-client|guzzlehttp|postmanruntime|insomnia|httpie|reqwest|deno|bun)(?:[/\s(]|$)/i;

/**
 * Says whether an event comes from a bot and why. The most specific reason wins, so a metric names the tool
 * (isbot alone also matches most headless browsers and HTTP clients); the webdriver flag comes last because
 * it says automation ran but not which.
 */
export function detectBot(input: DetectBotInput): BotVerdict {
  const { userAgent } = input;
  if (typeof userAgent !== 'string' || userAgent.trim() === '') return bot('missing_user_agent');
  const bounded =
    userAgent.length > MAX_USER_AGENT_LENGTH ? userAgent.slice(0, MAX_USER_AGENT_LENGTH) : userAgent;
  if (HEADLESS_BROWSER.test(bounded)) return bot('headless_browser');
  if (HTTP_LIBRARY.test(bounded.trimStart())) return bot('http_library');
  if (isbot(bounded)) return bot('known_bot');
  if (input.webdriver === true) return bot('automation');
  return { isBot: false };
}

/**
 * detectBot with a bounded memo of the user-agent verdict: isbot's patterns cost ~10 µs a call and
 * real traffic repeats user agents heavily. The client's webdriver flag is applied after the memo.
 */
export function createBotDetector(
  options: { maxEntries?: number } = {},
): (input: DetectBotInput) => BotVerdict {
  const verdicts = new LRUCache<string, BotVerdict>({ max: options.maxEntries ?? 5000 });
  return (input) => {
    if (typeof input.userAgent !== 'string') return detectBot(input);
    let verdict = verdicts.get(input.userAgent);
    if (verdict === undefined) {
      verdict = detectBot({ userAgent: input.userAgent });
      verdicts.set(input.userAgent, verdict);
    }
    return !verdict.isBot && input.webdriver === true ? bot('automation') : verdict;
  };
}

function bot(reason: BotReason): BotVerdict {
  return { isBot: true, reason };
}
