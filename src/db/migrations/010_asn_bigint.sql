-- AS numbers are 32-bit unsigned (RFC 6793): IPinfo answers up to AS4294967295, and private-use
-- 4200000000–4294967294 are seen in the wild. An `integer` column refused anything from 2^31 on,
-- and with it the whole event. No index, view or other table holds an ASN; ALTER on the
-- partitioned table changes every partition (each is rewritten once, under its lock).
ALTER TABLE events ALTER COLUMN asn TYPE bigint;
