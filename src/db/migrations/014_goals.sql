-- Goals: what counts as a conversion in a site's reports. An event name, or a page pattern with `*`
-- wildcards; optionally the custom property that holds the conversion's amount.
CREATE TABLE goals (
  id                text PRIMARY KEY,
  site_id           text NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  name              text NOT NULL,
  event_name        text,
  page_pattern      text,
  revenue_property  text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (site_id, name),
  CHECK ((event_name IS NULL) <> (page_pattern IS NULL))
);
