import { describe, expect, it } from 'vitest';
import { lastFullWeek, parseRecipients, periodFromSearch, periodSearch } from './report-period.ts';

describe('the last full week', () => {
  it.each([
    ['a Monday', '2026-12-07', '2026-11-30', '2026-12-06'],
    ['a Wednesday', '2026-12-09', '2026-11-30', '2026-12-06'],
    ['a Sunday', '2026-12-13', '2026-11-30', '2026-12-06'],
    ['across a year', '2027-01-01', '2026-12-21', '2026-12-27'],
    ['across a leap day', '2028-03-01', '2028-02-21', '2028-02-27'],
  ])('on %s (%s) is %s to %s', (_name, today, from, to) => {
    expect(lastFullWeek(today)).toEqual({ from, to });
  });
});

describe('the period of the URL', () => {
  it.each([
    ['?from=2026-11-01&to=2026-11-30', { from: '2026-11-01', to: '2026-11-30' }],
    ['?from=2026-11-01&to=2026-11-01', { from: '2026-11-01', to: '2026-11-01' }],
    ['', { from: '2026-11-30', to: '2026-12-06' }],
    ['?from=2026-11-01', { from: '2026-11-30', to: '2026-12-06' }],
    ['?from=2026-11-30&to=2026-11-01', { from: '2026-11-30', to: '2026-12-06' }],
    ['?from=2026-02-30&to=2026-03-01', { from: '2026-11-30', to: '2026-12-06' }],
    ['?from=yesterday&to=today', { from: '2026-11-30', to: '2026-12-06' }],
    ['?from=%3Cimg%3E&to=2026-12-01', { from: '2026-11-30', to: '2026-12-06' }],
  ])('%s is %j', (search, period) => {
    expect(periodFromSearch(search, '2026-12-09')).toEqual(period);
  });

  it('round-trips through the URL', () => {
    const period = { from: '2026-10-01', to: '2026-10-31' };
    expect(periodFromSearch(periodSearch(period), '2026-12-09')).toEqual(period);
  });
});

describe('recipients typed in', () => {
  it.each([
    ['a@client.example', ['a@client.example']],
    ['a@client.example, b@client.example', ['a@client.example', 'b@client.example']],
    [
      'a@client.example\nb@client.example;c@client.example',
      ['a@client.example', 'b@client.example', 'c@client.example'],
    ],
    ['  \n , ', []],
    ['', []],
  ])('%j are %j', (text, addresses) => {
    expect(parseRecipients(text)).toEqual(addresses);
  });
});
