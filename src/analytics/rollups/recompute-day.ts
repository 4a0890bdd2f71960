import type { Pool, PoolClient } from '../../db/pool.ts';
import { aggregateDay, type DayEvent, type DayRollup, type DaySession } from './aggregate-day.ts';
import { ROLLUP_DIMENSIONS, SESSION_DIMENSION_SQL, SESSION_DIMENSIONS } from './dimensions.ts';
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

const DAY_EVENTS = `SELECT e.type, e.name, e.path, e.hostname, e.visitor_id, e.session_id,
    ${localHourSql('e.occurred_at', '$4')} AS hour
  FROM events e
  WHERE e.site_id = $1 AND e.occurred_at >= $2 AND e.occurred_at < $3 AND NOT e.is_bot`;

const DAY_SESSIONS = `SELECT s.visitor_id, ${localHourSql('s.started_at', '$4')} AS hour,
    s.pageviews, s.events, s.duration_s, s.is_bounce,
    ${SESSION_DIMENSIONS.map((dimension) => `${SESSION_DIMENSION_SQL[dimension]} AS ${dimension}`).join(',\n    ')}
  FROM sessions s
  LEFT JOIN (
    SELECT DISTINCT ON (e.session_id) e.session_id, e.referrer, e.utm_term, e.utm_content, e.region, e.city,
      e.browser_version, e.os_version, e.screen_width, e.screen_height, e.language, e.visitor_class
    FROM events e
    WHERE e.site_id = $1 AND e.occurred_at >= $2 AND e.occurred_at < $3 AND e.session_id IS NOT NULL
    ORDER BY e.session_id, e.occurred_at, e.id
  ) AS l ON l.session_id = s.id
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

const WRITE_DAY = `INSERT INTO rollup_days (site_id, day, timezone, computed_at, pending_enrichment,
    visitors, sessions, pageviews, events, bounces, duration_s, visitor_sketch)
  VALUES ($1, $2, $3, now(), $4, $5, $6, $7, $8, $9, $10, $11)
  ON CONFLICT (site_id, day) DO UPDATE SET timezone = EXCLUDED.timezone, computed_at = EXCLUDED.computed_at,
    pending_enrichment = EXCLUDED.pending_enrichment, visitors = EXCLUDED.visitors, sessions = EXCLUDED.sessions,
    pageviews = EXCLUDED.pageviews, events = EXCLUDED.events, bounces = EXCLUDED.bounces,
    duration_s = EXCLUDED.duration_s, visitor_sketch = EXCLUDED.visitor_sketch`;

/** Once the day's hours are deleted, by a statement of its own: within one, the insert meets the rows deleted. */
const WRITE_HOURS = `INSERT INTO rollup_hours (site_id, hour, day, visitors, sessions, pageviews, events, bounces, duration_s)
  SELECT $1, to_timestamp(hour), $2, visitors, sessions, pageviews, events, bounces, duration_s
  FROM unnest($3::float8[], $4::int[], $5::int[], $6::int[], $7::int[], $8::int[], $9::bigint[])
    AS h(hour, visitors, sessions, pageviews, events, bounces, duration_s)`;

/**
 * Writes only the values that changed and deletes those that are gone: while the day is today,
 * most of its rows are the same from one run to the next, and an unchanged row costs no WAL and
 * leaves no dead tuple.
 */
const WRITE_VALUES = `WITH incoming AS (
    SELECT * FROM unnest($3::text[], $4::text[], $5::int[], $6::int[], $7::int[], $8::int[], $9::int[],
                         $10::bigint[], $11::int[], $12::int[], $13::bytea[])
      AS v(dimension, value, visitors, sessions, pageviews, events, bounces, duration_s, entries, exits, visitor_sketch)
  ),
  written AS (
    INSERT INTO rollup_values AS r (site_id, dimension, day, value, visitors, sessions, pageviews, events, bounces,
                                    duration_s, entries, exits, visitor_sketch)
    SELECT $1, dimension, $2, value, visitors, sessions, pageviews, events, bounces, duration_s, entries, exits,
           visitor_sketch
    FROM incoming
    ON CONFLICT (site_id, dimension, day, value) DO UPDATE SET visitors = EXCLUDED.visitors,
      sessions = EXCLUDED.sessions, pageviews = EXCLUDED.pageviews, events = EXCLUDED.events,
      bounces = EXCLUDED.bounces, duration_s = EXCLUDED.duration_s, entries = EXCLUDED.entries,
      exits = EXCLUDED.exits, visitor_sketch = EXCLUDED.visitor_sketch
    WHERE (r.visitors, r.sessions, r.pageviews, r.events, r.bounces, r.duration_s, r.entries, r.exits, r.visitor_sketch)
      IS DISTINCT FROM (EXCLUDED.visitors, EXCLUDED.sessions, EXCLUDED.pageviews, EXCLUDED.events,
                        EXCLUDED.bounces, EXCLUDED.duration_s, EXCLUDED.entries, EXCLUDED.exits,
                        EXCLUDED.visitor_sketch)
    RETURNING 1
  ),
  gone AS (
    DELETE FROM rollup_values r
    WHERE r.site_id = $1 AND r.dimension = ANY($14::text[]) AND r.day = $2
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
  const client = await db.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    const result = await recomputeDayIn(client, { siteId, timezone, day });
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** recomputeDay's work, in the caller's REPEATABLE READ transaction. */
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
  const range = [siteId, bounds!.day_start, bounds!.day_end, timezone];
  const { rows: events } = await client.query<DayEvent>(DAY_EVENTS, range);
  const { rows: sessions } = await client.query<DaySession>(DAY_SESSIONS, range);
  const rollup = aggregateDay(events, sessions);
  await writeDay(client, siteId, day, timezone, bounds!.pending, rollup);
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
  pending: boolean,
  { total, hours }: DayRollup,
) {
  await client.query(WRITE_DAY, [
    siteId,
    day,
    timezone,
    pending,
    total.visitors,
    total.sessions,
    total.pageviews,
    total.events,
    total.bounces,
    total.duration_s,
    serializeSketch(total.sketch),
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
    values.map((row) => serializeSketch(row.sketch)),
  ];
}
