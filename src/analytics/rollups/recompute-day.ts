import { withTransaction, type Pool, type PoolClient } from '../../db/pool.ts';
import { goalDefinitions } from '../goals/goals.ts';
import { aggregateDay, type DayEvent, type DayRollup, type DaySession } from './aggregate-day.ts';
import {
  EVENT_DIMENSIONS,
  reportDimension,
  ROLLUP_DIMENSIONS,
  SESSION_DIMENSIONS,
  type EventDimension,
  type SessionDimension,
} from './dimensions.ts';
import { revenueProperties } from './goal-matcher.ts';
import { goalsKey } from './goals-key.ts';
import { serializeSketch } from './hll.ts';

/** The instant the local hour of `instant` began, as epoch seconds; `$tz` is the timezone parameter. */
const localHourSql = (instant: string, tz: string) =>
  `extract(epoch FROM ${instant} - ((${instant} AT TIME ZONE ${tz}) - date_trunc('hour', ${instant} AT TIME ZONE ${tz})))::float8`;

const DAY_BOUNDS = `SELECT ($2::date::timestamp AT TIME ZONE $3) AS day_start,
    (($2::date + 1)::timestamp AT TIME ZONE $3) AS day_end,
    EXISTS (
      SELECT 1 FROM events e LEFT JOIN sessions s ON s.site_id = e.site_id AND s.id = e.session_id
      WHERE e.enrichment_status = 'pending' AND e.site_id = $1
        AND ((e.occurred_at >= $2::date::timestamp AT TIME ZONE $3 AND e.occurred_at < ($2::date + 1)::timestamp AT TIME ZONE $3)
          OR (s.started_at >= $2::date::timestamp AT TIME ZONE $3 AND s.started_at < ($2::date + 1)::timestamp AT TIME ZONE $3))
    ) AS pending`;

/** Each of the dimensions' SQL, over `e` and `s` as in the raw reports, as one text array. */
const valuesSql = (dimensions: readonly (EventDimension | SessionDimension)[]) =>
  `ARRAY[${dimensions.map((name) => `(${reportDimension(name).sql})::text`).join(', ')}]::text[]`;

/**
 * The day's events with their own values and their session's (which may have started earlier), and
 * the texts of the revenue properties the goals read ($5 on).
 */
const dayEventsSql = (propertyParams: readonly string[]) => `SELECT e.type, e.name, e.path, e.visitor_id,
    e.session_id, e.value, e.currency, ${localHourSql('e.occurred_at', '$4')} AS hour,
    ${valuesSql(EVENT_DIMENSIONS)} AS event_values,
    CASE WHEN s.id IS NULL THEN NULL ELSE ${valuesSql(SESSION_DIMENSIONS)} END AS session_values,
    ARRAY[${propertyParams.map((param) => `e.props ->> ${param}`).join(', ')}]::text[] AS property_texts
  FROM events e
  LEFT JOIN sessions s ON s.site_id = e.site_id AND s.id = e.session_id
  WHERE e.site_id = $1 AND e.occurred_at >= $2 AND e.occurred_at < $3 AND NOT e.is_bot`;

const DAY_SESSIONS = `SELECT s.id, ${localHourSql('s.started_at', '$4')} AS hour, s.duration_s, s.is_bounce,
    ${valuesSql(SESSION_DIMENSIONS)} AS session_values
  FROM sessions s
  WHERE s.site_id = $1 AND s.started_at >= $2 AND s.started_at < $3 AND NOT s.is_bot`;

/**
 * The dirty rows of the day's hours that this transaction's snapshot sees are done with. One whose
 * hour also reaches into the day before or after leaves a row for that part, keeping its age.
 */
const TAKE_MARKS = `WITH seen AS (
    DELETE FROM rollup_dirty
    WHERE site_id = $1 AND hour > $2::timestamptz - interval '1 hour' AND hour < $3
    RETURNING hour, marked_at
  ),
  kept AS (
    INSERT INTO rollup_dirty (site_id, hour, marked_at)
    SELECT $1, $2::timestamptz - interval '1 hour', min(marked_at) FROM seen WHERE hour < $2 HAVING count(*) > 0
    UNION ALL
    SELECT $1, $3, min(marked_at) FROM seen WHERE hour + interval '1 hour' > $3 HAVING count(*) > 0
  )
  SELECT count(*) AS marks FROM seen`;

