import { describe, expect, it } from 'vitest';
import { countryName, describeSource, formatAgo, formatPlace, type VisitSource } from './lead-format.ts';

const NOW = new Date('2026-12-05T12:00:00.000Z');
const before = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString();

describe('formatAgo', () => {
  it.each([
    [before(10), 'now'],
    [before(90), '1 minute ago'],
    [before(3 * 3600), '3 hours ago'],
    [before(86_400), 'yesterday'],
    [before(3 * 86_400), '3 days ago'],
    [before(15 * 86_400), '2 weeks ago'],
    [before(400 * 86_400), 'last year'],
    [new Date(NOW.getTime() + 7200_000).toISOString(), 'in 2 hours'],
  ])('%s is %s', (iso, text) => {
    expect(formatAgo(iso, NOW, 'en-US')).toBe(text);
  });

  it.each(['', 'yesterday', 'NaN'])('robustness: %j is a dash', (iso) => {
    expect(formatAgo(iso, NOW, 'en-US')).toBe('–');
  });
});

describe('places', () => {
  it.each<[string | null, string | null, string | undefined]>([
    ['Chicago', 'US', 'Chicago, United States'],
    [null, 'de', 'Germany'],
    ['Berlin', null, 'Berlin'],
    [null, null, undefined],
    ['', '', undefined],
  ])('%s, %s is %s', (city, country, text) => {
    expect(formatPlace(city, country, 'en-US')).toBe(text);
  });

  it.each(['X', '123', 'not a country'])(
    'robustness: a code the browser cannot name, %j, shows as itself',
    (code) => {
      expect(countryName(code, 'en-US')).toBe(code);
    },
  );
});

describe('describeSource', () => {
  const none: VisitSource = {
    referrerHost: null,
    referrerType: null,
    utmSource: null,
    utmMedium: null,
    utmCampaign: null,
  };
  it.each<[Partial<VisitSource>, string]>([
    [{}, 'Direct'],
    [{ referrerHost: 'www.google.com', referrerType: 'search' }, 'www.google.com'],
    [
      { referrerHost: 'www.linkedin.com', utmSource: 'linkedin', utmMedium: 'cpc', utmCampaign: 'q4' },
      'linkedin / cpc / q4',
    ],
    [{ utmSource: 'newsletter', utmMedium: '' }, 'newsletter'],
  ])('%j is %s', (source, text) => {
    expect(describeSource({ ...none, ...source })).toBe(text);
  });
});
