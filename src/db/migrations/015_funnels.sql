-- Saved funnels: ordered steps (each a page pattern or a custom event name, as JSON) and the window,
-- in minutes, within which a visitor must take them. `window` is a reserved word, hence the suffix.
CREATE TABLE funnels (
  id              text PRIMARY KEY,
  site_id         text NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  name            text NOT NULL,
  steps           jsonb NOT NULL CHECK (jsonb_typeof(steps) = 'array' AND jsonb_array_length(steps) BETWEEN 2 AND 8),
  window_minutes  integer NOT NULL CHECK (window_minutes BETWEEN 1 AND 129600),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (site_id, name)
);

