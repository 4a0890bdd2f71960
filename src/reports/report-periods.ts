import { localDate, zonedInstant } from '../analytics/report-window.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

export type ScheduledFrequency = 'weekly' | 'monthly';

/** A report's days in the site's time zone, both included, and the instant the last one ended. */
export interface ReportPeriod {
  from: string;
  to: string;
  endedAt: Date;
}

const isoDate = (day: Date) => day.toISOString().slice(0, 10);

/**
 * The latest period of a schedule that has ended by `now`, in the site's time zone. Weekly: the
 * seven days before the most recent `weekday` (ISO, 1 Monday … 7 Sunday), today included, so a
 * Monday schedule sends Monday to Sunday on Monday. Monthly: the previous calendar month, sent on
 * the 1st. Days are calendar days in UTC arithmetic; only `endedAt` is an instant.
 */
export function lastEndedPeriod(
  schedule: { frequency: ScheduledFrequency; weekday: number },
  now: Date,
  timezone: string,
): ReportPeriod {
  const today = localDate(now, timezone);
  const todayUtc = Date.UTC(today.year, today.month - 1, today.day);
  let end: Date;
  let start: Date;
  if (schedule.frequency === 'weekly') {
    const isoWeekday = ((new Date(todayUtc).getUTCDay() + 6) % 7) + 1;
    const daysBack = (isoWeekday - schedule.weekday + 7) % 7;
    end = new Date(todayUtc - daysBack * DAY_MS);
    start = new Date(end.getTime() - 7 * DAY_MS);
  } else {
    end = new Date(Date.UTC(today.year, today.month - 1, 1));
    start = new Date(Date.UTC(today.year, today.month - 2, 1));
  }
  return {
    from: isoDate(start),
    to: isoDate(new Date(end.getTime() - DAY_MS)),
    endedAt: zonedInstant(
      { year: end.getUTCFullYear(), month: end.getUTCMonth() + 1, day: end.getUTCDate() },
      timezone,
    ),
  };
}
