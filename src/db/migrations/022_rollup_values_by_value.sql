-- A rolled-up breakdown reads the day sketches of the few values on its page
-- (src/analytics/rollups/rollup-counts.ts, rollupValueParts). The primary key orders rows by day
-- before value, so that lookup scanned every value of the dimension over the range (61,000 rows
-- for pages over 30 days at 10 M events, 19 ms) to keep about 300 of them; by value first it reads
-- just those (0.6 ms).
CREATE INDEX rollup_values_by_value ON rollup_values (site_id, dimension, value, day);
