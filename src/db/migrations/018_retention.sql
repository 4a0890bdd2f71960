-- Retention (issue 15, src/privacy/retention/): a site's raw data is kept `retention_days`, then
-- deleted by the daily retention job; roll-ups (aggregates without personal data) outlive it.

-- New sites keep raw events 90 days, the seed's default: storage limitation (GDPR art. 5(1)(e))
-- asks for the shortest period that serves the purpose, and 90 days covers the reports people look
-- at (the last quarter), while roll-ups keep the long-range trends.
ALTER TABLE sites ALTER COLUMN retention_days SET DEFAULT 90;

-- Existing sites keep the retention they have, 395 days for every site that never changed it.
-- Lowering it here would make the first retention run after the upgrade delete up to ten months of
-- every such site's events, irreversibly, without anyone having chosen that; until now nothing was
-- deleted, so 395 is what their owners have been living with. Owners and admins lower it with
-- PATCH /api/sites/:siteId. So that the decision is visible where they look, each such site gets an
-- audit record (GET /api/audit-log) saying what it keeps and what new sites get.
INSERT INTO audit_log (agency_id, actor_type, action, target_type, target_id, details)
SELECT agency_id, 'system', 'site.retention_kept', 'site', id,
       jsonb_build_object('retentionDays', retention_days, 'newSiteDefault', 90)
FROM sites;

-- Where the site's raw events begin: the retention job sets it to its cutoff before it deletes
-- anything older, and never moves it back (raising retention_days brings nothing back). Reports
-- that need raw events (filters, funnels, retention cohorts, dimensions roll-ups do not keep)
-- refuse a window starting earlier instead of counting the deleted events as zeros; the roll-up job
-- never recomputes a day starting earlier, which would overwrite its roll-ups with zeros.
ALTER TABLE sites ADD COLUMN events_kept_from timestamptz;

-- The retention job deletes a site's deliveries per destination (deliveries_destination_idx);
-- hot-lead notifications queued before destinations existed (migration 012) have none. New rows
-- always have one, so this index stays as small as those few rows.
CREATE INDEX deliveries_without_destination_idx ON deliveries (site_id, created_at) WHERE destination_id IS NULL;
