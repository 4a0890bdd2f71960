import { describe, expect, it, vi } from 'vitest';
import { AppError } from '../errors.ts';
import { localDate, offsetMinutes, reportWindow } from './report-window.ts';

const refusal = (from: string, to: string, timezone = 'Europe/Berlin') => {
  try {
    reportWindow({ from, to }, timezone);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return (error as AppError).field;
  }
};

describe('reportWindow', () => {
  it.each([
    ['731 days of winter time', '2024-01-01', '2025-12-31', 'Europe/Berlin'],
    [
      '731 days from summer into winter time, an hour over 731 × 24 h',
      '2024-10-27',
      '2026-10-27',
      'Europe/Berlin',
    ],
    ['731 days from summer into winter time in New York', '2024-11-03', '2026-11-03', 'America/New_York'],
    ['731 days of instants', '2024-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 'Europe/Berlin'],
  ])('takes two years at most: %s', (_case, from, to, timezone) => {
    expect(refusal(from, to, timezone)).toBeUndefined();
  });

  it.each([
    ['732 local days', '2024-10-27', '2026-10-28'],
    ['732 days of winter time', '2024-01-01', '2026-01-01'],
    ['731 days of instants and a second', '2024-01-01T00:00:00Z', '2026-01-01T00:00:01Z'],
    ['a reversed range', '2026-11-30', '2026-11-01'],
    ['an empty range of instants', '2026-10-25T10:00:00Z', '2026-10-25T12:00:00+02:00'],
  ])('refuses %s, naming to', (_case, from, to) => {
    expect(refusal(from, to)).toBe('to');
  });

  it('counts the previous period of dates in local days, an hour shorter across the spring change', () => {
    const window = reportWindow({ from: '2026-03-30', to: '2026-03-30' }, 'Europe/Berlin');
    expect([window.from.toISOString(), window.previous.from.toISOString()]).toEqual([
      '2026-03-29T22:00:00.000Z',
      '2026-03-28T23:00:00.000Z',
    ]);
  });

  it.each([
    ['', '2026-01-01', 'from'],
    ['2026-01-01', '', 'to'],
    ['2026-02-30', '2026-03-01', 'from'],
    ['1999-12-31', '2000-01-01', 'from'],
    ['2026-01-01T10:00:00', '2026-01-02', 'from'],
    ['x'.repeat(10_000), '2026-01-02', 'from'],
  ])('robust: from %j and to %j are refused, naming %s', (from, to, field) => {
    expect(refusal(from, to)).toBe(field);
  });

  it('reads offsets and dates of many instants with one formatter per zone', () => {
    const Format = Intl.DateTimeFormat;
    let built = 0;
    const spy = vi.spyOn(Intl, 'DateTimeFormat').mockImplementation(function (
      ...args: ConstructorParameters<typeof Format>
    ) {
      built += 1;
      return new Format(...args);
    } as typeof Format);
    try {
      const start = Date.parse('2026-01-01T00:00:00Z');
      const offsets = new Set<number>();
      for (let hour = 0; hour < 1000; hour++) {
        offsets.add(offsetMinutes(new Date(start + hour * 3_600_000), 'Asia/Kathmandu'));
        localDate(new Date(start + hour * 3_600_000), 'Asia/Kathmandu');
      }
      expect(offsets).toEqual(new Set([345]));
      expect(built).toBeLessThanOrEqual(2);
    } finally {
      spy.mockRestore();
    }
  });
});
