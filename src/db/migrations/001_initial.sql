-- Beacon's first schema: tenancy, keys, events (partitioned by day), sessions, companies.
-- Ids are prefixed opaque strings made by the application (src/lib/ids.ts).
-- Every table that holds tenant data carries agency_id or site_id.

CREATE TABLE agencies (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE dashboard_users (
  id                 text PRIMARY KEY,
  agency_id          text NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
  email              text NOT NULL,
  name               text,
  password_hash      text NOT NULL,
  role               text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
  is_instance_admin  boolean NOT NULL DEFAULT false,
  failed_logins      integer NOT NULL DEFAULT 0,
  locked_until       timestamptz,
  last_login_at      timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now()
);
-- Emails are stored lower-cased; one account per address across the instance.
CREATE UNIQUE INDEX dashboard_users_email_key ON dashboard_users (email);
CREATE INDEX dashboard_users_agency_idx ON dashboard_users (agency_id);

CREATE TABLE sites (
  id                text PRIMARY KEY,
  agency_id         text NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
  name              text NOT NULL,
  domain            text NOT NULL,
  -- Public key embedded in the tracker snippet: it only lets a browser send events.
  site_key          text NOT NULL UNIQUE,
  -- Secret key for server-side ingestion; only its prefix and SHA-256 are kept.
  write_key_prefix  text NOT NULL,
  write_key_hash    text NOT NULL UNIQUE,
  allowed_domains   text[] NOT NULL DEFAULT '{}',
  timezone          text NOT NULL DEFAULT 'UTC',
  bot_policy        text NOT NULL DEFAULT 'flag' CHECK (bot_policy IN ('flag', 'drop')),
  retention_days    integer NOT NULL DEFAULT 395 CHECK (retention_days BETWEEN 1 AND 3650),
  cookieless        boolean NOT NULL DEFAULT false,
  respect_dnt       boolean NOT NULL DEFAULT false,
  tracker_alias     text UNIQUE,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  deleted_at        timestamptz
);
CREATE INDEX sites_agency_idx ON sites (agency_id) WHERE deleted_at IS NULL;

CREATE TABLE refresh_tokens (
  id           text PRIMARY KEY,
  user_id      text NOT NULL REFERENCES dashboard_users (id) ON DELETE CASCADE,
  agency_id    text NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
  -- All tokens descended from one login share a family; reuse of a spent token revokes the family.
  family_id    text NOT NULL,
  token_hash   text NOT NULL UNIQUE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  used_at      timestamptz,
  revoked_at   timestamptz,
  ip           text,
  user_agent   text
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

CREATE TABLE api_keys (
  id            text PRIMARY KEY,
  agency_id     text NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
  name          text NOT NULL,
  key_prefix    text NOT NULL,
  key_hash      text NOT NULL UNIQUE,
  scopes        text[] NOT NULL DEFAULT '{}',
  created_by    text REFERENCES dashboard_users (id) ON DELETE SET NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz,
  expires_at    timestamptz,
  revoked_at    timestamptz
);
CREATE INDEX api_keys_agency_idx ON api_keys (agency_id);

-- The 65 data points of an event; docs/events.md describes each column and a test keeps the two equal.
CREATE TABLE events (
  id                 text NOT NULL,
  site_id            text NOT NULL,
  event_id           text,
  type               text NOT NULL,
  name               text,
  received_at        timestamptz NOT NULL,
  client_ts          timestamptz,
  occurred_at        timestamptz NOT NULL,
  visitor_id         text,
  session_id         text,
  user_id            text,
  url                text,
  hostname           text,
  path               text,
  title              text,
  referrer           text,
  referrer_host      text,
  referrer_type      text,
  utm_source         text,
  utm_medium         text,
  utm_campaign       text,
  utm_term           text,
  utm_content        text,
  gclid              text,
  gbraid             text,
  wbraid             text,
  fbclid             text,
  msclkid            text,
  ttclid             text,
  li_fat_id          text,
  fbp                text,
  fbc                text,
  screen_width       integer,
  screen_height      integer,
  viewport_width     integer,
  viewport_height    integer,
  language           text,
  timezone           text,
  user_agent         text,
  browser_name       text,
  browser_version    text,
  os_name            text,
  os_version         text,
  device_type        text,
  device_vendor      text,
  device_model       text,
  is_bot             boolean NOT NULL DEFAULT false,
  ip                 text,
  country            text,
  region             text,
  city               text,
  asn                integer,
  as_name            text,
  visitor_class      text,
  company_domain     text,
  company_name       text,
  is_vpn             boolean,
  is_hosting         boolean,
  enrichment_status  text NOT NULL DEFAULT 'pending',
  consent_analytics  boolean,
  consent_ads        boolean,
  props              jsonb,
  value              numeric(18, 4),
  currency           text,
  user_hashes        jsonb,
  PRIMARY KEY (site_id, received_at, id)
) PARTITION BY RANGE (received_at);

CREATE INDEX events_session_idx ON events (site_id, session_id);
CREATE INDEX events_pending_enrichment_idx ON events (received_at) WHERE enrichment_status = 'pending';

-- A partitioned table cannot enforce a unique client eventId per site across partitions, so
-- deduplication keys live here; an event and its key are inserted in the same transaction.
CREATE TABLE event_ids (
  site_id      text NOT NULL,
  event_id     text NOT NULL,
  received_at  timestamptz NOT NULL,
  PRIMARY KEY (site_id, event_id)
);
CREATE INDEX event_ids_received_idx ON event_ids (received_at);

-- Creates the daily partitions events_YYYYMMDD for [start_day, start_day + days).
CREATE FUNCTION ensure_event_partitions(start_day date, days integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  day date;
  created integer := 0;
  partition_name text;
BEGIN
  -- Instances starting together would otherwise race on the same CREATE TABLE.
  PERFORM pg_advisory_xact_lock(7301251);
  FOR i IN 0 .. days - 1 LOOP
    day := start_day + i;
    partition_name := 'events_' || to_char(day, 'YYYYMMDD');
    IF to_regclass(partition_name) IS NULL THEN
      EXECUTE format(
        'CREATE TABLE IF NOT EXISTS %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)',
        partition_name,
        day::timestamp AT TIME ZONE 'UTC',
        (day + 1)::timestamp AT TIME ZONE 'UTC'
      );
      created := created + 1;
    END IF;
  END LOOP;
  RETURN created;
END;
$$;

CREATE TABLE sessions (
  id              text NOT NULL,
  site_id         text NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  visitor_id      text NOT NULL,
  started_at      timestamptz NOT NULL,
  last_seen_at    timestamptz NOT NULL,
  entry_path      text,
  exit_path       text,
  pageviews       integer NOT NULL DEFAULT 0,
  events          integer NOT NULL DEFAULT 0,
  duration_s      integer NOT NULL DEFAULT 0,
  is_bounce       boolean NOT NULL DEFAULT true,
  referrer_host   text,
  referrer_type   text,
  utm_source      text,
  utm_medium      text,
  utm_campaign    text,
  country         text,
  device_type     text,
  browser_name    text,
  os_name         text,
  company_domain  text,
  is_bot          boolean NOT NULL DEFAULT false,
  PRIMARY KEY (site_id, id)
);
CREATE INDEX sessions_started_idx ON sessions (site_id, started_at);
CREATE INDEX sessions_visitor_idx ON sessions (site_id, visitor_id, last_seen_at DESC);

CREATE TABLE companies (
  id                text PRIMARY KEY,
  site_id           text NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  domain            text NOT NULL,
  name              text,
  industry          text,
  employee_range    text,
  country           text,
  city              text,
  first_seen_at     timestamptz NOT NULL,
  last_seen_at      timestamptz NOT NULL,
  visits            integer NOT NULL DEFAULT 0,
  sessions          integer NOT NULL DEFAULT 0,
  pageviews         integer NOT NULL DEFAULT 0,
  time_on_site_s    integer NOT NULL DEFAULT 0,
  score             integer NOT NULL DEFAULT 0 CHECK (score BETWEEN 0 AND 100),
  lead_status       text NOT NULL DEFAULT 'cold' CHECK (lead_status IN ('hot', 'warm', 'cold')),
  hidden            boolean NOT NULL DEFAULT false,
  updated_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (site_id, domain)
);
CREATE INDEX companies_site_lead_idx ON companies (site_id, lead_status, score DESC);
