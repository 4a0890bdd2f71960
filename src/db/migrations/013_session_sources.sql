-- Reports break sessions down by where they came from: the landing event's full referrer and all
-- five UTM parameters belong to the session (later events of a visit come from the site itself).
ALTER TABLE sessions ADD COLUMN referrer text, ADD COLUMN utm_term text, ADD COLUMN utm_content text;

-- Reports select events by when they happened, in the site's time zone; partitions are by arrival.
CREATE INDEX events_occurred_idx ON events (site_id, occurred_at);