const WRITE_DAY = `INSERT INTO rollup_days (site_id, day, timezone, goals_key, computed_at, pending_enrichment,
    visitors, sessions, pageviews, events, bounces, duration_s, conversions, converted_visitors, revenue,
    visitor_sketch, converted_sketch)
  VALUES ($1, $2, $3, $4, now(), $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
  ON CONFLICT (site_id, day) DO UPDATE SET timezone = EXCLUDED.timezone, goals_key = EXCLUDED.goals_key,
    computed_at = EXCLUDED.computed_at, pending_enrichment = EXCLUDED.pending_enrichment,
    visitors = EXCLUDED.visitors, sessions = EXCLUDED.sessions, pageviews = EXCLUDED.pageviews,
    events = EXCLUDED.events, bounces = EXCLUDED.bounces, duration_s = EXCLUDED.duration_s,
    conversions = EXCLUDED.conversions, converted_visitors = EXCLUDED.converted_visitors,
    revenue = EXCLUDED.revenue, visitor_sketch = EXCLUDED.visitor_sketch,
    converted_sketch = EXCLUDED.converted_sketch`;

/** Once the day's hours are deleted, by a statement of its own: within one, the insert meets the rows deleted. */
const WRITE_HOURS = `INSERT INTO rollup_hours (site_id, hour, day, visitors, sessions, pageviews, events, bounces,
    duration_s, conversions, converted_visitors, revenue)
  SELECT $1, to_timestamp(hour), $2, visitors, sessions, pageviews, events, bounces, duration_s, conversions,
    converted_visitors, revenue
  FROM unnest($3::float8[], $4::int[], $5::int[], $6::int[], $7::int[], $8::int[], $9::bigint[], $10::int[],
              $11::int[], $12::jsonb[])
    AS h(hour, visitors, sessions, pageviews, events, bounces, duration_s, conversions, converted_visitors, revenue)`;

/**
 * Writes only the values that changed and deletes those that are gone: while the day is today,
 * most of its rows are the same from one run to the next, and an unchanged row costs no WAL and
 * leaves no dead tuple.
 */
const WRITE_VALUES = `WITH incoming AS (
    SELECT * FROM unnest($3::text[], $4::text[], $5::int[], $6::int[], $7::int[], $8::int[], $9::int[],
                         $10::bigint[], $11::int[], $12::int[], $13::int[], $14::int[], $15::jsonb[], $16::bytea[],
                         $17::bytea[])
      AS v(dimension, value, visitors, sessions, pageviews, events, bounces, duration_s, entries, exits,
           conversions, converted_visitors, revenue, visitor_sketch, converted_sketch)
  ),
  written AS (
    INSERT INTO rollup_values AS r (site_id, dimension, day, value, visitors, sessions, pageviews, events, bounces,
                                    duration_s, entries, exits, conversions, converted_visitors, revenue,
                                    visitor_sketch, converted_sketch)
    SELECT $1, dimension, $2, value, visitors, sessions, pageviews, events, bounces, duration_s, entries, exits,
           conversions, converted_visitors, revenue, visitor_sketch, converted_sketch
    FROM incoming
    ON CONFLICT (site_id, dimension, day, value) DO UPDATE SET visitors = EXCLUDED.visitors,
      sessions = EXCLUDED.sessions, pageviews = EXCLUDED.pageviews, events = EXCLUDED.events,
      bounces = EXCLUDED.bounces, duration_s = EXCLUDED.duration_s, entries = EXCLUDED.entries,
      exits = EXCLUDED.exits, conversions = EXCLUDED.conversions,
      converted_visitors = EXCLUDED.converted_visitors, revenue = EXCLUDED.revenue,
      visitor_sketch = EXCLUDED.visitor_sketch, converted_sketch = EXCLUDED.converted_sketch
    WHERE (r.visitors, r.sessions, r.pageviews, r.events, r.bounces, r.duration_s, r.entries, r.exits,
           r.conversions, r.converted_visitors, r.revenue, r.visitor_sketch, r.converted_sketch)
      IS DISTINCT FROM (EXCLUDED.visitors, EXCLUDED.sessions, EXCLUDED.pageviews, EXCLUDED.events,
                        EXCLUDED.bounces, EXCLUDED.duration_s, EXCLUDED.entries, EXCLUDED.exits,
                        EXCLUDED.conversions, EXCLUDED.converted_visitors, EXCLUDED.revenue,
                        EXCLUDED.visitor_sketch, EXCLUDED.converted_sketch)
    RETURNING 1
  ),
  gone AS (
    DELETE FROM rollup_values r
    WHERE r.site_id = $1 AND r.dimension = ANY($18::text[]) AND r.day = $2
      AND NOT EXISTS (SELECT 1 FROM incoming i WHERE i.dimension = r.dimension AND i.value = r.value)
    RETURNING 1
  )
  SELECT (SELECT count(*) FROM written) AS written, (SELECT count(*) FROM gone) AS deleted`;

export interface RecomputedDay {
  events: number;
  sessions: number;
  values: number;
  /** Rows of rollup_values inserted or changed, and deleted. */
  written: number;
  deleted: number;
  /** Dirty rows this computation took care of. */
  marks: number;
  pendingEnrichment: boolean;
}

