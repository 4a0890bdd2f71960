-- The job runner (src/jobs/). Periodic jobs that run on one instance at a time keep their schedule
-- here: an instance runs a job by taking its lease (lease_token, lease_expires_at) once
-- next_run_at has come, renews it while the job runs, and on finishing sets the next run and
-- drops the lease. A process that dies while running leaves a lease that expires, and the job is
-- taken by the next instance that looks.
CREATE TABLE job_schedules (
  name              text PRIMARY KEY,
  next_run_at       timestamptz NOT NULL,
  lease_token       uuid,
  lease_expires_at  timestamptz,
  failures          integer NOT NULL DEFAULT 0,
  last_started_at   timestamptz,
  last_finished_at  timestamptz,
  last_error        text
);

-- Queued work lives in outbox tables of one shape (src/jobs/README.md): status pending → done |
-- failed | cancelled, attempts, next_attempt_at (also the lease: a claim moves it ahead),
-- lease_token (who holds the claim), last_error, finished_at. The hot-lead webhooks become the
-- first such queue.
ALTER TABLE webhook_deliveries
  ADD COLUMN lease_token uuid,
  ADD COLUMN finished_at timestamptz;
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_status_check;
UPDATE webhook_deliveries SET status = 'done', finished_at = delivered_at WHERE status = 'delivered';
-- Final outcomes used to set next_attempt_at to the time they were recorded.
UPDATE webhook_deliveries SET finished_at = next_attempt_at WHERE status IN ('failed', 'cancelled');
ALTER TABLE webhook_deliveries DROP COLUMN delivered_at;
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_status_check
  CHECK (status IN ('pending', 'done', 'failed', 'cancelled'));
