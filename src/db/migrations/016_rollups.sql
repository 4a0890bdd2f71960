-- Roll-ups: per site and site-local day, the counts unfiltered reports read instead of raw events
-- (src/analytics/rollups/README.md). The roll-up job recomputes a day from events and sessions.

-- Which hours of a site changed since the job last looked: events in [hour, hour + 1 h) were
-- written, or a session that started then was continued. The ingest writer inserts rows in the
-- transaction that stores the events (never updates or deletes them, so it takes no row lock);
-- the job deletes the rows its REPEATABLE READ snapshot saw, in the transaction that recomputes
-- their day, so a row it did not see stays for its next run.
CREATE TABLE rollup_dirty (
  site_id             text NOT NULL,
  hour                timestamptz NOT NULL,
  marked_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rollup_dirty_site_hour_idx ON rollup_dirty (site_id, hour);

-- One row per computed day: the timezone it was computed in (a site whose timezone changed has its
-- days recomputed; readers ignore days of another timezone), the goals its conversions were
-- computed with (goals_key, src/analytics/rollups/goals-key.ts: the job recomputes a day whose key
-- is not the site's current one; until then readers take conversions, revenue and goals from the
-- raw path), and the day's totals as the raw reports count them (src/analytics/rollups/README.md).
-- Visitors are exact for the day; the sketches (src/analytics/rollups/hll.ts) merge with other
-- days' for any range. Revenue is a JSON object of currency (XXX for none) to exact amount.
CREATE TABLE rollup_days (
  site_id             text NOT NULL,
  day                 date NOT NULL,
  timezone            text NOT NULL,
  goals_key           text NOT NULL,
  computed_at         timestamptz NOT NULL,
  -- Enrichment still pending for some of its events when computed: the backfill may yet fill in
  -- their geography and company, so the job computes the day again later.
  pending_enrichment  boolean NOT NULL,
  visitors            integer NOT NULL,
  sessions            integer NOT NULL,
  pageviews           integer NOT NULL,
  events              integer NOT NULL,
  bounces             integer NOT NULL,
  duration_s          bigint NOT NULL,
  conversions         integer NOT NULL,
  converted_visitors  integer NOT NULL,
  revenue             jsonb NOT NULL,
  visitor_sketch      bytea NOT NULL,
  converted_sketch    bytea NOT NULL,
  PRIMARY KEY (site_id, day)
);
CREATE INDEX rollup_days_recheck_idx ON rollup_days (computed_at) WHERE pending_enrichment;

-- The same per local hour (`hour` is the instant the local hour begins), exact: an hourly
-- timeseries never merges hours.
CREATE TABLE rollup_hours (
  site_id             text NOT NULL,
  hour                timestamptz NOT NULL,
  day                 date NOT NULL,
  visitors            integer NOT NULL,
  sessions            integer NOT NULL,
  pageviews           integer NOT NULL,
  events              integer NOT NULL,
  bounces             integer NOT NULL,
  duration_s          bigint NOT NULL,
  conversions         integer NOT NULL,
  converted_visitors  integer NOT NULL,
  revenue             jsonb NOT NULL,
  PRIMARY KEY (site_id, hour)
);
CREATE INDEX rollup_hours_day_idx ON rollup_hours (site_id, day);

-- Per day, dimension and value ('' for none). Sketches above ~100 bytes go to TOAST
-- (toast_tuple_target), so ranking a dimension's values reads narrow rows and fetches the sketches
-- of the rows it returns only.
CREATE TABLE rollup_values (
  site_id             text NOT NULL,
  dimension           text NOT NULL,
  day                 date NOT NULL,
  value               text NOT NULL,
  visitors            integer NOT NULL,
  sessions            integer NOT NULL,
  pageviews           integer NOT NULL,
  events              integer NOT NULL,
  bounces             integer NOT NULL,
  duration_s          bigint NOT NULL,
  -- `page` only: sessions that started that day and entered / left on the page.
  entries             integer NOT NULL,
  exits               integer NOT NULL,
  conversions         integer NOT NULL,
  converted_visitors  integer NOT NULL,
  revenue             jsonb NOT NULL,
  visitor_sketch      bytea NOT NULL,
  converted_sketch    bytea NOT NULL,
  PRIMARY KEY (site_id, dimension, day, value)
) WITH (toast_tuple_target = 128);

-- A visitor id as a sketch entry, bit for bit as visitorEntry (src/analytics/rollups/visitor-entry.ts)
-- makes it: the first 64 bits of md5 over its UTF-8 bytes (Beacon's databases are UTF8), 25 index
-- bits, and the rank of the 39 bits after them (1 + leading zeros; 40 when all are zero).
CREATE FUNCTION rollup_visitor_entry(visitor_id text) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT (substring(bits FROM 1 FOR 25)::integer << 6)
         | COALESCE(NULLIF(position(B'1' IN substring(bits FROM 26 FOR 39)), 0), 40)
  FROM (SELECT ('x' || left(md5(visitor_id), 16))::bit(64) AS bits) AS hashed
$$;

-- The sparse sketch of a set of visitor ids, as serializeSketch writes it (version 1, kind 1,
-- big-endian entries in ascending order, the highest rank per index). Use on a group's
-- array_agg(visitor_id); parseSketch turns a list past the sparse limit dense when it reads it.
CREATE FUNCTION rollup_visitor_sketch(visitor_ids text[]) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT '\x0101'::bytea || COALESCE(string_agg(int4send(entry), ''::bytea ORDER BY entry), ''::bytea)
  FROM (
    SELECT max(rollup_visitor_entry(id)) AS entry
    FROM unnest(visitor_ids) AS id
    WHERE id IS NOT NULL
    GROUP BY rollup_visitor_entry(id) >> 6
  ) AS per_index
$$;

-- Every hour that already holds events is computed once by the job after this migration.
INSERT INTO rollup_dirty (site_id, hour)
SELECT DISTINCT site_id, date_trunc('hour', occurred_at) FROM events;
