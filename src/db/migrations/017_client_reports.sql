-- Client reports (src/reports/): each site's report schedule and recipients, the agency's branding
-- shown on reports, the periods whose mails were queued (once per site and period, across
-- instances and restarts), and the mails themselves as an outbox of the job runner.

CREATE TABLE report_settings (
  site_id       text PRIMARY KEY REFERENCES sites (id) ON DELETE CASCADE,
  frequency     text NOT NULL DEFAULT 'off' CHECK (frequency IN ('off', 'weekly', 'monthly')),
  -- ISO weekday a weekly report is sent on (1 Monday … 7 Sunday), covering the 7 days before it.
  weekday       smallint NOT NULL DEFAULT 1 CHECK (weekday BETWEEN 1 AND 7),
  recipients    text[] NOT NULL DEFAULT '{}',
  -- When the schedule was last switched on: a period that ended before it is never sent.
  active_since  timestamptz,
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX report_settings_scheduled_idx ON report_settings (site_id) WHERE frequency <> 'off';

CREATE TABLE agency_branding (
  agency_id     text PRIMARY KEY REFERENCES agencies (id) ON DELETE CASCADE,
  -- Shown on reports instead of the agency's name when set.
  display_name  text,
  logo          bytea,
  logo_type     text CHECK (logo_type IN ('image/png', 'image/jpeg', 'image/webp')),
  -- The logo's URL carries it: a new logo is a new URL, so the old one may be cached for ever.
  logo_sha256   text,
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CHECK ((logo IS NULL) = (logo_type IS NULL) AND (logo IS NULL) = (logo_sha256 IS NULL))
);
CREATE INDEX agency_branding_logo_idx ON agency_branding (logo_sha256) WHERE logo_sha256 IS NOT NULL;

-- A period whose mails were queued. Its primary key is what makes a period's mails queued once.
CREATE TABLE report_periods (
  site_id       text NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  period_start  date NOT NULL,
  -- Included.
  period_end    date NOT NULL,
  queued_at     timestamptz NOT NULL,
  PRIMARY KEY (site_id, period_start, period_end)
);

-- One mail to one recipient, written with its period; columns of an outbox (src/jobs/README.md).
CREATE TABLE report_mails (
  id               bigserial PRIMARY KEY,
  site_id          text NOT NULL,
  period_start     date NOT NULL,
  period_end       date NOT NULL,
  recipient        text NOT NULL,
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed', 'cancelled')),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL,
  lease_token      uuid,
  last_error       text,
  finished_at      timestamptz,
  FOREIGN KEY (site_id, period_start, period_end)
    REFERENCES report_periods (site_id, period_start, period_end) ON DELETE CASCADE
);
CREATE INDEX report_mails_due_idx ON report_mails (next_attempt_at) WHERE status = 'pending';
CREATE INDEX report_mails_period_idx ON report_mails (site_id, period_start, period_end);
