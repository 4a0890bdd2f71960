-- The CCPA opt-out page (src/privacy/opt-out-routes.ts) records each opt-out and each undo of one
-- in the visitor's consent history: `optout` (both purposes off, as GPC) and `optout_withdrawn`
-- (the opt-out no longer applies; no purpose is named, so the banner's choice holds again).
ALTER TABLE consent_records DROP CONSTRAINT consent_records_source_check;
ALTER TABLE consent_records ADD CONSTRAINT consent_records_source_check
  CHECK (source IN ('banner', 'gpc', 'api', 'optout', 'optout_withdrawn'));
