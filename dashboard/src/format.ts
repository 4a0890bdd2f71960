/** Numbers as the reader's browser writes them (`locale` undefined: the browser's own). */

export type MetricKind = 'count' | 'percent' | 'seconds' | 'decimal';

export function formatMetric(value: number, kind: MetricKind, locale?: string): string {
  if (!Number.isFinite(value)) return '–';
  switch (kind) {
    case 'count':
      return new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(value);
    case 'decimal':
      return new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(value);
    case 'percent':
      return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(
        value / 100,
      );
    case 'seconds': {
      const seconds = Math.max(0, Math.round(value));
      const minutes = Math.floor(seconds / 60);
      const rest = new Intl.NumberFormat(locale, { minimumIntegerDigits: 2 }).format(seconds % 60);
      return `${new Intl.NumberFormat(locale).format(minutes)}:${rest}`;
    }
  }
}

/**
 * Percent change from the previous period to this one, rounded to a whole percent; undefined when
 * there was nothing before (any change from zero is not a percentage).
 */
export function changeAgainst(current: number, previous: number | undefined): number | undefined {
  if (previous === undefined || !Number.isFinite(previous) || !Number.isFinite(current) || previous === 0) {
    return undefined;
  }
  return Math.round(((current - previous) / previous) * 100);
}

export function formatChange(change: number, locale?: string): string {
  return new Intl.NumberFormat(locale, { style: 'percent', signDisplay: 'exceptZero' }).format(change / 100);
}

/**
 * A duration for a reader: seconds under a minute, then minutes, hours and days with one decimal
 * (a funnel step may take 40 seconds or three days).
 */
export function formatDuration(seconds: number, locale?: string): string {
  if (!Number.isFinite(seconds)) return '–';
  const value = Math.max(0, seconds);
  const [amount, unit] =
    value < 60
      ? [Math.round(value), 'second']
      : value < 3600
        ? [value / 60, 'minute']
        : value < 86_400
          ? [value / 3600, 'hour']
          : [value / 86_400, 'day'];
  return new Intl.NumberFormat(locale, {
    style: 'unit',
    unit,
    unitDisplay: 'long',
    maximumFractionDigits: 1,
  }).format(amount);
}

/** A date and time as the reader's browser writes them, in its time zone unless told otherwise. */
export function formatDateTime(iso: string, locale?: string, timeZone?: string): string {
  const instant = new Date(iso);
  if (Number.isNaN(instant.getTime())) return '–';
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(
    instant,
  );
}

/** The headline numbers of a period, in the order the overview and the client report show them. */
export const HEADLINE_METRICS = [
  { key: 'visitors', label: 'Visitors', kind: 'count' },
  { key: 'pageviews', label: 'Page views', kind: 'count' },
  { key: 'sessions', label: 'Visits', kind: 'count' },
  { key: 'bounceRate', label: 'Bounce rate', kind: 'percent' },
  { key: 'avgSessionSeconds', label: 'Visit duration', kind: 'seconds' },
  { key: 'conversions', label: 'Conversions', kind: 'count' },
] as const satisfies ReadonlyArray<{ key: string; label: string; kind: MetricKind }>;
