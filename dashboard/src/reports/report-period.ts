import { shiftDate } from '../view-state.ts';

export interface ReportPeriod {
  from: string;
  to: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Whether a string is a real calendar date, YYYY-MM-DD. */
function isDate(value: string | null): value is string {
  if (value === null || !DATE.test(value)) return false;
  return new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) === value;
}

/** Monday to Sunday of the last week that has ended by `today` (both YYYY-MM-DD, the site's days). */
export function lastFullWeek(today: string): ReportPeriod {
  const weekday = (new Date(`${today}T00:00:00Z`).getUTCDay() + 6) % 7;
  const monday = shiftDate(today, -weekday - 7);
  return { from: monday, to: shiftDate(monday, 6) };
}

/**
 * The period the URL names (`?from=&to=`, days included), or the last full week when it names
 * none or names one that is not a pair of dates in order.
 */
export function periodFromSearch(search: string, today: string): ReportPeriod {
  const params = new URLSearchParams(search);
  const from = params.get('from');
  const to = params.get('to');
  if (isDate(from) && isDate(to) && from <= to) return { from, to };
  return lastFullWeek(today);
}

export function periodSearch(period: ReportPeriod): string {
  return `?${new URLSearchParams({ from: period.from, to: period.to }).toString()}`;
}

/** The addresses in what someone typed: split at commas, semicolons, spaces and line breaks. */
export function parseRecipients(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((address) => address.trim())
    .filter((address) => address !== '');
}
