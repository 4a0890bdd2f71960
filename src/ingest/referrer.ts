export type ReferrerType = 'direct' | 'internal' | 'search' | 'social' | 'email' | 'paid' | 'referral';

export type ClassifyReferrerInput = {
  referrer: string | undefined;
  /** Hostname of the page the visitor landed on, as returned by `parsePageUrl`. */
  pageHostname: string | null;
  /** The site's own domains; their subdomains count as internal too. */
  siteDomains: string[];
  utm: { source: string | null; medium: string | null };
  /** See `hasPaidClickId` in page-url.ts. */
  hasPaidClickId: boolean;
};

export type ReferrerClassification = {
  /** Lower case, without a leading "www.", or null when there is no usable referrer. */
  referrerHost: string | null;
  referrerType: ReferrerType;
};

// Only the host matters, and it comes first; the cap bounds parse cost for a huge internal referrer.
const MAX_REFERRER_LENGTH = 2048;

// utm_medium is normalised to lower case with runs of spaces and hyphens as "_" before these lookups.
const PAID_MEDIUMS: ReadonlySet<string> = new Set([
  'cpc',
  'ppc',
  'cpm',
  'cpv',
  'cpa',
  'display',
  'banner',
  'retargeting',
  'affiliate',
  'affiliates',
]);
const EMAIL_MEDIUMS: ReadonlySet<string> = new Set(['email', 'e_mail', 'mail', 'newsletter']);
const SOCIAL_MEDIUMS: ReadonlySet<string> = new Set([
  'social',
  'social_network',
  'social_media',
  'socialmedia',
  'sm',
]);
const SEARCH_MEDIUMS: ReadonlySet<string> = new Set(['organic']);

// The tables below are matched by label or by dot-separated suffix with Set lookups, never by scanning a list.

// First label of the host, e.g. mail.google.com, outlook.live.com, webmail.example.net; or a bare utm_source.
const EMAIL_FIRST_LABELS: ReadonlySet<string> = new Set([
  'mail',
  'webmail',
  'email',
  'outlook',
  'gmail',
  'newsletter',
]);
const EMAIL_DOMAINS: ReadonlySet<string> = new Set([
  'inbox.google.com',
  'e.mail.ru',
  'navigator.gmx.net',
  'navigator.web.de',
  'app.fastmail.com',
  'app.hey.com',
]);

// Hosts, and their subdomains, that are search engines as a whole.
const SEARCH_DOMAINS: ReadonlySet<string> = new Set([
  'bing.com',
  'duckduckgo.com',
  'ecosia.org',
  'qwant.com',
  'startpage.com',
  'kagi.com',
  'mojeek.com',
  'search.brave.com',
  'search.yahoo.com',
  'search.yahoo.co.jp',
  'search.naver.com',
  'search.seznam.cz',
  'search.aol.com',
  'search.daum.net',
  'yandex.ru',
  'yandex.com',
  'ya.ru',
  'so.com',
  'sogou.com',
]);
// Brands whose bare domain on any TLD is their search page (google.co.uk, m.baidu.com), while other
// subdomains (docs.google.com, blog.naver.com) are ordinary sites.
const SEARCH_BRANDS: ReadonlySet<string> = new Set([
  'google',
  'bing',
  'yahoo',
  'yandex',
  'baidu',
  'duckduckgo',
  'ecosia',
  'qwant',
  'startpage',
  'naver',
  'seznam',
  'sogou',
  'daum',
  'kagi',
]);

const SOCIAL_DOMAINS: ReadonlySet<string> = new Set([
  'facebook.com',
  'fb.com',
  'fb.me',
  'messenger.com',
  'instagram.com',
  't.co',
  'twitter.com',
  'x.com',
  'linkedin.com',
  'lnkd.in',
  'reddit.com',
  'redd.it',
  'youtube.com',
  'youtu.be',
  'pinterest.com',
  'pin.it',
  'tiktok.com',
  'threads.net',
  'threads.com',
  'bsky.app',
  'whatsapp.com',
  'wa.me',
  't.me',
  'telegram.org',
  'telegram.me',
  'snapchat.com',
  'tumblr.com',
  'vk.com',
  'ok.ru',
  'weibo.com',
  'quora.com',
  'discord.com',
  'xing.com',
  'line.me',
  'news.ycombinator.com',
  'fosstodon.org',
  'hachyderm.io',
  'infosec.exchange',
  'mas.to',
]);
// Brand on any TLD (pinterest.co.uk, linkedin.cn) or as a bare utm_source ("facebook").
const SOCIAL_BRANDS: ReadonlySet<string> = new Set([
  'facebook',
  'fb',
  'instagram',
  'twitter',
  'linkedin',
  'reddit',
  'youtube',
  'pinterest',
  'tiktok',
  'threads',
  'whatsapp',
  'telegram',
  'snapchat',
  'tumblr',
  'bluesky',
  'vk',
  'weibo',
  'quora',
  'discord',
  'xing',
]);
// Any label, for the long tail of self-hosted Mastodon instances (mastodon.social, mstdn.jp, mastodon.example.org).
const FEDIVERSE_LABELS: ReadonlySet<string> = new Set(['mastodon', 'mstdn']);

