import { describe, expect, it } from 'vitest';
import {
  draftOf,
  parseDomainList,
  settingsChanges,
  timeZoneChoices,
  trackingSnippet,
  type SettingsDraft,
  type SiteSettings,
} from './site-settings.ts';

const SITE: SiteSettings = {
  id: 'site_1',
  name: 'Shop',
  domain: 'shop.example',
  siteKey: 'pk_abc',
  writeKeyPrefix: 'sk_1234',
  allowedDomains: ['cdn.example', '*.shop.example'],
  timezone: 'UTC',
  botPolicy: 'flag',
  retentionDays: 395,
  cookieless: false,
  respectDnt: true,
  companyIdentificationWithoutConsent: false,
  trackerAlias: null,
  createdAt: '2026-11-20T09:30:00.000Z',
};

describe('settingsChanges', () => {
  it('is empty for the draft of the saved site', () => {
    expect(settingsChanges(SITE, draftOf(SITE))).toEqual({});
  });

  it.each<[string, Partial<SettingsDraft>, object]>([
    ['a new name, trimmed', { name: '  Shop EU ' }, { name: 'Shop EU' }],
    ['a new domain', { domain: 'www.shop.example' }, { domain: 'www.shop.example' }],
    ['a time zone', { timezone: 'Europe/Berlin' }, { timezone: 'Europe/Berlin' }],
    ['the bot policy', { botPolicy: 'drop' }, { botPolicy: 'drop' }],
    ['the retention as a number', { retentionDays: ' 30 ' }, { retentionDays: 30 }],
    [
      'a retention that is no number, as typed, for the API to name',
      { retentionDays: '3x' },
      { retentionDays: '3x' },
    ],
    ['an empty retention, as typed', { retentionDays: '' }, { retentionDays: '' }],
    ['cookieless', { cookieless: true }, { cookieless: true }],
    ['Do Not Track', { respectDnt: false }, { respectDnt: false }],
    [
      'company identification without consent',
      { companyIdentificationWithoutConsent: true },
      { companyIdentificationWithoutConsent: true },
    ],
    ['an alias, without a leading slash', { trackerAlias: '/js/app.js' }, { trackerAlias: 'js/app.js' }],
    [
      'allowed domains one a line, blanks dropped',
      { allowedDomains: 'a.example\n\n b.example ' },
      { allowedDomains: ['a.example', 'b.example'] },
    ],
    ['allowed domains emptied', { allowedDomains: '  ' }, { allowedDomains: [] }],
    [
      'allowed domains reordered',
      { allowedDomains: '*.shop.example\ncdn.example' },
      { allowedDomains: ['*.shop.example', 'cdn.example'] },
    ],
  ])('sends only %s', (_, edit, patch) => {
    expect(settingsChanges(SITE, { ...draftOf(SITE), ...edit })).toEqual(patch);
  });

  it('sends null to remove an alias', () => {
    const site = { ...SITE, trackerAlias: 'js/app.js' };
    expect(settingsChanges(site, { ...draftOf(site), trackerAlias: ' ' })).toEqual({ trackerAlias: null });
  });

  it('keeps the same allowed domains typed with commas and spaces unchanged', () => {
    expect(
      settingsChanges(SITE, { ...draftOf(SITE), allowedDomains: 'cdn.example, *.shop.example' }),
    ).toEqual({});
  });
});

describe('parseDomainList', () => {
  it.each([
    ['', []],
    ['\n \n', []],
    ['a.example', ['a.example']],
    ['a.example,b.example c.example\r\nd.example', ['a.example', 'b.example', 'c.example', 'd.example']],
  ])('%j → %j', (text, list) => {
    expect(parseDomainList(text)).toEqual(list);
  });
});

describe('trackingSnippet', () => {
  it('loads /beacon.js from Beacon with the site key', () => {
    expect(trackingSnippet('https://beacon.example', SITE)).toBe(
      '<script defer src="https://beacon.example/beacon.js" data-site="pk_abc"></script>',
    );
  });

  it('loads the alias path when the site has one', () => {
    expect(trackingSnippet('https://beacon.example', { ...SITE, trackerAlias: 'js/app.js' })).toBe(
      '<script defer src="https://beacon.example/js/app.js" data-site="pk_abc"></script>',
    );
  });
});

describe('timeZoneChoices', () => {
  it.each([
    ['a known zone: the list as it is', 'Europe/Berlin', ['Europe/Berlin', 'UTC'], ['Europe/Berlin', 'UTC']],
    ['UTC missing from the list', 'Europe/Berlin', ['Europe/Berlin'], ['UTC', 'Europe/Berlin']],
    ['a zone the browser lacks, first', 'Asia/Kolkata', ['UTC'], ['Asia/Kolkata', 'UTC']],
    ['UTC, lacking, once', 'UTC', ['Europe/Berlin'], ['UTC', 'Europe/Berlin']],
    ['an empty list', 'UTC', [], ['UTC']],
  ])('%s', (_, current, known, choices) => {
    expect(timeZoneChoices(current, known)).toEqual(choices);
  });
});
