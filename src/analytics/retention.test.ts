import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import { reportWindow } from './report-window.ts';
import { retentionCohorts, retentionWeeks, type RetentionCell } from './retention.ts';

const iso = (dates: Date[]) => dates.map((date) => date.toISOString());

describe('retentionWeeks', () => {
  it.each([
    {
      name: 'two whole weeks, followed for two more',
      from: '2026-11-02',
      to: '2026-11-15',
      timezone: 'Europe/Berlin',
      followed: 2,
      dates: ['2026-11-02', '2026-11-09', '2026-11-16', '2026-11-23'],
      starts: [
        '2026-11-01T23:00:00.000Z',
        '2026-11-08T23:00:00.000Z',
        '2026-11-15T23:00:00.000Z',
        '2026-11-22T23:00:00.000Z',
        '2026-11-29T23:00:00.000Z',
      ],
      cohorts: 2,
    },
    {
      name: 'a window from Wednesday to Tuesday touches two weeks',
      from: '2026-11-04',
      to: '2026-11-10',
      timezone: 'Europe/Berlin',
      followed: 1,
      dates: ['2026-11-02', '2026-11-09', '2026-11-16'],
      starts: [
        '2026-11-01T23:00:00.000Z',
        '2026-11-08T23:00:00.000Z',
        '2026-11-15T23:00:00.000Z',
        '2026-11-22T23:00:00.000Z',
      ],
      cohorts: 2,
    },
    {
      name: 'a Sunday belongs to the week that began the Monday before',
      from: '2026-11-08',
      to: '2026-11-08',
      timezone: 'Europe/Berlin',
      followed: 1,
      dates: ['2026-11-02', '2026-11-09'],
      starts: ['2026-11-01T23:00:00.000Z', '2026-11-08T23:00:00.000Z', '2026-11-15T23:00:00.000Z'],
      cohorts: 1,
    },
    {
      name: 'the spring DST week in Berlin is 167 hours long',
      from: '2026-03-23',
      to: '2026-04-05',
      timezone: 'Europe/Berlin',
      followed: 1,
      dates: ['2026-03-23', '2026-03-30', '2026-04-06'],
      starts: [
        '2026-03-22T23:00:00.000Z',
        '2026-03-29T22:00:00.000Z',
        '2026-04-05T22:00:00.000Z',
        '2026-04-12T22:00:00.000Z',
      ],
      cohorts: 2,
    },
    {
      name: 'the autumn DST week in New York is 169 hours long',
      from: '2026-10-26',
      to: '2026-11-08',
      timezone: 'America/New_York',
      followed: 1,
      dates: ['2026-10-26', '2026-11-02', '2026-11-09'],
      starts: [
        '2026-10-26T04:00:00.000Z',
        '2026-11-02T05:00:00.000Z',
        '2026-11-09T05:00:00.000Z',
        '2026-11-16T05:00:00.000Z',
      ],
      cohorts: 2,
    },
    {
      name: 'instants: the window ends half an hour into a Monday, so it touches that week',
      from: '2026-11-04T15:00:00Z',
      to: '2026-11-09T00:30:00+01:00',
      timezone: 'Europe/Berlin',
      followed: 1,
      dates: ['2026-11-02', '2026-11-09', '2026-11-16'],
      starts: [
        '2026-11-01T23:00:00.000Z',
        '2026-11-08T23:00:00.000Z',
        '2026-11-15T23:00:00.000Z',
        '2026-11-22T23:00:00.000Z',
      ],
      cohorts: 2,
    },
    {
      name: 'instants: a window ending at Monday midnight stops before that week',
      from: '2026-11-04T15:00:00Z',
      to: '2026-11-09T00:00:00+01:00',
      timezone: 'Europe/Berlin',
      followed: 1,
      dates: ['2026-11-02', '2026-11-09'],
      starts: ['2026-11-01T23:00:00.000Z', '2026-11-08T23:00:00.000Z', '2026-11-15T23:00:00.000Z'],
      cohorts: 1,
    },
    {
      name: 'across the new year',
      from: '2026-12-28',
      to: '2027-01-10',
      timezone: 'UTC',
      followed: 1,
      dates: ['2026-12-28', '2027-01-04', '2027-01-11'],
      starts: [
        '2026-12-28T00:00:00.000Z',
        '2027-01-04T00:00:00.000Z',
        '2027-01-11T00:00:00.000Z',
        '2027-01-18T00:00:00.000Z',
      ],
      cohorts: 2,
    },
    {
      name: 'a zone half an hour off the hour',
      from: '2026-11-02',
      to: '2026-11-02',
      timezone: 'Asia/Kolkata',
      followed: 1,
      dates: ['2026-11-02', '2026-11-09'],
      starts: ['2026-11-01T18:30:00.000Z', '2026-11-08T18:30:00.000Z', '2026-11-15T18:30:00.000Z'],
      cohorts: 1,
    },
  ])('$name', ({ from, to, timezone, followed, dates, starts, cohorts }) => {
    const weeks = retentionWeeks(reportWindow({ from, to }, timezone), followed);
    expect(weeks.dates).toEqual(dates);
    expect(iso(weeks.starts)).toEqual(starts);
    expect(weeks.cohorts).toBe(cohorts);
    expect(weeks.followed).toBe(followed);
  });

  describe('robustness', () => {
    const window = reportWindow({ from: '2026-11-02', to: '2026-11-15' }, 'Europe/Berlin');

    it.each([0, -1, 27, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '8' as unknown as number])(
      'refuses weeks = %s with a 400 naming weeks',
      (followed) => {
        const refusal = (() => {
          try {
            retentionWeeks(window, followed);
          } catch (error) {
            return error;
          }
        })();
        expect(refusal).toBeInstanceOf(AppError);
        expect(refusal).toMatchObject({ code: 'validation_failed', field: 'weeks' });
      },
    );

    it('spans the longest window a report takes, each week starting on a Monday at local midnight', () => {
      const longest = reportWindow({ from: '2025-01-01', to: '2026-12-31' }, 'Europe/Berlin');
      const weeks = retentionWeeks(longest, 26);
      expect(weeks.cohorts).toBe(105);
      expect(weeks.starts).toHaveLength(105 + 26 + 1);
      const local = new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Europe/Berlin',
        weekday: 'short',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      });
      for (const start of weeks.starts) expect(local.format(start)).toBe('Mon 00:00');
      const hours = weeks.starts
        .slice(1)
        .map((start, index) => (start.getTime() - weeks.starts[index]!.getTime()) / 3_600_000);
      expect(new Set(hours)).toEqual(new Set([167, 168, 169]));
      expect(weeks.dates[0]).toBe('2024-12-30');
    });
  });
});

