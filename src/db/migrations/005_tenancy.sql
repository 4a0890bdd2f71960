-- Tenancy and security: members see only the sites assigned to them; every management write is
-- audited; invitations and password resets are one-time tokens kept only as SHA-256.

CREATE TABLE site_members (
  site_id     text NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  user_id     text NOT NULL REFERENCES dashboard_users (id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (site_id, user_id)
);
CREATE INDEX site_members_user_idx ON site_members (user_id);

CREATE TABLE audit_log (
  id           bigserial PRIMARY KEY,
  agency_id    text NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
  actor_type   text NOT NULL CHECK (actor_type IN ('user', 'api_key', 'system')),
  actor_id     text,
  action       text NOT NULL,
  target_type  text NOT NULL,
  target_id    text,
  ip           text,
  details      jsonb,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_agency_idx ON audit_log (agency_id, created_at DESC, id DESC);

CREATE TABLE invitations (
  id           text PRIMARY KEY,
  agency_id    text NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
  email        text NOT NULL,
  role         text NOT NULL CHECK (role IN ('admin', 'member', 'viewer')),
  site_ids     text[] NOT NULL DEFAULT '{}',
  token_hash   text NOT NULL UNIQUE,
  created_by   text REFERENCES dashboard_users (id) ON DELETE SET NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  accepted_at  timestamptz,
  revoked_at   timestamptz
);
CREATE INDEX invitations_agency_idx ON invitations (agency_id);

CREATE TABLE password_resets (
  token_hash  text PRIMARY KEY,
  user_id     text NOT NULL REFERENCES dashboard_users (id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz
);
