import { describe, expect, it } from 'vitest';
import { classifyReferrer, type ClassifyReferrerInput, type ReferrerClassification } from './referrer.ts';

const NO_CAMPAIGN = { source: null, medium: null };

function input(overrides: Partial<ClassifyReferrerInput>): ClassifyReferrerInput {
  return {
    referrer: undefined,
    pageHostname: 'www.example.com',
    siteDomains: ['example.com'],
    utm: NO_CAMPAIGN,
    hasPaidClickId: false,
    ...overrides,
  };
}

describe('classifyReferrer', () => {
  it.each<[string | undefined, ReferrerClassification]>([
    [undefined, { referrerHost: null, referrerType: 'direct' }],
    ['', { referrerHost: null, referrerType: 'direct' }],
    ['https://www.example.com/pricing', { referrerHost: 'example.com', referrerType: 'internal' }],
    ['https://example.com/', { referrerHost: 'example.com', referrerType: 'internal' }],
    ['https://blog.example.com/post', { referrerHost: 'blog.example.com', referrerType: 'internal' }],
    ['https://EXAMPLE.com./', { referrerHost: 'example.com', referrerType: 'internal' }],
    ['https://www.google.com/', { referrerHost: 'google.com', referrerType: 'search' }],
    ['https://www.google.co.uk/', { referrerHost: 'google.co.uk', referrerType: 'search' }],
    ['https://www.google.com.br/search?q=x', { referrerHost: 'google.com.br', referrerType: 'search' }],
    ['https://www.bing.com/', { referrerHost: 'bing.com', referrerType: 'search' }],
    ['https://cn.bing.com/', { referrerHost: 'cn.bing.com', referrerType: 'search' }],
    ['https://duckduckgo.com/', { referrerHost: 'duckduckgo.com', referrerType: 'search' }],
    ['https://html.duckduckgo.com/', { referrerHost: 'html.duckduckgo.com', referrerType: 'search' }],
    ['https://search.yahoo.com/', { referrerHost: 'search.yahoo.com', referrerType: 'search' }],
    ['https://r.search.yahoo.com/', { referrerHost: 'r.search.yahoo.com', referrerType: 'search' }],
    ['https://yandex.ru/', { referrerHost: 'yandex.ru', referrerType: 'search' }],
    ['https://m.baidu.com/', { referrerHost: 'm.baidu.com', referrerType: 'search' }],
    ['https://www.ecosia.org/', { referrerHost: 'ecosia.org', referrerType: 'search' }],
    ['https://search.brave.com/', { referrerHost: 'search.brave.com', referrerType: 'search' }],
    ['https://www.qwant.com/', { referrerHost: 'qwant.com', referrerType: 'search' }],
    ['https://www.startpage.com/', { referrerHost: 'startpage.com', referrerType: 'search' }],
    ['https://search.naver.com/', { referrerHost: 'search.naver.com', referrerType: 'search' }],
    ['https://www.seznam.cz/', { referrerHost: 'seznam.cz', referrerType: 'search' }],
    ['https://docs.google.com/document/d/1', { referrerHost: 'docs.google.com', referrerType: 'referral' }],
    ['https://blog.naver.com/someone', { referrerHost: 'blog.naver.com', referrerType: 'referral' }],
    ['https://brave.com/', { referrerHost: 'brave.com', referrerType: 'referral' }],
    ['https://l.facebook.com/', { referrerHost: 'l.facebook.com', referrerType: 'social' }],
    ['https://m.facebook.com/', { referrerHost: 'm.facebook.com', referrerType: 'social' }],
    ['https://www.instagram.com/', { referrerHost: 'instagram.com', referrerType: 'social' }],
    ['https://t.co/abc', { referrerHost: 't.co', referrerType: 'social' }],
    ['https://x.com/', { referrerHost: 'x.com', referrerType: 'social' }],
    ['https://www.linkedin.com/', { referrerHost: 'linkedin.com', referrerType: 'social' }],
    ['https://lnkd.in/xyz', { referrerHost: 'lnkd.in', referrerType: 'social' }],
    ['https://old.reddit.com/r/node', { referrerHost: 'old.reddit.com', referrerType: 'social' }],
    ['https://www.youtube.com/', { referrerHost: 'youtube.com', referrerType: 'social' }],
    ['https://www.pinterest.co.uk/', { referrerHost: 'pinterest.co.uk', referrerType: 'social' }],
    ['https://www.tiktok.com/', { referrerHost: 'tiktok.com', referrerType: 'social' }],
    ['https://www.threads.net/', { referrerHost: 'threads.net', referrerType: 'social' }],
    ['https://mastodon.social/@someone', { referrerHost: 'mastodon.social', referrerType: 'social' }],
    ['https://mstdn.jp/', { referrerHost: 'mstdn.jp', referrerType: 'social' }],
    ['https://web.whatsapp.com/', { referrerHost: 'web.whatsapp.com', referrerType: 'social' }],
    ['https://web.telegram.org/', { referrerHost: 'web.telegram.org', referrerType: 'social' }],
    ['https://news.ycombinator.com/', { referrerHost: 'news.ycombinator.com', referrerType: 'social' }],
    ['https://mail.google.com/', { referrerHost: 'mail.google.com', referrerType: 'email' }],
    ['https://outlook.live.com/', { referrerHost: 'outlook.live.com', referrerType: 'email' }],
    ['https://outlook.office.com/', { referrerHost: 'outlook.office.com', referrerType: 'email' }],
    ['https://mail.yahoo.com/', { referrerHost: 'mail.yahoo.com', referrerType: 'email' }],
    ['https://webmail.provider.net/', { referrerHost: 'webmail.provider.net', referrerType: 'email' }],
    ['https://e.mail.ru/', { referrerHost: 'e.mail.ru', referrerType: 'email' }],
    ['https://news.example.org/story', { referrerHost: 'news.example.org', referrerType: 'referral' }],
    ['https://ax.com/', { referrerHost: 'ax.com', referrerType: 'referral' }],
    ['http://203.0.113.7:8080/', { referrerHost: '203.0.113.7', referrerType: 'referral' }],
    [
      'android-app://com.google.android.googlequicksearchbox/',
      { referrerHost: 'com.google.android.googlequicksearchbox', referrerType: 'search' },
    ],
    [
      'android-app://com.google.android.gm/',
      { referrerHost: 'com.google.android.gm', referrerType: 'email' },
    ],
    ['android-app://com.slack/', { referrerHost: 'com.slack', referrerType: 'referral' }],
  ])('classifies %j', (referrer, expected) => {
    expect(classifyReferrer(input({ referrer }))).toEqual(expected);
  });

  it.each<[string, Partial<ClassifyReferrerInput>, ReferrerClassification]>([
    [
      'utm_medium=cpc over a search referrer',
      { referrer: 'https://www.google.com/', utm: { source: 'google', medium: 'cpc' } },
      { referrerHost: 'google.com', referrerType: 'paid' },
    ],
    [
      'utm_medium=PPC',
      { utm: { source: 'bing', medium: 'PPC' } },
      { referrerHost: null, referrerType: 'paid' },
    ],
    [
      'utm_medium=paid_social',
      { utm: { source: 'fb', medium: 'paid_social' } },
      { referrerHost: null, referrerType: 'paid' },
    ],
    [
      'utm_medium=Paid Search',
      { utm: { source: 'x', medium: 'Paid Search' } },
      { referrerHost: null, referrerType: 'paid' },
    ],
    [
      'utm_medium=display',
      { utm: { source: 'x', medium: 'display' } },
      { referrerHost: null, referrerType: 'paid' },
    ],
    ['utm_medium=cpm', { utm: { source: 'x', medium: 'cpm' } }, { referrerHost: null, referrerType: 'paid' }],
    [
      'utm_medium=affiliate',
      { utm: { source: 'x', medium: 'affiliate' } },
      { referrerHost: null, referrerType: 'paid' },
    ],
    [
      'utm_medium=email over an internal referrer',
      { referrer: 'https://example.com/', utm: { source: 'news', medium: 'email' } },
      { referrerHost: 'example.com', referrerType: 'email' },
    ],
    [
      'utm_medium=E-Mail',
      { utm: { source: 'x', medium: 'E-Mail' } },
      { referrerHost: null, referrerType: 'email' },
    ],
    [
      'utm_medium=newsletter',
      { utm: { source: 'x', medium: 'newsletter' } },
      { referrerHost: null, referrerType: 'email' },
    ],
    [
      'utm_medium=social',
      { utm: { source: 'x', medium: 'social' } },
      { referrerHost: null, referrerType: 'social' },
    ],
    [
      'utm_medium=social-network',
      { utm: { source: 'x', medium: 'social-network' } },
      { referrerHost: null, referrerType: 'social' },
    ],
    ['utm_medium=sm', { utm: { source: 'x', medium: 'sm' } }, { referrerHost: null, referrerType: 'social' }],
    [
      'utm_medium=organic',
      { utm: { source: 'x', medium: 'organic' } },
      { referrerHost: null, referrerType: 'search' },
    ],
    [
      'utm_medium=email beats a paid click id',
      { utm: { source: 'x', medium: 'email' }, hasPaidClickId: true },
      { referrerHost: null, referrerType: 'email' },
    ],
    [
      'a paid click id over a search referrer',
      { referrer: 'https://www.google.com/', hasPaidClickId: true },
      { referrerHost: 'google.com', referrerType: 'paid' },
    ],
    [
      'a paid click id without referrer',
      { hasPaidClickId: true },
      { referrerHost: null, referrerType: 'paid' },
    ],
    [
      'an unknown medium falls back to the referrer',
      { referrer: 'https://www.facebook.com/', utm: { source: 'x', medium: 'banana' } },
      { referrerHost: 'facebook.com', referrerType: 'social' },
    ],
    [
      'utm_source=google alone',
      { utm: { source: 'google', medium: null } },
      { referrerHost: null, referrerType: 'search' },
    ],
    [
      'utm_source=Facebook alone',
      { utm: { source: 'Facebook', medium: null } },
      { referrerHost: null, referrerType: 'social' },
    ],
    [
      'utm_source=www.linkedin.com alone',
      { utm: { source: 'www.linkedin.com', medium: null } },
      { referrerHost: null, referrerType: 'social' },
    ],
    [
      'utm_source=https://t.co/ alone',
      { utm: { source: 'https://t.co/', medium: null } },
      { referrerHost: null, referrerType: 'social' },
    ],
    [
      'utm_source=newsletter alone',
      { utm: { source: 'newsletter', medium: null } },
      { referrerHost: null, referrerType: 'email' },
    ],
    [
      'utm_source=partner-blog alone',
      { utm: { source: 'partner-blog', medium: null } },
      { referrerHost: null, referrerType: 'referral' },
    ],
    [
      'utm_source with an unknown medium and no referrer',
      { utm: { source: 'duckduckgo', medium: 'banana' } },
      { referrerHost: null, referrerType: 'search' },
    ],
    [
      'a blank utm_source',
      { utm: { source: '  ', medium: null } },
      { referrerHost: null, referrerType: 'direct' },
    ],
    [
      'the page host when the site has no domains',
      { referrer: 'https://shop.example.net/cart', pageHostname: 'shop.example.net', siteDomains: [] },
      { referrerHost: 'shop.example.net', referrerType: 'internal' },
    ],
    [
      'a second site domain',
      { referrer: 'https://www.example.de/', siteDomains: ['example.com', 'Example.DE'] },
      { referrerHost: 'example.de', referrerType: 'internal' },
    ],
    [
      'a site domain given with www.',
      { referrer: 'https://app.example.com/', pageHostname: null, siteDomains: ['www.example.com'] },
      { referrerHost: 'app.example.com', referrerType: 'internal' },
    ],
    [
      'a look-alike of the site domain',
      { referrer: 'https://notexample.com/', siteDomains: ['example.com'] },
      { referrerHost: 'notexample.com', referrerType: 'referral' },
    ],
  ])('classifies %s', (_label, overrides, expected) => {
    expect(classifyReferrer(input(overrides))).toEqual(expected);
  });

  describe('robustness to invalid data', () => {
    it.each<[string, unknown]>([
      ['whitespace', '   '],
      ['"NaN"', 'NaN'],
      ['"undefined"', 'undefined'],
      ['"null"', 'null'],
      ['a host without scheme', 'www.google.com'],
      ['a relative path', '/pricing'],
      ['a javascript: URL', 'javascript:alert(1)'],
      ['a data: URL', 'data:text/html,hi'],
      ['a file: URL', 'file:///etc/passwd'],
      ['an about: URL', 'about:blank'],
      ['a scheme without host', 'https://'],
      ['a dots-only host', 'https://..../'],
      ['null bytes', '\u0000\u0000'],
      ['emoji', '💩🤖'],
      ['a megabyte of text', 'x'.repeat(1_000_000)],
      ['null', null],
      ['a number', 42],
      ['NaN', Number.NaN],
      ['an object', { href: 'https://google.com/' }],
    ])('treats %s as direct', (_label, referrer) => {
      expect(classifyReferrer(input({ referrer: referrer as never }))).toEqual({
        referrerHost: null,
        referrerType: 'direct',
      });
    });

    it('reads the host of a referrer longer than the parse cap', () => {
      const referrer = `https://www.google.com/search?q=${'a'.repeat(100_000)}`;
      expect(classifyReferrer(input({ referrer }))).toEqual({
        referrerHost: 'google.com',
        referrerType: 'search',
      });
    });

    it.each([
      ['https://💩.example/', 'xn--ls8h.example'],
      ['https://BÜCHER.example/', 'xn--bcher-kva.example'],
    ])('classifies the unicode host %j as a referral', (referrer, referrerHost) => {
      expect(classifyReferrer(input({ referrer }))).toEqual({ referrerHost, referrerType: 'referral' });
    });

    it.each<[string, Partial<ClassifyReferrerInput>]>([
      ['a numeric medium', { utm: { source: null, medium: 42 as never } }],
      ['a numeric source', { utm: { source: 42 as never, medium: null } }],
      ['an unparseable source URL', { utm: { source: 'http://', medium: null } }],
      ['siteDomains that is not an array', { siteDomains: 'example.com' as never }],
      ['siteDomains holding junk', { siteDomains: [null, 42, ''] as never }],
      ['a numeric page host', { pageHostname: 42 as never }],
    ])('treats no referrer with %s as direct', (_label, overrides) => {
      expect(classifyReferrer(input(overrides))).toEqual({ referrerHost: null, referrerType: 'direct' });
    });

    it('ignores an empty site domain rather than calling every host internal', () => {
      const classification = classifyReferrer(
        input({ referrer: 'https://other.org/', pageHostname: '', siteDomains: [''] }),
      );
      expect(classification).toEqual({ referrerHost: 'other.org', referrerType: 'referral' });
    });
  });
});
