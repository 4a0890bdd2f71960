import { describe, expect, it } from 'vitest';
import { lastEndedPeriod } from './report-periods.ts';

describe('the latest ended period of a schedule', () => {
  it.each([
    // 2026-12-07 is a Monday.
    [
      'weekly on Monday, on the Monday',
      'weekly',
      1,
      '2026-12-07T10:00:00Z',
      'UTC',
      '2026-11-30',
      '2026-12-06',
      '2026-12-07T00:00:00.000Z',
    ],
    [
      'weekly on Monday, on the Sunday after',
      'weekly',
      1,
      '2026-12-13T23:00:00Z',
      'UTC',
      '2026-11-30',
      '2026-12-06',
      '2026-12-07T00:00:00.000Z',
    ],
    [
      'weekly on Friday, on a Monday',
      'weekly',
      5,
      '2026-12-07T10:00:00Z',
      'UTC',
      '2026-11-27',
      '2026-12-03',
      '2026-12-04T00:00:00.000Z',
    ],
    [
      'weekly on Sunday, on the Sunday',
      'weekly',
      7,
      '2026-12-06T00:00:00Z',
      'UTC',
      '2026-11-29',
      '2026-12-05',
      '2026-12-06T00:00:00.000Z',
    ],
    // Sunday 23:30 UTC is already Monday in Berlin: the week ended there at 23:00 UTC.
    [
      'weekly in Berlin, local Monday',
      'weekly',
      1,
      '2026-12-06T23:30:00Z',
      'Europe/Berlin',
      '2026-11-30',
      '2026-12-06',
      '2026-12-06T23:00:00.000Z',
    ],
    [
      'weekly in New York, still Sunday there',
      'weekly',
      1,
      '2026-12-07T03:00:00Z',
      'America/New_York',
      '2026-11-23',
      '2026-11-29',
      '2026-11-30T05:00:00.000Z',
    ],
    [
      'monthly, mid-month',
      'monthly',
      1,
      '2026-12-15T12:00:00Z',
      'UTC',
      '2026-11-01',
      '2026-11-30',
      '2026-12-01T00:00:00.000Z',
    ],
    [
      'monthly in January: December of the year before',
      'monthly',
      3,
      '2027-01-01T08:00:00Z',
      'UTC',
      '2026-12-01',
      '2026-12-31',
      '2027-01-01T00:00:00.000Z',
    ],
    [
      'monthly across a leap February',
      'monthly',
      1,
      '2028-03-02T00:00:00Z',
      'UTC',
      '2028-02-01',
      '2028-02-29',
      '2028-03-01T00:00:00.000Z',
    ],
    // Berlin leaves summer time on 2026-10-25: the week that holds it ended at local midnight, 23:00 UTC.
    [
      'weekly across the end of summer time',
      'weekly',
      1,
      '2026-10-27T12:00:00Z',
      'Europe/Berlin',
      '2026-10-19',
      '2026-10-25',
      '2026-10-25T23:00:00.000Z',
    ],
  ] as const)('%s', (_name, frequency, weekday, now, timezone, from, to, endedAt) => {
    const period = lastEndedPeriod({ frequency, weekday }, new Date(now), timezone);
    expect({ ...period, endedAt: period.endedAt.toISOString() }).toEqual({ from, to, endedAt });
  });

  it('ends no later than now and covers seven days, for every weekday and hour of a week', () => {
    for (let hour = 0; hour < 7 * 24; hour++) {
      const now = new Date(Date.UTC(2026, 11, 7, hour));
      for (let weekday = 1; weekday <= 7; weekday++) {
        const period = lastEndedPeriod({ frequency: 'weekly', weekday }, now, 'Asia/Kolkata');
        expect(period.endedAt.getTime()).toBeLessThanOrEqual(now.getTime());
        expect(now.getTime() - period.endedAt.getTime()).toBeLessThan(7 * 24 * 3600_000);
        expect((Date.parse(period.to) - Date.parse(period.from)) / 86_400_000).toBe(6);
      }
    }
  });
});
