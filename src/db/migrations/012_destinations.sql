-- Server-side destinations (src/destinations/): per-site GA4, Meta, Google Ads and webhook targets,
-- and one outbox of deliveries the job runner works through.

-- Two data points the destinations need: the GA cookie's client id (read by the tracker under
-- analytics consent) and a conversion's own transaction id (order id).
ALTER TABLE events ADD COLUMN ga_client_id text, ADD COLUMN transaction_id text;

CREATE TABLE destinations (
  id          text PRIMARY KEY,
  site_id     text NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  type        text NOT NULL CHECK (type IN ('ga4', 'meta', 'google_ads', 'webhook')),
  name        text NOT NULL,
  enabled     boolean NOT NULL DEFAULT true,
  -- The configuration without its secrets; `secrets` holds each secret field (dotted path) sealed
  -- with AES-256-GCM on its own, so `secrets rotate` re-seals them one by one.
  config      jsonb NOT NULL DEFAULT '{}',
  secrets     jsonb NOT NULL DEFAULT '{}',
  -- Which events it receives ([{match, as?, conversionActionId?}]); null: the type's default.
  events      jsonb,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX destinations_site_idx ON destinations (site_id);

-- The outbox, in the job runner's queue shape (src/jobs/README.md). An event's deliveries are
-- COPYed in the transaction that stores the event (the ingest writer's group commit), so a committed
-- event reaches its destinations even if Beacon dies right after the commit. The event itself is
-- read when it is sent; a notification (a hot lead) carries its payload instead.
CREATE TABLE deliveries (
  id                 bigserial PRIMARY KEY,
  site_id            text NOT NULL,
  destination_id     text REFERENCES destinations (id) ON DELETE CASCADE,
  destination_type   text NOT NULL,
  event_row_id       text,
  event_received_at  timestamptz,
  payload            jsonb,
  -- The client's full address, sealed, for Meta and Google Ads matching; wiped when final.
  sealed_ip          text,
  -- A webhook URL sealed in the row: only hot-lead notifications queued before this migration,
  -- whose URL cannot be matched to a destination in SQL.
  sealed_target      text,
  status             text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'done', 'failed', 'cancelled')),
  attempts           integer NOT NULL DEFAULT 0,
  next_attempt_at    timestamptz NOT NULL DEFAULT now(),
  lease_token        uuid,
  last_status        integer,
  last_error         text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  finished_at        timestamptz
);
CREATE INDEX deliveries_due_idx ON deliveries (destination_type, next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_destination_idx ON deliveries (destination_id, id DESC);

-- The hot-lead webhooks of the `webhooks` site setting become webhook destinations, one per URL
-- (the URLs stay sealed as they were), and their pending deliveries move to the one outbox.
INSERT INTO destinations (id, site_id, type, name, config, secrets)
SELECT 'dst_' || left(replace(gen_random_uuid()::text, '-', ''), 26), s.id, 'webhook',
       'Hot-lead webhook ' || entry.position, '{}', jsonb_build_object('url', entry.value ->> 'url')
FROM sites s, jsonb_array_elements(CASE WHEN jsonb_typeof(s.webhooks) = 'array' THEN s.webhooks ELSE '[]' END)
  WITH ORDINALITY AS entry (value, position)
WHERE jsonb_typeof(entry.value -> 'url') = 'string';

INSERT INTO deliveries (site_id, destination_type, payload, sealed_target, status, attempts, next_attempt_at,
                        last_status, last_error, created_at, finished_at)
SELECT site_id, 'webhook', payload, url, status, attempts, next_attempt_at, last_status, last_error, created_at,
       finished_at
FROM webhook_deliveries WHERE status = 'pending';

DROP TABLE webhook_deliveries;
ALTER TABLE sites DROP COLUMN webhooks;