describe('retentionCohorts', () => {
  // Two cohort weeks followed for three: weeks start 2026-11-02, -09, -16, -23, -30, then 12-07.
  const weeks = retentionWeeks(reportWindow({ from: '2026-11-02', to: '2026-11-15' }, 'UTC'), 3);
  const cells: RetentionCell[] = [
    { cohort: 0, after: 0, visitors: 412 },
    { cohort: 0, after: 1, visitors: 61 },
    { cohort: 0, after: 3, visitors: 38 },
    { cohort: 1, after: 0, visitors: 3 },
    { cohort: 1, after: 1, visitors: 2 },
    { cohort: 1, after: 2, visitors: 1 },
  ];

  it.each([
    {
      name: 'every followed week once all have begun, zeros included',
      now: '2026-12-20T00:00:00Z',
      cells,
      expected: [
        {
          week: '2026-11-02',
          visitors: 412,
          retention: [
            { week: 0, visitors: 412, percent: 100 },
            { week: 1, visitors: 61, percent: 14.8 },
            { week: 2, visitors: 0, percent: 0 },
            { week: 3, visitors: 38, percent: 9.2 },
          ],
        },
        {
          week: '2026-11-09',
          visitors: 3,
          retention: [
            { week: 0, visitors: 3, percent: 100 },
            { week: 1, visitors: 2, percent: 66.7 },
            { week: 2, visitors: 1, percent: 33.3 },
            { week: 3, visitors: 0, percent: 0 },
          ],
        },
      ],
    },
    {
      name: 'weeks up to the current one, which has begun (Monday 2026-11-16 at midnight)',
      now: '2026-11-16T00:00:00Z',
      cells,
      expected: [
        {
          week: '2026-11-02',
          visitors: 412,
          retention: [
            { week: 0, visitors: 412, percent: 100 },
            { week: 1, visitors: 61, percent: 14.8 },
            { week: 2, visitors: 0, percent: 0 },
          ],
        },
        {
          week: '2026-11-09',
          visitors: 3,
          retention: [
            { week: 0, visitors: 3, percent: 100 },
            { week: 1, visitors: 2, percent: 66.7 },
          ],
        },
      ],
    },
    {
      name: 'a cohort week still to come has its week 0 alone',
      now: '2026-11-08T23:59:59Z',
      cells: [{ cohort: 0, after: 0, visitors: 5 }],
      expected: [
        { week: '2026-11-02', visitors: 5, retention: [{ week: 0, visitors: 5, percent: 100 }] },
        { week: '2026-11-09', visitors: 0, retention: [{ week: 0, visitors: 0, percent: 0 }] },
      ],
    },
    {
      name: 'no visitors: every cohort empty, 0 % rather than a division by zero',
      now: '2026-11-10T00:00:00Z',
      cells: [],
      expected: [
        {
          week: '2026-11-02',
          visitors: 0,
          retention: [
            { week: 0, visitors: 0, percent: 0 },
            { week: 1, visitors: 0, percent: 0 },
          ],
        },
        { week: '2026-11-09', visitors: 0, retention: [{ week: 0, visitors: 0, percent: 0 }] },
      ],
    },
    {
      name: 'cells outside the table (weeks not followed, cohorts not in the window) are ignored',
      now: '2026-12-20T00:00:00Z',
      cells: [
        { cohort: 0, after: 0, visitors: 2 },
        { cohort: 0, after: 4, visitors: 2 },
        { cohort: 2, after: 0, visitors: 9 },
      ],
      expected: [
        {
          week: '2026-11-02',
          visitors: 2,
          retention: [
            { week: 0, visitors: 2, percent: 100 },
            { week: 1, visitors: 0, percent: 0 },
            { week: 2, visitors: 0, percent: 0 },
            { week: 3, visitors: 0, percent: 0 },
          ],
        },
        {
          week: '2026-11-09',
          visitors: 0,
          retention: [0, 1, 2, 3].map((week) => ({ week, visitors: 0, percent: 0 })),
        },
      ],
    },
  ])('$name', ({ now, cells, expected }) => {
    expect(retentionCohorts(weeks, cells, new Date(now))).toEqual(expected);
  });

  it('counts a million visitors without losing precision in the percentages', () => {
    const table = retentionCohorts(
      weeks,
      [
        { cohort: 0, after: 0, visitors: 1_000_000 },
        { cohort: 0, after: 1, visitors: 1 },
        { cohort: 0, after: 2, visitors: 999_999 },
      ],
      new Date('2026-12-20T00:00:00Z'),
    );
    expect(table[0]!.retention.map((week) => week.percent)).toEqual([100, 0, 100, 0]);
  });
});
