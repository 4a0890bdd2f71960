-- Ingestion: deduplication answers with the stored event's id; cookieless visitor ids use a salt
-- that rotates daily and is deleted afterwards, so yesterday's ids cannot be recomputed.

ALTER TABLE event_ids ADD COLUMN row_id text;

CREATE TABLE daily_salts (
  day         date PRIMARY KEY,
  salt        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE events DROP CONSTRAINT IF EXISTS events_enrichment_status_check;
ALTER TABLE events ADD CONSTRAINT events_enrichment_status_check
  CHECK (enrichment_status IN ('pending', 'done', 'failed', 'skipped'));
