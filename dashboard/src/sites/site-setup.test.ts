import { describe, expect, it } from 'vitest';
import { timeZoneChoices, trackingSnippet } from './site-setup.ts';

describe('trackingSnippet', () => {
  it.each<[string, string, string | null, string]>([
    [
      'https://beacon.agency.example',
      'pk_abc',
      null,
      '<script defer src="https://beacon.agency.example/beacon.js" data-site="pk_abc"></script>',
    ],
    [
      'http://localhost:3000/',
      'pk_abc',
      null,
      '<script defer src="http://localhost:3000/beacon.js" data-site="pk_abc"></script>',
    ],
    [
      'https://beacon.agency.example',
      'pk_abc',
      'js/app.js',
      '<script defer src="https://beacon.agency.example/js/app.js" data-site="pk_abc"></script>',
    ],
  ])('from %s for %s (alias %s)', (origin, siteKey, alias, snippet) => {
    expect(trackingSnippet(origin, siteKey, alias)).toBe(snippet);
  });
});

describe('timeZoneChoices', () => {
  it.each<[string | undefined, string[], string[]]>([
    ['Europe/Berlin', ['Europe/Berlin', 'America/New_York'], ['America/New_York', 'Europe/Berlin', 'UTC']],
    ['Asia/Calcutta', ['Asia/Kolkata'], ['Asia/Calcutta', 'Asia/Kolkata', 'UTC']],
    ['UTC', ['UTC', 'Europe/Berlin'], ['Europe/Berlin', 'UTC']],
    [undefined, ['Europe/Berlin'], ['Europe/Berlin', 'UTC']],
    ['', [], ['UTC']],
    ['Europe/Berlin', [], ['Europe/Berlin', 'UTC']],
  ])('with the browser in %s and %o known: %o', (browser, supported, choices) => {
    expect(timeZoneChoices(browser, supported)).toEqual(choices);
  });

  it('lists each zone once and none empty', () => {
    expect(timeZoneChoices('UTC', ['UTC', 'UTC', '', 'Europe/Berlin'])).toEqual(['Europe/Berlin', 'UTC']);
  });
});