// Android apps send android-app://<package>/ as the referrer.
const ANDROID_APPS: ReadonlyMap<string, ReferrerType> = new Map([
  ['com.google.android.googlequicksearchbox', 'search'],
  ['com.google.android.gm', 'email'],
  ['com.microsoft.office.outlook', 'email'],
  ['com.facebook.katana', 'social'],
  ['com.instagram.android', 'social'],
  ['com.twitter.android', 'social'],
  ['com.linkedin.android', 'social'],
  ['com.reddit.frontpage', 'social'],
  ['org.telegram.messenger', 'social'],
]);

// Leading labels that do not change what a site is: m.baidu.com is baidu.com.
const NEUTRAL_LABELS: ReadonlySet<string> = new Set(['www', 'm', 'mobile']);

/**
 * Names the channel a visit came from: explicit campaign tagging first, then ad click ids, then the referrer
 * (or, with no referrer, the utm_source read as one).
 */
export function classifyReferrer(input: ClassifyReferrerInput): ReferrerClassification {
  const referrer = parseReferrer(input.referrer);
  const referrerHost = referrer?.host ?? null;

  const medium = normaliseMedium(input.utm.medium);
  if (medium !== undefined) {
    if (PAID_MEDIUMS.has(medium) || medium.startsWith('paid')) return { referrerHost, referrerType: 'paid' };
    if (EMAIL_MEDIUMS.has(medium)) return { referrerHost, referrerType: 'email' };
    if (SOCIAL_MEDIUMS.has(medium)) return { referrerHost, referrerType: 'social' };
    if (SEARCH_MEDIUMS.has(medium)) return { referrerHost, referrerType: 'search' };
  }
  if (input.hasPaidClickId === true) return { referrerHost, referrerType: 'paid' };

  if (referrer === undefined) {
    const source = sourceAsHost(input.utm.source);
    if (source === undefined) return { referrerHost, referrerType: 'direct' };
    return { referrerHost, referrerType: classifyHost(source, input) };
  }
  if (referrer.androidApp) {
    return { referrerHost, referrerType: ANDROID_APPS.get(referrer.host) ?? 'referral' };
  }
  return { referrerHost, referrerType: classifyHost(referrer.host, input) };
}

function parseReferrer(referrer: unknown): { host: string; androidApp: boolean } | undefined {
  if (typeof referrer !== 'string' || referrer.trim() === '') return undefined;
  let url: URL;
  try {
    url = new URL(referrer.slice(0, MAX_REFERRER_LENGTH));
  } catch {
    return undefined;
  }
  const androidApp = url.protocol === 'android-app:';
  if (!androidApp && url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  const host = bareHost(url.hostname);
  return host === '' ? undefined : { host, androidApp };
}

function sourceAsHost(source: unknown): string | undefined {
  if (typeof source !== 'string') return undefined;
  let value = source.trim().toLowerCase();
  if (value.includes('://')) {
    try {
      value = new URL(value).hostname;
    } catch {
      return undefined;
    }
  }
  value = bareHost(value);
  return value === '' ? undefined : value;
}

function normaliseMedium(medium: unknown): string | undefined {
  if (typeof medium !== 'string') return undefined;
  const value = medium
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  return value === '' ? undefined : value;
}

function classifyHost(host: string, input: ClassifyReferrerInput): ReferrerType {
  if (isInternal(host, input)) return 'internal';
  const labels = host.split('.');
  // Before search and social, so mail.google.com or mail.vk.com count as email.
  if (EMAIL_FIRST_LABELS.has(labels[0] ?? '') || hasSuffixIn(host, EMAIL_DOMAINS)) return 'email';
  if (hasSuffixIn(host, SEARCH_DOMAINS) || isBrandHost(labels, SEARCH_BRANDS)) return 'search';
  if (
    hasSuffixIn(host, SOCIAL_DOMAINS) ||
    isBrandHost(labels, SOCIAL_BRANDS) ||
    labels.some((label) => FEDIVERSE_LABELS.has(label))
  ) {
    return 'social';
  }
  return 'referral';
}

function isInternal(host: string, input: ClassifyReferrerInput): boolean {
  if (typeof input.pageHostname === 'string' && isSameOrSubdomain(host, bareHost(input.pageHostname))) {
    return true;
  }
  if (!Array.isArray(input.siteDomains)) return false;
  return input.siteDomains.some(
    (domain) => typeof domain === 'string' && isSameOrSubdomain(host, bareHost(domain)),
  );
}

function isSameOrSubdomain(host: string, domain: string): boolean {
  return domain !== '' && (host === domain || host.endsWith(`.${domain}`));
}

/** True when the host or one of its parent domains is in the set. */
function hasSuffixIn(host: string, domains: ReadonlySet<string>): boolean {
  for (let rest = host; ;) {
    if (domains.has(rest)) return true;
    const dot = rest.indexOf('.');
    if (dot === -1) return false;
    rest = rest.slice(dot + 1);
  }
}

/** brand, brand.tld or brand.sld.tld once neutral prefixes are skipped: google.co.uk, m.baidu.com. */
function isBrandHost(labels: readonly string[], brands: ReadonlySet<string>): boolean {
  let first = 0;
  while (first < labels.length - 1 && NEUTRAL_LABELS.has(labels[first] ?? '')) first += 1;
  return labels.length - first <= 3 && brands.has(labels[first] ?? '');
}

function bareHost(host: string): string {
  const lower = host.toLowerCase().replace(/\.+$/, '');
  return lower.startsWith('www.') ? lower.slice(4) : lower;
}
