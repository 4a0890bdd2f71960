-- Reports ask whether a visitor had a session before this one (new vs returning visitors, retention
-- cohorts): one probe per session or visitor into that visitor's sessions by start. started_at joins
-- the index the ingestion writer already looks visitors up by (visitor_id, site_id still leading, as
-- migration 007 needs), and is_bot rides along, so the probe is answered from the index.
-- Neither column changes once a session is inserted, so session updates stay HOT (migration 006):
-- ingestion still writes one entry per new session in this index, 9 bytes wider than before.
DROP INDEX sessions_visitor_idx;
CREATE INDEX sessions_visitor_idx ON sessions (visitor_id, site_id, started_at) INCLUDE (is_bot);
