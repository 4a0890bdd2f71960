-- Login lockout per account and client address (issue 11). The lock lived on the account and was
-- checked before the password: five wrong passwords from anywhere locked the owner out, and only
-- real accounts ever answered 429, which told them apart from unknown emails.
--
-- One row per (email, address): an account key (SHA-256 of the normalised email, whether or not an
-- account has it, so unknown emails are locked the same way) and the client address (IPv4, or an
-- IPv6 /64). `failures` counts consecutive failures from that address within a day; `signed_in_at`
-- marks an address the account signed in from, which the per-account ceiling spares.
CREATE TABLE login_attempts (
  account_key     text NOT NULL,
  address         text NOT NULL,
  failures        integer NOT NULL DEFAULT 0,
  last_failed_at  timestamptz,
  locked_until    timestamptz,
  signed_in_at    timestamptz,
  PRIMARY KEY (account_key, address)
);
-- The per-account ceiling sums an account's recent failures over all addresses.
CREATE INDEX login_attempts_recent_idx ON login_attempts (account_key, last_failed_at)
  WHERE last_failed_at IS NOT NULL;

ALTER TABLE dashboard_users DROP COLUMN failed_logins, DROP COLUMN locked_until;

-- Keys of people who left, or who are no longer owner or admin, kept working: whoever made a key
-- has seen it. Removing or demoting a user now revokes their keys; this does it for earlier ones
-- (created_by is null once the creator is deleted).
UPDATE api_keys SET revoked_at = now()
WHERE revoked_at IS NULL
  AND (created_by IS NULL
       OR created_by IN (SELECT id FROM dashboard_users WHERE role NOT IN ('owner', 'admin')));
