import { normalizeEmail } from '../ingest/user-hashes.ts';
import { normalizeDomain } from '../tenancy/sites/domains.ts';

/**
 * Mail providers anyone can sign up with: an address there says nothing about an employer, so it
 * never identifies a company. An entry ending in `.*` stands for the provider under any top-level or
 * country domain (`hotmail.*` is hotmail.com, hotmail.co.uk, hotmail.fr, …). Deliberately about the
 * big consumer providers only; a company domain missing here costs a wrong company record, which the
 * client can hide.
 */
export const FREE_MAIL_DOMAINS: readonly string[] = [
  // Google, Microsoft, Yahoo, Apple, AOL/Verizon
  'gmail.com',
  'googlemail.com',
  'outlook.*',
  'hotmail.*',
  'live.*',
  'msn.com',
  'passport.com',
  'windowslive.com',
  'yahoo.*',
  'ymail.com',
  'rocketmail.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'aol.*',
  'aim.com',
  'verizon.net',
  // Privacy-focused and independent providers
  'proton.me',
  'protonmail.com',
  'protonmail.ch',
  'pm.me',
  'tutanota.com',
  'tutanota.de',
  'tuta.io',
  'tutamail.com',
  'keemail.me',
  'mailfence.com',
  'posteo.de',
  'posteo.net',
  'mailbox.org',
  'runbox.com',
  'fastmail.com',
  'fastmail.fm',
  'hushmail.com',
  'hey.com',
  'zoho.com',
  'zohomail.com',
  'yandex.*',
  'ya.ru',
  'mail.com',
  'email.com',
  'usa.com',
  'gmx.*',
  'inbox.com',
  'lycos.com',
  'excite.com',
  'rediffmail.com',
  // Germany, Austria, Switzerland
  'web.de',
  't-online.de',
  'freenet.de',
  'arcor.de',
  'online.de',
  'bluewin.ch',
  // France, Belgium
  'orange.fr',
  'wanadoo.fr',
  'free.fr',
  'laposte.net',
  'sfr.fr',
  'neuf.fr',
  'skynet.be',
  'telenet.be',
  // Italy, Spain, Portugal, Netherlands
  'libero.it',
  'virgilio.it',
  'tiscali.it',
  'alice.it',
  'tin.it',
  'terra.com',
  'sapo.pt',
  'ziggo.nl',
  'kpnmail.nl',
  'planet.nl',
  'home.nl',
  // United Kingdom, Ireland
  'btinternet.com',
  'sky.com',
  'virginmedia.com',
  'blueyonder.co.uk',
  'talktalk.net',
  'ntlworld.com',
  'eircom.net',
  // Nordics, Poland, Czechia
  'telia.com',
  'wp.pl',
  'o2.pl',
  'interia.pl',
  'onet.pl',
  'seznam.cz',
  'centrum.cz',
  'email.cz',
  // Russia and neighbours
  'mail.ru',
  'bk.ru',
  'inbox.ru',
  'list.ru',
  'rambler.ru',
  'ukr.net',
  // Asia
  'qq.com',
  'foxmail.com',
  '163.com',
  '126.com',
  'yeah.net',
  'sina.com',
  'sina.cn',
  'sohu.com',
  'aliyun.com',
  '139.com',
  'naver.com',
  'hanmail.net',
  'daum.net',
  'nate.com',
  'docomo.ne.jp',
  'ezweb.ne.jp',
  'softbank.ne.jp',
  // Americas, Oceania, Africa
  'comcast.net',
  'att.net',
  'sbcglobal.net',
  'bellsouth.net',
  'charter.net',
  'cox.net',
  'earthlink.net',
  'juno.com',
  'optonline.net',
  'shaw.ca',
  'rogers.com',
  'sympatico.ca',
  'bigpond.com',
  'optusnet.com.au',
  'xtra.co.nz',
  'uol.com.br',
  'bol.com.br',
  'ig.com.br',
  'terra.com.br',
  'prodigy.net.mx',
  'mweb.co.za',
];

const EXACT = new Set(FREE_MAIL_DOMAINS.filter((entry) => !entry.endsWith('.*')));
const ANY_TLD = new Set(FREE_MAIL_DOMAINS.filter((entry) => entry.endsWith('.*')).map((e) => e.slice(0, -2)));

/** What follows a provider's name under `.*`: a top-level domain, or a country's `co.uk`-style suffix. */
const SUFFIX = /^(?:[a-z]{2,24}|(?:co|com|net|org|ne|or|gen)\.[a-z]{2})$/;

/** Whether a (lower-case) mail domain belongs to a free provider, subdomains included. */
export function isFreeMailDomain(domain: string): boolean {
  const parts = domain.split('.');
  for (let index = 0; index < parts.length - 1; index++) {
    const candidate = parts.slice(index).join('.');
    if (EXACT.has(candidate)) return true;
    if (ANY_TLD.has(parts[index]!) && SUFFIX.test(parts.slice(index + 1).join('.'))) return true;
  }
  return false;
}

/**
 * The company an email address identifies: its domain, unless that is a free-mail provider or not a
 * hostname. `Jane.Doe@Sales.Acme.com` → `sales.acme.com`; `jane@gmail.com` → null.
 */
export function companyDomainOfEmail(raw: unknown): string | null {
  if (typeof raw !== 'string' || raw.length > 254) return null;
  const email = normalizeEmail(raw);
  if (email === undefined) return null;
  const part = email.slice(email.indexOf('@') + 1);
  // Letters, digits, dots and hyphens only, ending in an alphabetic top-level domain: no IP literals.
  if (!/^[a-z0-9.-]+\.(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/.test(part)) return null;
  const domain = normalizeDomain(part);
  if (domain === undefined || isFreeMailDomain(domain)) return null;
  return domain;
}
