import { AppError } from '../errors.ts';

/** Where a report's raw events must begin, and where the site's kept raw events begin (unset: nothing deleted yet). */
export interface RawEventsWindow {
  from: Date;
  rawEventsFrom?: Date | undefined;
}

/**
 * Refuses a report that would count raw events from before the site's retention cutoff: those
 * events are deleted, and counting what is left would pass for zeros (or, over a window that
 * straddles the cutoff, for a part). Unfiltered overview, timeseries and breakdown reports over
 * whole days answer from roll-ups instead and never get here for such days. A 400 naming `from`.
 */
export function assertRawEventsKept(window: RawEventsWindow): void {
  const { from, rawEventsFrom } = window;
  // Only a window known to start earlier is refused (an invalid date is not this check's to judge).
  if (rawEventsFrom === undefined || !(from.getTime() < rawEventsFrom.getTime())) return;
  const kept = rawEventsFrom.toISOString();
  throw new AppError(
    'validation_failed',
    `This report needs raw events from ${from.toISOString()}, but this site's raw events before ${kept} ` +
      'are deleted under its retention (retentionDays). Roll-ups keep the totals of unfiltered overview, ' +
      'timeseries and breakdown reports over whole days; filters, funnels, retention cohorts and breakdowns ' +
      `by lead status, visitor type or a custom property need raw events: start the range at ${kept} or later`,
    { field: 'from' },
  );
}
