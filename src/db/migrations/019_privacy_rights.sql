-- Data-subject rights (src/privacy/): consent records, and erasures as a durable queue of the job runner.

-- Each consent choice a visitor made, with its time and where it came from: the tracker's consent
-- call (`banner`), a browser's Global Privacy Control (`gpc`), or a server-side call (`api`). A
-- purpose left out of a choice is null. The history is part of a visitor's export and goes with
-- their erasure.
CREATE TABLE consent_records (
  id           text PRIMARY KEY,
  site_id      text NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  visitor_id   text,
  user_id      text,
  analytics    boolean,
  ads          boolean,
  source       text NOT NULL CHECK (source IN ('banner', 'gpc', 'api')),
  recorded_at  timestamptz NOT NULL,
  CHECK (visitor_id IS NOT NULL OR user_id IS NOT NULL)
);
CREATE INDEX consent_records_visitor_idx ON consent_records (site_id, visitor_id, recorded_at);
CREATE INDEX consent_records_user_idx ON consent_records (site_id, user_id) WHERE user_id IS NOT NULL;

-- Export and erasure find a person's events by userId and by email hash: identify events are few,
-- so these partial indexes stay small and cost ingestion nothing for page views.
CREATE INDEX events_user_idx ON events (site_id, user_id) WHERE user_id IS NOT NULL;
CREATE INDEX events_email_hash_idx ON events (site_id, (user_hashes ->> 'em')) WHERE user_hashes IS NOT NULL;
-- An event's deliveries, to export and erase them with it.
CREATE INDEX deliveries_event_idx ON deliveries (site_id, event_row_id) WHERE event_row_id IS NOT NULL;

-- An erasure request, in the job runner's outbox shape (src/jobs/README.md). The subject
-- (visitor_id, user_id, email_hash: the SHA-256 Beacon stores as user_hashes.em) is kept only while
-- the erasure is pending and is wiped when it is done, so the row that remains, with `erased`
-- (how many rows each store lost), is an audit record without personal data. site_id is null for
-- an erasure across every site of the agency.
CREATE TABLE erasures (
  id               bigserial PRIMARY KEY,
  public_id        text NOT NULL UNIQUE,
  agency_id        text NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
  site_id          text REFERENCES sites (id) ON DELETE CASCADE,
  subject_kind     text NOT NULL CHECK (subject_kind IN ('visitor', 'user', 'email')),
  visitor_id       text,
  user_id          text,
  email_hash       text,
  requested_by     text,
  erased           jsonb,
  status           text NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'done', 'failed', 'cancelled')),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  lease_token      uuid,
  last_error       text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  finished_at      timestamptz
);
CREATE INDEX erasures_due_idx ON erasures (next_attempt_at) WHERE status = 'pending';
CREATE INDEX erasures_agency_idx ON erasures (agency_id, created_at DESC);
