-- Companies: counters kept by the ingest transaction, an engagement score kept by a scheduled job,
-- the lead-status history, and a durable outbox for hot-lead webhooks.

-- High-intent pages and their weights (src/companies/intent-patterns.ts); Slack-compatible
-- incoming-webhook URLs called when a company turns hot: [{"url": "https://hooks.slack.com/…"}].
ALTER TABLE sites ADD COLUMN intent_patterns jsonb NOT NULL DEFAULT '[
  {"pattern": "/pricing", "weight": 10},
  {"pattern": "/plans", "weight": 10},
  {"pattern": "/demo", "weight": 15},
  {"pattern": "/contact", "weight": 10},
  {"pattern": "/trial", "weight": 10},
  {"pattern": "/signup", "weight": 10},
  {"pattern": "/case-studies", "weight": 5}
]'::jsonb;
ALTER TABLE sites ADD COLUMN webhooks jsonb NOT NULL DEFAULT '[]'::jsonb;

-- `visits` and `sessions` both count sessions (the seed had both names; the API shows `visits`).
-- `visitors` and `active_days` cover the scoring window and are refreshed by the scorer.
-- The ingest upsert bumps touch_seq; the scorer copies the value it scored into scored_seq, so a
-- change committed while it works leaves touch_seq > scored_seq and is scored on the next run.
ALTER TABLE companies
  ADD COLUMN visitors integer NOT NULL DEFAULT 0,
  ADD COLUMN active_days integer NOT NULL DEFAULT 0,
  ADD COLUMN score_breakdown jsonb NOT NULL DEFAULT '[]'::jsonb,
  ADD COLUMN scored_at timestamptz,
  ADD COLUMN touch_seq bigint NOT NULL DEFAULT 1,
  ADD COLUMN scored_seq bigint NOT NULL DEFAULT 0,
  ADD COLUMN hidden_at timestamptz;

CREATE INDEX companies_touched_idx ON companies (site_id) WHERE touch_seq > scored_seq;
CREATE INDEX companies_scored_idx ON companies (scored_at);
CREATE INDEX companies_site_score_idx ON companies (site_id, score DESC, id DESC);
CREATE INDEX companies_site_last_seen_idx ON companies (site_id, last_seen_at DESC, id DESC);
CREATE INDEX companies_site_visits_idx ON companies (site_id, visits DESC, id DESC);

-- A company's sessions, for its score inputs and its visit history.
CREATE INDEX sessions_company_idx ON sessions (site_id, company_domain, started_at DESC)
  WHERE company_domain IS NOT NULL;

-- Every lead-status change with its time; from_status is null for a company's first classification.
CREATE TABLE company_status_changes (
  id           bigserial PRIMARY KEY,
  site_id      text NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  company_id   text NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
  from_status  text CHECK (from_status IN ('hot', 'warm', 'cold')),
  to_status    text NOT NULL CHECK (to_status IN ('hot', 'warm', 'cold')),
  score        integer NOT NULL CHECK (score BETWEEN 0 AND 100),
  changed_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX company_status_changes_company_idx
  ON company_status_changes (site_id, company_id, changed_at DESC, id DESC);

-- Outbox: a hot-lead notification is recorded in the scorer's transaction and delivered after it,
-- retried with backoff until delivered or out of attempts; nothing is lost across restarts.
CREATE TABLE webhook_deliveries (
  id               bigserial PRIMARY KEY,
  site_id          text NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  company_id       text REFERENCES companies (id) ON DELETE SET NULL,
  url              text NOT NULL,
  payload          jsonb NOT NULL,
  status           text NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'delivered', 'failed', 'cancelled')),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  last_status      integer,
  last_error       text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  delivered_at     timestamptz
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_site_idx ON webhook_deliveries (site_id, created_at DESC);
