-- The ingestion writer looks up a batch's eventIds and visitors with `= ANY` on both columns of
-- these indexes. Before PostgreSQL 17 the planner may keep only the leading column's `= ANY` as the
-- index condition and filter the rest, and it does for a site it has no statistics for yet (a new
-- site growing fast): with site_id leading, every lookup then read all of the site's entries
-- (~700 rows a batch a few minutes into a benchmark on PostgreSQL 15, and growing). Leading with the
-- near-unique column keeps each lookup a probe per key on every version and plan.
ALTER TABLE event_ids DROP CONSTRAINT event_ids_pkey;
ALTER TABLE event_ids ADD CONSTRAINT event_ids_pkey PRIMARY KEY (event_id, site_id);

DROP INDEX sessions_visitor_idx;
CREATE INDEX sessions_visitor_idx ON sessions (visitor_id, site_id);
