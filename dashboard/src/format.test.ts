import { describe, expect, it } from 'vitest';
import {
  changeAgainst,
  formatChange,
  formatDateTime,
  formatDuration,
  formatMetric,
  type MetricKind,
} from './format.ts';

describe('formatMetric', () => {
  it.each<[number, MetricKind, string, string]>([
    [1234567, 'count', 'en-US', '1,234,567'],
    [1234567, 'count', 'de-DE', '1.234.567'],
    [3.14159, 'decimal', 'en-US', '3.14'],
    [3.14159, 'decimal', 'de-DE', '3,14'],
    [41.5, 'percent', 'en-US', '41.5%'],
    [41.5, 'percent', 'de-DE', '41,5\u00a0%'],
    [133, 'seconds', 'en-US', '2:13'],
    [5, 'seconds', 'en-US', '0:05'],
    [0, 'count', 'en-US', '0'],
  ])('%d as %s in %s is %s', (value, kind, locale, expected) => {
    expect(formatMetric(value, kind, locale)).toBe(expected);
  });

  describe('robustness', () => {
    it.each<[number, MetricKind]>([
      [Number.NaN, 'count'],
      [Number.POSITIVE_INFINITY, 'percent'],
      [Number.NEGATIVE_INFINITY, 'seconds'],
    ])('%d as %s is a dash', (value, kind) => {
      expect(formatMetric(value, kind, 'en-US')).toBe('–');
    });

    it('a huge count still formats', () => {
      expect(formatMetric(1e15, 'count', 'en-US')).toBe('1,000,000,000,000,000');
    });

    it('a negative duration reads as zero', () => {
      expect(formatMetric(-3, 'seconds', 'en-US')).toBe('0:00');
    });
  });
});

describe('changeAgainst the previous period', () => {
  it.each<[number, number | undefined, number | undefined]>([
    [150, 100, 50],
    [50, 100, -50],
    [100, 100, 0],
    [1, 3, -67],
    [10, 0, undefined],
    [10, undefined, undefined],
    [Number.NaN, 10, undefined],
    [10, Number.NaN, undefined],
  ])('%d against %d → %d', (current, previous, expected) => {
    expect(changeAgainst(current, previous)).toBe(expected);
  });

  it.each([
    [50, '+50%'],
    [-12, '-12%'],
    [0, '0%'],
  ])('%d reads %s', (change, expected) => {
    expect(formatChange(change, 'en-US')).toBe(expected);
  });
});

describe('formatDuration', () => {
  it.each<[number, string, string]>([
    [0, 'en-US', '0 seconds'],
    [45, 'en-US', '45 seconds'],
    [95, 'en-US', '1.6 minutes'],
    [3600, 'en-US', '1 hour'],
    [5400, 'de-DE', '1,5 Stunden'],
    [86_400 * 3, 'en-US', '3 days'],
  ])('%d s in %s is %s', (seconds, locale, expected) => {
    expect(formatDuration(seconds, locale)).toBe(expected);
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY])('robustness: %d is a dash', (seconds) => {
    expect(formatDuration(seconds, 'en-US')).toBe('–');
  });

  it('robustness: a negative duration reads as zero', () => {
    expect(formatDuration(-5, 'en-US')).toBe('0 seconds');
  });
});

describe('formatDateTime', () => {
  it.each<[string, string, string, string]>([
    ['2026-12-05T07:43:00Z', 'en-US', 'UTC', 'Dec 5, 2026, 7:43 AM'],
    ['2026-12-05T07:43:00Z', 'de-DE', 'Europe/Berlin', '05.12.2026, 08:43'],
    ['2026-12-31T23:30:00Z', 'en-GB', 'Asia/Tokyo', '1 Jan 2027, 08:30'],
  ])('%s in %s, %s is %s', (iso, locale, timeZone, expected) => {
    expect(formatDateTime(iso, locale, timeZone)).toBe(expected);
  });

  it.each(['', 'not a date', '2026-13-45T99:00:00Z'])('robustness: %j is a dash', (iso) => {
    expect(formatDateTime(iso, 'en-US', 'UTC')).toBe('–');
  });
});
