/** Dates, places and sources of leads as the reader's browser writes them (`locale` undefined: its own). */

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 86_400],
  ['month', 30 * 86_400],
  ['week', 7 * 86_400],
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
];

/** "3 hours ago", "yesterday", "just now": how long before `now` an instant was, in its largest unit. */
export function formatAgo(iso: string, now: Date, locale?: string): string {
  const instant = new Date(iso).getTime();
  if (Number.isNaN(instant)) return '–';
  const seconds = Math.round((instant - now.getTime()) / 1000);
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return format.format(Math.trunc(seconds / size), unit);
  }
  return format.format(0, 'second');
}

/** "United States" for US; the code itself when the browser has no name for it. */
export function countryName(code: string, locale?: string): string {
  try {
    return new Intl.DisplayNames(locale, { type: 'region' }).of(code.toUpperCase()) ?? code;
  } catch {
    return code;
  }
}

/** "Chicago, United States", "United States", or undefined when nothing is known. */
export function formatPlace(
  city: string | null,
  country: string | null,
  locale?: string,
): string | undefined {
  const parts = [city, country === null ? null : countryName(country, locale)].filter(
    (part): part is string => part !== null && part !== '',
  );
  return parts.length === 0 ? undefined : parts.join(', ');
}

export interface VisitSource {
  referrerHost: string | null;
  referrerType: string | null;
  utmSource: string | null;
  utmMedium: string | null;
  utmCampaign: string | null;
}

/**
 * Where a visit came from, as one line: the campaign's UTM values when it had them, else the
 * referring host, else "Direct".
 */
export function describeSource(source: VisitSource): string {
  const utm = [source.utmSource, source.utmMedium, source.utmCampaign].filter(
    (part): part is string => part !== null && part !== '',
  );
  if (utm.length > 0) return utm.join(' / ');
  if (source.referrerHost) return source.referrerHost;
  return 'Direct';
}
