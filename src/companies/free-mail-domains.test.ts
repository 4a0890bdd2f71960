import { describe, expect, it } from 'vitest';
import { companyDomainOfEmail, FREE_MAIL_DOMAINS, isFreeMailDomain } from './free-mail-domains.ts';

describe('companyDomainOfEmail', () => {
  it.each([
    ['jane@acme.example', 'acme.example'],
    ['  Jane.Doe@ACME.Example ', 'acme.example'],
    ['ops@sales.acme.co.uk', 'sales.acme.co.uk'],
    ['ada@berkeley.edu', 'berkeley.edu'],
    ['x@live.acme.com', 'live.acme.com'],
    ['x@yahoo-finance-partners.com', 'yahoo-finance-partners.com'],
    ['jane@gmail.com', null],
    ['jane@googlemail.com', null],
    ['jane@GMAIL.COM', null],
    ['jane@hotmail.co.uk', null],
    ['jane@hotmail.fr', null],
    ['jane@outlook.com', null],
    ['jane@live.com', null],
    ['jane@yahoo.co.jp', null],
    ['jane@mail.yahoo.co.jp', null],
    ['jane@icloud.com', null],
    ['jane@me.com', null],
    ['jane@proton.me', null],
    ['jane@protonmail.com', null],
    ['jane@gmx.de', null],
    ['jane@gmx.net', null],
    ['jane@web.de', null],
    ['jane@mail.ru', null],
    ['jane@yandex.ru', null],
    ['jane@qq.com', null],
    ['jane@163.com', null],
  ])('%s → %s', (email, domain) => {
    expect(companyDomainOfEmail(email)).toBe(domain);
  });

  it('keeps a list of about a hundred providers, each once and lower-case', () => {
    expect(FREE_MAIL_DOMAINS.length).toBeGreaterThanOrEqual(100);
    expect(new Set(FREE_MAIL_DOMAINS).size).toBe(FREE_MAIL_DOMAINS.length);
    for (const entry of FREE_MAIL_DOMAINS) expect(entry).toBe(entry.toLowerCase());
    for (const entry of FREE_MAIL_DOMAINS) expect(isFreeMailDomain(entry.replace('.*', '.com'))).toBe(true);
  });

  describe('robustness to invalid data', () => {
    it.each([
      [undefined],
      [null],
      [42],
      [{ email: 'jane@acme.example' }],
      [''],
      ['jane'],
      ['@acme.example'],
      ['jane@'],
      ['jane@@acme.example'],
      ['jane@acme'],
      ['jane@localhost'],
      ['jane doe@acme.example'],
      ['jane@acme..example'],
      ['jane@-acme.example'],
      [`jane@${'a'.repeat(300)}.example`],
      ['jane@acme.example/path'],
      ['jane@10.0.0.1'],
      ['jane@[10.0.0.1]'],
      ['jane@acme.example:25'],
    ])('%j → null', (value) => {
      expect(companyDomainOfEmail(value)).toBeNull();
    });
  });
});
