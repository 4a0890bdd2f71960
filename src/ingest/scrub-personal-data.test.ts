import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isPhoneNumber,
  looksLikeToken,
  personalDataNamed,
  scrubProps,
  scrubText,
  scrubUrlComponent,
  scrubUrlPath,
  scrubValue,
} from './scrub-personal-data.ts';

const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkphbmUifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';

describe('scrubText', () => {
  it.each([
    ['an email in a title', 'Welcome back, jane.doe@example.com!', 'Welcome back, [email]!'],
    ['a tagged email', 'sent to jane+news@mail.example.co.uk', 'sent to [email]'],
    ['an internationalised email', 'jörg@bücher.example', '[email]'],
    ['two emails', 'a@x.example, b@y.example', '[email], [email]'],
    ['an international phone number', 'Call +49 30 12345678 now', 'Call [phone] now'],
    ['an E.164 number', '+4915112345678', '[phone]'],
    ['a US number with country code', '+1 (555) 123-4567', '[phone]'],
    ['a UK number with a bracketed trunk prefix', '+44 (0)20 7946 0958', '[phone]'],
    ['a French mobile', 'tel 06 12 34 56 78', 'tel [phone]'],
    ['a French mobile with dots', '06.12.34.56.78', '[phone]'],
    ['a North American number', '(555) 123-4567', '[phone]'],
    ['a North American number with dashes', 'Phone: 555-123-4567', 'Phone: [phone]'],
    ['a toll-free number', '1-800-555-0199', '[phone]'],
    ['a UK landline', '020 7946 0958', '[phone]'],
    ['a UK mobile written bare', '07911123456', '[phone]'],
    ['a German landline with a slash', '0341/1234567', '[phone]'],
    ['a German mobile', '0151 12345678', '[phone]'],
    ['a number ending a sentence', 'Call 020 7946 0958. Thanks', 'Call [phone]. Thanks'],
    ['a tel: link', 'tel:+4930123456', 'tel:[phone]'],
    ['a number after a query-string plus', 'call+me+at+555-123-4567', 'call+me+at+[phone]'],
    ['a JWT', `Bearer ${JWT}`, 'Bearer [token]'],
    ['a Stripe-style secret key', 'sk_live_51HxYzAbCdEfGhIjKlMnOpQrStUvWxYz0123', '[token]'],
    ['a GitHub token', 'ghp_16C7e42F292c6912E7710c838347Ae178B4a', '[token]'],
    ['a SHA-256 hex digest', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', '[token]'],
    ['an MD5 hex digest', 'd41d8cd98f00b204e9800998ecf8427e', '[token]'],
    ['a reset link token (timestamp-hash)', 'c4h2ab-1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d', '[token]'],
    ['a base64url session id', 'session 8fJk2LmQ9xZr4TbW7nPc3VyHd6', 'session [token]'],
  ])('replaces %s', (_label, input, expected) => {
    expect(scrubText(input)).toBe(expected);
  });

  it.each([
    ['a plain title', 'Pricing | Acme'],
    ['an ISO date', 'Report 2024-01-15'],
    ['a European date with time', 'Webinar am 20.12.2024 18.00 Uhr'],
    ['a date with a leading zero and time', '05.06.2024 14.30'],
    ['a US date', 'due 12/25/2024'],
    ['a date range', '2019-2024'],
    ['a year list', '2019 2020 2021 2022'],
    ['an order id with a prefix', 'Order ORD-2024-000123'],
    ['a long order number', 'Order 10023456789 confirmed'],
    ['a Unix time in ms', '1718000000000'],
    ['a Unix time in s', '1718000000'],
    ['a bare 10-digit number', '5551234567'],
    ['a zero-padded id', '0012345678'],
    ['a UPC-A code starting with 0', '036000291452'],
    ['an EAN-13 code', '4006381333931'],
    ['an ISBN', 'ISBN 978-3-16-148410-0'],
    ['a price with thousands separators', '€ 1 299 000,00'],
    ['a price with commas', '$1,234,567.89'],
    ['an IPv4 address', 'from 192.168.100.200'],
    ['clothing sizes', 'Sizes 36 38 40 42 44'],
    ['a card-length number', '4111 1111 1111 1111'],
    ['a US ZIP+4', '12345-6789'],
    ['coordinates', '52.520008, 13.404954'],
    ['a version', 'v1.2.3-beta.4'],
    ['a social handle', 'follow @beacon'],
    ['a package spec', '@scope/pkg@1.2.3'],
    ['an address without a domain', 'root@localhost'],
    ['a slug with a year', 'how-to-configure-beacon-for-2024'],
    ['a CamelCase name with numbers', 'MyProduct2024SummerEditionLimited'],
    ['a SKU', 'SKU-ABC123-DEF456-GHI789'],
    ['a UUID', '550e8400-e29b-41d4-a716-446655440000'],
    ['a UUID whose first groups are digits', '08353253-8188-4a95-bea9-3cab4ec9bcf7'],
    ['a UUID with a phone-like start in a path', '/p/07664379-2874-4eda-91d7-d4417ad5a598'],
    ['a file named like a number', 'invoice-0151-12345678.pdf'],
    ['a number running on into a word', '020-7946-0958-ext'],
    ['a long word', 'Donaudampfschifffahrtsgesellschaftskapitän'],
    ['a time', '10:30:00'],
  ])('keeps %s', (_label, input) => {
    expect(scrubText(input)).toBe(input);
  });

  describe('robustness to invalid data', () => {
    it.each([
      ['empty', ''],
      ['whitespace', ' \t\n'],
      ['NUL characters', '\u0000\u0000'],
      ['a lone surrogate', '\ud800@\udc00'],
      ['only at signs', '@'.repeat(10_000)],
      ['only digits', '9'.repeat(10_000)],
      ['only separators', '-. /'.repeat(2_500)],
      ['a near-email repeated', 'a@b.'.repeat(2_500)],
      ['a near-phone repeated', '+1 ('.repeat(2_500)],
    ])('returns a string for %s without throwing', (_label, input) => {
      expect(typeof scrubText(input)).toBe('string');
    });

    it('scrubs a long string in linear time (bounded quantifiers, no catastrophic backtracking)', () => {
      const inputs = ['a'.repeat(8192) + '@', '1 '.repeat(4096), 'aB3'.repeat(2730), 'x@'.repeat(4096)];
      const started = performance.now();
      for (const input of inputs) scrubText(input);
      expect(performance.now() - started).toBeLessThan(1000);
    });

    it.each([[undefined], [null], [42], [{}]])('hands back %j unchanged', (input) => {
      expect(scrubText(input as never)).toBe(input);
      expect(scrubValue(input as never)).toBe(input);
      expect(scrubUrlComponent(input as never)).toBe(input);
    });
  });
});

describe('isPhoneNumber', () => {
  it.each([
    ['+49 30 12345678', true],
    ['+1234567', false], // 7 digits: too short even for E.164 with a country code
    ['+1234567890123456', false], // 16 digits: longer than E.164 allows
    ['555-123-4567', true],
    ['155-123-4567', false], // North American area codes never start with 1
    ['0612345678', true],
    ['061234567', false], // 9 digits bare
    ['015112345678', false], // 12 digits bare: could be a UPC
    ['0151 12345678', true],
    ['00491511234567', false], // 00 starts no trunk prefix we recognise
    ['01.02.2024 10.30', false],
  ])('%s → %s', (candidate, expected) => {
    expect(isPhoneNumber(candidate)).toBe(expected);
  });
});

describe('looksLikeToken', () => {
  it.each([
    ['8fJk2LmQ9xZr4TbW7nPc3VyHd6', true],
    ['d41d8cd98f00b204e9800998ecf8427e', true],
    ['D41D8CD98F00B204E9800998ECF8427E', true],
    ['d41d8cd98f00b204e9800998ecf842', false], // 30 hex digits: under a hash's length
    ['abcdefabcdefabcdefabcdefabcdefabcdef', false], // hex letters without digits
    ['ThisIsALongCamelCaseIdentifier2', false],
    ['ABCDEFGHIJKLMNOPQRSTUVWXYZ0123', false], // one case only
    ['550E8400-E29B-41D4-A716-446655440000', false],
    ['short1A', false],
  ])('%s → %s', (run, expected) => {
    expect(looksLikeToken(run)).toBe(expected);
  });
});

describe('scrubUrlComponent', () => {
  it.each([
    ['an encoded email', 'jane%40example.com', '%5Bemail%5D'],
    ['a raw email', 'jane@example.com', '%5Bemail%5D'],
    ['a tagged email with a literal plus', 'jane+news%40example.com', '%5Bemail%5D'],
    ['an encoded international number', '%2B4915112345678', '%5Bphone%5D'],
    ['a number with encoded spaces', '020%207946%200958', '%5Bphone%5D'],
    ['malformed escapes around an email', '%E0%A4%A jane@example.com', '%E0%A4%A [email]'],
    ['a plain value', 'spring-sale', 'spring-sale'],
    ['an encoded plain value, as it came', 'caf%C3%A9%20cr%C3%A8me', 'caf%C3%A9%20cr%C3%A8me'],
    ['malformed escapes alone, as they came', '%E0%A4%A', '%E0%A4%A'],
  ])('%s: %s → %s', (_label, raw, expected) => {
    expect(scrubUrlComponent(raw)).toBe(expected);
  });
});

describe('scrubUrlPath', () => {
  it.each([
    ['/unsubscribe/jane%40example.com', '/unsubscribe/%5Bemail%5D'],
    ['/unsubscribe/jane@example.com/confirm', '/unsubscribe/%5Bemail%5D/confirm'],
    [
      '/password/reset/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      '/password/reset/%5Btoken%5D',
    ],
    ['/orders/550e8400-e29b-41d4-a716-446655440000', '/orders/550e8400-e29b-41d4-a716-446655440000'],
    ['/p/08353253-8188-4a95-bea9-3cab4ec9bcf7', '/p/08353253-8188-4a95-bea9-3cab4ec9bcf7'],
    ['/call/0151-12345678/', '/call/%5Bphone%5D/'],
    ['/blog/2024/01/15/how-to-configure-beacon', '/blog/2024/01/15/how-to-configure-beacon'],
    ['/', '/'],
  ])('%s → %s', (path, expected) => {
    expect(scrubUrlPath(path)).toBe(expected);
  });
});

describe('scrubValue', () => {
  it.each([
    [
      'a link with an encoded email, number and fragment token',
      'https://shop.example/u/jane%40x.example?p=%2B4915112345678#access_token=8fJk2LmQ9xZr4TbW7nPc3VyHd6',
      'https://shop.example/u/%5Bemail%5D?p=%5Bphone%5D#access_token=%5Btoken%5D',
    ],
    ['a mailto link', 'mailto:jane@example.com', 'mailto:[email]'],
    [
      'a link whose host looks like nothing personal',
      'https://jane.example.com/',
      'https://jane.example.com/',
    ],
    ['a link without a path', 'https://x.example?e=jane%40x.example', 'https://x.example?e=%5Bemail%5D'],
    ['text with a number', 'Call 0151 12345678', 'Call [phone]'],
    [
      'a link inside text, judged as a link',
      'See https://shop.example/u/jane%40x.example and call 0151 12345678',
      'See https://shop.example/u/%5Bemail%5D and call [phone]',
    ],
    [
      'a link then text that a scrub would join to it (fast-check seed 627567802)',
      'https://x.example/555-123-4567)0151 12345678',
      'https://x.example/555-123-4567)0151 12345678',
    ],
  ])('scrubs %s', (_label, input, expected) => {
    expect(scrubValue(input)).toBe(expected);
    expect(scrubValue(expected)).toBe(expected);
  });
});

describe('personalDataNamed', () => {
  it.each([
    ['phone', '[phone]'],
    ['phoneNumber', '[phone]'],
    ['customer_phone', '[phone]'],
    ['mobile-number', '[phone]'],
    ['tel', '[phone]'],
    ['whatsapp', '[phone]'],
    ['password', '[token]'],
    ['userPassword', '[token]'],
    ['api_key', '[token]'],
    ['csrfToken', '[token]'],
    ['client_secret', '[token]'],
    ['pwd', '[token]'],
    ['phones_sold', undefined],
    ['hotel', undefined],
    ['telemetry', undefined],
    ['tokens_used', undefined],
    ['plan', undefined],
    ['', undefined],
  ])('%j → %s', (key, expected) => {
    expect(personalDataNamed(key)).toBe(expected);
  });
});

describe('scrubProps', () => {
  it('scrubs values at any depth, keys, and values under personal names', () => {
    expect(
      scrubProps({
        plan: 'team',
        seats: 12,
        phone: '5551234567',
        mobile: 'iPhone 15',
        customerPhone: 4915112345678,
        password: 'hunter2',
        newsletter: true,
        contact: { email: 'jane@example.com', note: 'call 0151 12345678', tags: ['vip', 'x@y.example'] },
        outbound: 'https://partner.example/track?ref=jane%40example.com',
        'jane@example.com': 'subscribed',
        phones: [null, false],
      }),
    ).toEqual({
      plan: 'team',
      seats: 12,
      phone: '[phone]',
      mobile: 'iPhone 15',
      customerPhone: '[phone]',
      password: '[token]',
      newsletter: true,
      contact: { email: '[email]', note: 'call [phone]', tags: ['vip', '[email]'] },
      outbound: 'https://partner.example/track?ref=%5Bemail%5D',
      '[email]': 'subscribed',
      phones: [null, false],
    });
  });

  it('hands back the same object when nothing is personal', () => {
    const props = { plan: 'team', seats: 12, items: [{ sku: 'A-1', price: 19.99 }], ok: true };
    expect(scrubProps(props)).toBe(props);
  });

  it('applies a name to everything under it', () => {
    expect(scrubProps({ secret: { a: 'x', b: [1, 'y'] } })).toEqual({
      secret: { a: '[token]', b: ['[token]', '[token]'] },
    });
  });

  describe('robustness to invalid data', () => {
    it.each([
      ['empty', {}],
      ['deep nesting', { a: { b: { c: { d: 'jane@example.com' } } } }],
      ['empty strings under personal names', { password: '', phone: '' }],
      ['odd numbers', { phone: Number.NaN, secret: Number.POSITIVE_INFINITY, tel: -0 }],
    ])('returns an object for %s', (_label, props) => {
      expect(typeof scrubProps(props)).toBe('object');
    });

    it.each([[null], [undefined], ['a string'], [42]])('hands back %j unchanged', (input) => {
      expect(scrubProps(input as never)).toBe(input);
    });
  });
});

describe('properties (fast-check)', () => {
  /** Text built from the pieces that matter here: words, digits, separators, @, dots, placeholders. */
  const personalish = fc
    .array(
      fc.oneof(
        fc.string(),
        fc.constantFrom(
          '@',
          '.',
          '+',
          '-',
          ' ',
          '(',
          ')',
          '/',
          '%40',
          '%',
          '[email]',
          'jane@example.com',
          '+49 30 12345678',
          '0151 12345678',
          '555-123-4567',
          '2024-01-15',
          JWT,
          'e3b0c44298fc1c149afbf4c8996fb924',
        ),
        fc.stringMatching(/^[A-Za-z0-9_-]{20,40}$/),
        fc.stringMatching(/^[0-9 .()+-]{6,20}$/),
      ),
      { maxLength: 12 },
    )
    .map((parts) => parts.join(''));

  it('scrubbing text is idempotent and never throws', () => {
    fc.assert(
      fc.property(personalish, (text) => {
        const once = scrubText(text);
        expect(scrubText(once)).toBe(once);
      }),
      { numRuns: 2000 },
    );
  });

  it('scrubbing a URL component is idempotent and never throws', () => {
    fc.assert(
      fc.property(personalish, (text) => {
        const once = scrubUrlComponent(text);
        expect(scrubUrlComponent(once)).toBe(once);
      }),
      { numRuns: 2000 },
    );
  });

  it('scrubbing a value that may be a URL is idempotent and never throws', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          personalish,
          personalish.map((text) => `https://x.example/${text}`),
        ),
        (text) => {
          const once = scrubValue(text);
          expect(scrubValue(once)).toBe(once);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('scrubbing props is idempotent and never throws', () => {
    const props = fc.dictionary(
      fc.oneof(fc.string(), fc.constantFrom('phone', 'password', 'email', 'jane@example.com')),
      fc.jsonValue({ maxDepth: 3 }),
    );
    fc.assert(
      fc.property(props, (value) => {
        const once = scrubProps(value);
        expect(scrubProps(once)).toEqual(once);
      }),
      { numRuns: 1000 },
    );
  });
});
