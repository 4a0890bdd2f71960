-- A session remembers the campaign that started it (UTM or ad click id), so later requests of the
-- same visit continue it instead of starting a new session. Click ids have no session column.
ALTER TABLE sessions ADD COLUMN campaign_key text;
