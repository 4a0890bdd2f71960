-- A site may identify the companies of visitors who have not given analytics consent, under
-- legitimate interest: their addresses then go to the online IP provider (IPinfo) too. Off by
-- default: without consent, only the offline databases see the address, and nothing leaves the
-- machine. Global Privacy Control keeps the address local whatever this says.
ALTER TABLE sites ADD COLUMN company_identification_without_consent boolean NOT NULL DEFAULT false;
