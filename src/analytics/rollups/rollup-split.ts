import type { Queryable } from '../../db/pool.ts';
import { localDate, zonedInstant } from '../report-window.ts';

/** A local calendar day, YYYY-MM-DD. */
export type LocalDay = string;

/**
 * How a report's window divides: the whole local days roll-ups answer for, from its start, and the
 * rest of it, counted on the raw events. Either may be missing; together they are the window.
 */
export interface RollupSplit {
  rollupDays?: { fromDay: LocalDay; toDay: LocalDay };
  raw?: { from: Date; to: Date };
}

const dayOf = (date: { year: number; month: number; day: number }): LocalDay =>
  new Date(Date.UTC(date.year, date.month - 1, date.day)).toISOString().slice(0, 10);

function addDays(day: LocalDay, days: number): LocalDay {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/** The instant a local day begins in `timezone`. */
export function dayStart(day: LocalDay, timezone: string): Date {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  return zonedInstant({ year, month, day: date }, timezone);
}

/** The local day an instant falls on, when the instant is that day's midnight; else undefined. */
function midnightDay(instant: Date, timezone: string): LocalDay | undefined {
  const day = dayOf(localDate(instant, timezone));
  return dayStart(day, timezone).getTime() === instant.getTime() ? day : undefined;
}

/**
 * Where roll-ups stop being current within the days: the first day a change waits for the job on
 * (an hour the writer marked, as the job has not taken it in yet), or that was computed with other
 * goals. A day near the range computed in another time zone leaves roll-ups out altogether (its
 * events may belong to a day of the range now). A day without a row and without a mark had no
 * events: the writer marks every hour it writes, and migration 016 marked every hour stored before.
 */
const FIRST_STALE_DAY = `SELECT
    EXISTS (
      SELECT 1 FROM rollup_days
      WHERE site_id = $1 AND day BETWEEN $2::date - 2 AND $3::date + 2 AND timezone <> $4
    ) AS foreign_zone,
    (SELECT min(day)::text FROM rollup_days WHERE site_id = $1 AND day BETWEEN $2 AND $3 AND goals_key <> $5) AS stale_goals,
    (SELECT min((hour AT TIME ZONE $4)::date)::text FROM rollup_dirty
      WHERE site_id = $1
        AND hour > $2::date::timestamp AT TIME ZONE $4 - interval '1 hour'
        AND hour < ($3::date + 1)::timestamp AT TIME ZONE $4) AS dirty`;

/**
 * Splits a window between roll-ups and raw events. Roll-ups take whole local days only, from the
 * window's start up to the first day that is not current; a window that does not begin and end at
 * local midnights is raw throughout.
 */
export async function splitAtRollups(
  db: Queryable,
  window: { siteId: string; from: Date; to: Date; timezone: string; goalsKey: string },
): Promise<RollupSplit> {
  const raw = { from: window.from, to: window.to };
  const fromDay = midnightDay(window.from, window.timezone);
  const endDay = midnightDay(window.to, window.timezone);
  if (fromDay === undefined || endDay === undefined) return { raw };
  const toDay = addDays(endDay, -1);
  const { rows } = await db.query<{
    foreign_zone: boolean;
    stale_goals: LocalDay | null;
    dirty: LocalDay | null;
  }>(FIRST_STALE_DAY, [window.siteId, fromDay, toDay, window.timezone, window.goalsKey]);
  const { foreign_zone: foreignZone, stale_goals: staleGoals, dirty } = rows[0]!;
  if (foreignZone) return { raw };
  const stale = [staleGoals, dirty].filter((day): day is LocalDay => day !== null).sort()[0];
  if (stale === undefined) return { rollupDays: { fromDay, toDay } };
  if (stale <= fromDay) return { raw };
  return {
    rollupDays: { fromDay, toDay: addDays(stale, -1) },
    raw: { from: dayStart(stale, window.timezone), to: window.to },
  };
}
