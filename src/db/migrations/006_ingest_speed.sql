-- The ingestion writer upserts one sessions row per session in every batch; these make that cheaper.
--
-- No foreign key from sessions to sites: its check ran for every inserted session (~8 µs a row
-- under EXPLAIN ANALYZE) and took a KEY SHARE lock on the site's row, which concurrent batches of the
-- same site turn into multixacts. Sites are only ever soft-deleted; events carry no foreign key either.
ALTER TABLE sessions DROP CONSTRAINT IF EXISTS sessions_site_id_fkey;

-- last_seen_at changes on every batch; while it was indexed no session update could be HOT (a new
-- entry in all four indexes each time). A visitor has few sessions, so sorting them is cheap.
DROP INDEX IF EXISTS sessions_visitor_idx;
CREATE INDEX sessions_visitor_idx ON sessions (site_id, visitor_id);
ALTER TABLE sessions SET (fillfactor = 80);