/**
 * Recomputes one local day of a site from its events and sessions and replaces its roll-up rows,
 * in one REPEATABLE READ transaction: the rows it reads, the dirty rows it deletes and the rows it
 * writes belong to one snapshot, so a change committed after it began keeps its dirty row.
 */
export async function recomputeDay({
  db,
  siteId,
  timezone,
  day,
}: {
  db: Pool;
  siteId: string;
  timezone: string;
  /** Local date, YYYY-MM-DD. */
  day: string;
}): Promise<RecomputedDay> {
  return withTransaction(
    db,
    (client) => recomputeDayIn(client, { siteId, timezone, day }),
    'REPEATABLE READ',
  );
}

interface DayEventRow extends Omit<DayEvent, 'props'> {
  property_texts: Array<string | null>;
}

/** recomputeDay's work, in the caller's REPEATABLE READ transaction, with the site's goals as it sees them. */
export async function recomputeDayIn(
  client: PoolClient,
  { siteId, timezone, day }: { siteId: string; timezone: string; day: string },
): Promise<RecomputedDay> {
  const {
    rows: [bounds],
  } = await client.query<{ day_start: Date; day_end: Date; pending: boolean }>(DAY_BOUNDS, [
    siteId,
    day,
    timezone,
  ]);
  const goals = await goalDefinitions(client, siteId);
  const properties = revenueProperties(goals);
  const range = [siteId, bounds!.day_start, bounds!.day_end, timezone];
  const { rows: eventRows } = await client.query<DayEventRow>(
    dayEventsSql(properties.map((_, at) => `$${range.length + 1 + at}`)),
    [...range, ...properties],
  );
  const noProps = {};
  const events = eventRows.map((row): DayEvent => ({
    ...row,
    props:
      properties.length === 0
        ? noProps
        : Object.fromEntries(properties.map((key, at) => [key, row.property_texts[at] ?? null])),
  }));
  const { rows: sessions } = await client.query<DaySession>(DAY_SESSIONS, range);
  const rollup = aggregateDay(events, sessions, goals);
  await writeDay(client, siteId, day, timezone, goalsKey(goals), bounds!.pending, rollup);
  const {
    rows: [taken],
  } = await client.query<{ marks: number }>(TAKE_MARKS, [siteId, bounds!.day_start, bounds!.day_end]);
  const {
    rows: [changes],
  } = await client.query<{ written: number; deleted: number }>(WRITE_VALUES, [
    siteId,
    day,
    ...valueColumns(rollup),
    ROLLUP_DIMENSIONS,
  ]);
  return {
    events: events.length,
    sessions: sessions.length,
    values: rollup.values.length,
    written: changes!.written,
    deleted: changes!.deleted,
    marks: taken!.marks,
    pendingEnrichment: bounds!.pending,
  };
}

async function writeDay(
  client: PoolClient,
  siteId: string,
  day: string,
  timezone: string,
  key: string,
  pending: boolean,
  { total, hours }: DayRollup,
) {
  await client.query(WRITE_DAY, [
    siteId,
    day,
    timezone,
    key,
    pending,
    total.visitors,
    total.sessions,
    total.pageviews,
    total.events,
    total.bounces,
    total.duration_s,
    total.conversions,
    total.converted_visitors,
    total.revenue,
    serializeSketch(total.sketch),
    serializeSketch(total.convertedSketch),
  ]);
  await client.query('DELETE FROM rollup_hours WHERE site_id = $1 AND day = $2', [siteId, day]);
  await client.query(WRITE_HOURS, [
    siteId,
    day,
    hours.map((hour) => hour.hour),
    hours.map((hour) => hour.visitors),
    hours.map((hour) => hour.sessions),
    hours.map((hour) => hour.pageviews),
    hours.map((hour) => hour.events),
    hours.map((hour) => hour.bounces),
    hours.map((hour) => hour.duration_s),
    hours.map((hour) => hour.conversions),
    hours.map((hour) => hour.converted_visitors),
    hours.map((hour) => hour.revenue),
  ]);
}

function valueColumns({ values }: DayRollup): unknown[] {
  return [
    values.map((row) => row.dimension),
    values.map((row) => row.value),
    values.map((row) => row.visitors),
    values.map((row) => row.sessions),
    values.map((row) => row.pageviews),
    values.map((row) => row.events),
    values.map((row) => row.bounces),
    values.map((row) => row.duration_s),
    values.map((row) => row.entries),
    values.map((row) => row.exits),
    values.map((row) => row.conversions),
    values.map((row) => row.converted_visitors),
    values.map((row) => row.revenue),
    values.map((row) => serializeSketch(row.sketch)),
    values.map((row) => serializeSketch(row.convertedSketch)),
  ];
}
