import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasPaidClickId, parsePageUrl, type ClickIds, type PageUrl, type UtmParameters } from './page-url.ts';

const NO_UTM: UtmParameters = { source: null, medium: null, campaign: null, term: null, content: null };
const NO_CLICK_IDS: ClickIds = {
  gclid: null,
  gbraid: null,
  wbraid: null,
  fbclid: null,
  msclkid: null,
  ttclid: null,
  li_fat_id: null,
};

describe('parsePageUrl', () => {
  it.each<[string, Pick<PageUrl, 'url' | 'hostname' | 'path' | 'query'>]>([
    ['https://example.com', { url: 'https://example.com/', hostname: 'example.com', path: '/', query: null }],
    [
      'HTTPS://WWW.Example.COM./Pricing',
      { url: 'https://www.example.com/Pricing', hostname: 'www.example.com', path: '/Pricing', query: null },
    ],
    [
      'http://example.com:80/a',
      { url: 'http://example.com/a', hostname: 'example.com', path: '/a', query: null },
    ],
    [
      'https://example.com:443/a',
      { url: 'https://example.com/a', hostname: 'example.com', path: '/a', query: null },
    ],
    [
      'http://localhost:3000/dev',
      { url: 'http://localhost:3000/dev', hostname: 'localhost', path: '/dev', query: null },
    ],
    [
      'https://example.com/docs#install',
      { url: 'https://example.com/docs', hostname: 'example.com', path: '/docs', query: null },
    ],
    [
      'https://example.com/app/#/settings?tab=1',
      { url: 'https://example.com/app/', hostname: 'example.com', path: '/app/', query: null },
    ],
    [
      'https://example.com/caf%C3%A9/a%20b',
      {
        url: 'https://example.com/caf%C3%A9/a%20b',
        hostname: 'example.com',
        path: '/caf%C3%A9/a%20b',
        query: null,
      },
    ],
    [
      'https://example.com/search?z=1&q=shoes&a=2',
      {
        url: 'https://example.com/search?a=2&q=shoes&z=1',
        hostname: 'example.com',
        path: '/search',
        query: 'a=2&q=shoes&z=1',
      },
    ],
    [
      'https://example.com/list?tag=b&page=2&tag=a&flag',
      {
        url: 'https://example.com/list?flag&page=2&tag=b&tag=a',
        hostname: 'example.com',
        path: '/list',
        query: 'flag&page=2&tag=b&tag=a',
      },
    ],
    [
      'https://example.com/?',
      { url: 'https://example.com/', hostname: 'example.com', path: '/', query: null },
    ],
    [
      'https://user:secret@example.com/account',
      { url: 'https://example.com/account', hostname: 'example.com', path: '/account', query: null },
    ],
    [
      'https://bücher.example/',
      { url: 'https://xn--bcher-kva.example/', hostname: 'xn--bcher-kva.example', path: '/', query: null },
    ],
    ['http://[::1]:8080/x', { url: 'http://[::1]:8080/x', hostname: '[::1]', path: '/x', query: null }],
  ])('normalises %j', (raw, expected) => {
    expect(parsePageUrl(raw)).toMatchObject(expected);
  });

  it.each<[string, string | null]>([
    ['https://example.com/signup?email=ann%40example.com&plan=pro', 'plan=pro'],
    ['https://example.com/?E-Mail=ann%40example.com&Phone=555&TEL=1', null],
    ['https://example.com/?password=x&pass=x&pwd=x&plan=pro', 'plan=pro'],
    ['https://example.com/?token=x&access_token=x&auth=x&key=x&apikey=x&API_KEY=x', null],
    ['https://example.com/?name=Ann&firstname=Ann&lastname=Lee&ssn=1&mail=a&ref=x', 'ref=x'],
    ['https://example.com/?%65mail=ann%40example.com&ref=x', 'ref=x'],
    ['https://example.com/?username=ann&keyword=shoes', 'keyword=shoes&username=ann'],
  ])('strips personal data from %j', (raw, query) => {
    const page = parsePageUrl(raw);
    expect(page?.query).toBe(query);
    expect(page?.url).not.toMatch(/ann%40|=Ann|secret|=555/);
  });

  it.each<[string, string, string]>([
    [
      'an email in a referral parameter',
      'https://example.com/welcome?ref=ann.lee%40example.com&plan=pro',
      'https://example.com/welcome?plan=pro&ref=%5Bemail%5D',
    ],
    [
      'an unencoded tagged email',
      'https://example.com/welcome?from=ann+news@example.com',
      'https://example.com/welcome?from=%5Bemail%5D',
    ],
    [
      'an email in the path',
      'https://example.com/unsubscribe/ann%40example.com/confirm',
      'https://example.com/unsubscribe/%5Bemail%5D/confirm',
    ],
    [
      'a phone number in a parameter',
      'https://example.com/callback?number=%2B44%2020%207946%200958',
      'https://example.com/callback?number=%5Bphone%5D',
    ],
    [
      'a reset token in the path',
      'https://example.com/password/reset/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      'https://example.com/password/reset/%5Btoken%5D',
    ],
    [
      'a JWT in a parameter',
      'https://example.com/sso?state=1&jwt=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
      'https://example.com/sso?jwt=%5Btoken%5D&state=1',
    ],
    [
      'parameters named like secrets or phone numbers',
      'https://example.com/?reset_password_token=abc&client_secret=s&mobile_number=0151&page=2',
      'https://example.com/?page=2',
    ],
    [
      'an email as a parameter name',
      'https://example.com/?ann%40example.com',
      'https://example.com/?%5Bemail%5D',
    ],
  ])('replaces %s by a placeholder', (_label, raw, url) => {
    expect(parsePageUrl(raw)?.url).toBe(url);
  });

  it.each([
    'https://example.com/orders/ORD-2024-000123?ref=spring-sale&page=2',
    'https://example.com/blog/2024/01/15/launch?year=2024',
    'https://example.com/p/036000291452?price=1299.00',
    'https://example.com/orders/550e8400-e29b-41d4-a716-446655440000',
  ])('keeps order ids, dates, product codes and prices in %s', (raw) => {
    const page = parsePageUrl(raw);
    expect(page?.url.replace(/\?.*$/, '')).toBe(raw.replace(/\?.*$/, ''));
    expect(page?.url).not.toContain('%5B');
  });

  it('scrubs campaign values, not click ids', () => {
    const page = parsePageUrl(
      'https://example.com/?utm_content=ann%40example.com&utm_term=%2B4915112345678&gclid=EAIaIQobChMI8fJk2LmQ9xZr4TbW7nPc3VyHd6',
    );
    expect(page?.utm).toMatchObject({ content: '[email]', term: '[phone]' });
    expect(page?.clickIds.gclid).toBe('EAIaIQobChMI8fJk2LmQ9xZr4TbW7nPc3VyHd6');
  });

  it('gives the same URL when its own output is parsed again', () => {
    fc.assert(
      fc.property(
        fc.webUrl({ withQueryParameters: true, withFragments: true }),
        fc.constantFrom(
          '',
          '/ann@example.com',
          '?e=ann%40example.com',
          '?t=d41d8cd98f00b204e9800998ecf8427e',
        ),
        (base, extra) => {
          const once = parsePageUrl(base + extra);
          if (once === undefined) return;
          expect(parsePageUrl(once.url)?.url).toBe(once.url);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('reports campaign parameters and click ids but keeps them out of the URL', () => {
    const page = parsePageUrl(
      'https://example.com/landing?utm_source=Google&utm_medium=cpc&utm_campaign=spring+sale&utm_term=red%20shoes' +
        '&utm_content=ad-1&utm_id=123&gclid=Cj0KCQ&fbclid=IwAR2&msclkid=abc&gbraid=g&wbraid=w&ttclid=t&li_fat_id=l&sku=9',
    );
    expect(page).toEqual({
      url: 'https://example.com/landing?sku=9',
      hostname: 'example.com',
      path: '/landing',
      query: 'sku=9',
      utm: { source: 'Google', medium: 'cpc', campaign: 'spring sale', term: 'red shoes', content: 'ad-1' },
      clickIds: {
        gclid: 'Cj0KCQ',
        gbraid: 'g',
        wbraid: 'w',
        fbclid: 'IwAR2',
        msclkid: 'abc',
        ttclid: 't',
        li_fat_id: 'l',
      },
    });
  });

  it.each<[string, Partial<UtmParameters>]>([
    ['https://example.com/?UTM_SOURCE=News&Utm_Medium=Email', { source: 'News', medium: 'Email' }],
    ['https://example.com/?utm_source=%20%20padded%20%20', { source: 'padded' }],
    ['https://example.com/?utm_source=&utm_source=second', { source: 'second' }],
    ['https://example.com/?utm_source=first&utm_source=second', { source: 'first' }],
    ['https://example.com/?utm_source=%E2%9C%93%20ok', { source: '✓ ok' }],
    ['https://example.com/?utm_source=%ZZbad', { source: '%ZZbad' }],
    ['https://example.com/?utm_campaign=a%00b', { campaign: 'ab' }],
    ['https://example.com/?utm_medium', { medium: null }],
  ])('reads utm parameters from %j', (raw, utm) => {
    expect(parsePageUrl(raw)?.utm).toEqual({ ...NO_UTM, ...utm });
  });

  it('truncates utm values to 200 characters and click ids to 512', () => {
    const page = parsePageUrl(`https://example.com/?utm_source=${'s'.repeat(300)}&gclid=${'g'.repeat(600)}`);
    expect(page?.utm.source).toBe('s'.repeat(200));
    expect(page?.clickIds.gclid).toBe('g'.repeat(512));
  });

  it('does not split a surrogate pair when truncating', () => {
    const page = parsePageUrl(
      `https://example.com/?utm_source=${'s'.repeat(199)}${encodeURIComponent('😀')}`,
    );
    expect(page?.utm.source).toBe('s'.repeat(199));
  });

  it('leaves utm and click ids null when the URL has none', () => {
    const page = parsePageUrl('https://example.com/?q=1');
    expect(page?.utm).toEqual(NO_UTM);
    expect(page?.clickIds).toEqual(NO_CLICK_IDS);
  });

  it('accepts a URL of exactly 2048 characters', () => {
    const base = 'https://example.com/';
    expect(parsePageUrl(base + 'a'.repeat(2048 - base.length))?.path).toHaveLength(
      2048 - 'https://example.com'.length,
    );
  });

  describe('robustness to invalid data', () => {
    it.each<[string, unknown]>([
      ['undefined', undefined],
      ['null', null],
      ['a number', 42],
      ['NaN', Number.NaN],
      ['an object', { href: 'https://example.com/' }],
      ['an empty string', ''],
      ['whitespace', '   '],
      ['"NaN"', 'NaN'],
      ['"undefined"', 'undefined'],
      ['a relative path', '/pricing'],
      ['a host without scheme', 'example.com/pricing'],
      ['a javascript: URL', 'javascript:alert(document.cookie)'],
      ['a data: URL', 'data:text/html,<script>alert(1)</script>'],
      ['a file: URL', 'file:///etc/passwd'],
      ['an ftp: URL', 'ftp://example.com/file'],
      ['a scheme without host', 'http://'],
      ['a dots-only host', 'http://./'],
      ['a bad port', 'https://example.com:99999/'],
      ['a URL over 2048 characters', `https://example.com/${'a'.repeat(2048)}`],
      ['a megabyte of text', 'x'.repeat(1_000_000)],
      ['null bytes', '\u0000\u0000'],
      ['emoji', '💩🤖'],
    ])('rejects %s', (_label, raw) => {
      expect(parsePageUrl(raw as never)).toBeUndefined();
    });

    it.each([
      ['https://example.com/💩?q=💩', 'https://example.com/%F0%9F%92%A9?q=%F0%9F%92%A9'],
      ['https://example.com/a\u0000b', 'https://example.com/a%00b'],
      ['  https://example.com/trimmed  ', 'https://example.com/trimmed'],
      ['https://example.com/?utm_source=NaN&x=undefined', 'https://example.com/?x=undefined'],
      ['https://example.com/?&&&a=1&&', 'https://example.com/?a=1'],
    ])('keeps %j safe to store', (raw, url) => {
      expect(parsePageUrl(raw)?.url).toBe(url);
    });
  });
});

describe('hasPaidClickId', () => {
  it.each<[Partial<ClickIds>, boolean]>([
    [{}, false],
    [{ gclid: 'x' }, true],
    [{ gbraid: 'x' }, true],
    [{ wbraid: 'x' }, true],
    [{ msclkid: 'x' }, true],
    [{ ttclid: 'x' }, true],
    [{ li_fat_id: 'x' }, true],
    [{ fbclid: 'x' }, false],
  ])('says %j is %s', (clickIds, expected) => {
    expect(hasPaidClickId({ ...NO_CLICK_IDS, ...clickIds })).toBe(expected);
  });
});
